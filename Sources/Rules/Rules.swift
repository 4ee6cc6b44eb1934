/// Recording and alerting rule evaluation over the metric store (Prometheus rule-file format).
enum RulesModule {}
