import Metrics

/// Osprey's own metrics of one rule group (Prometheus's `prometheus_rule_*` families), labelled
/// `rule_group="<file>;<name>"` as Prometheus labels them.
struct GroupMetrics {
    let evaluations: Counter
    let failures: Counter
    let lastDurationSeconds: Gauge
    let rules: Gauge

    init(key: String, ruleCount: Int) {
        let d = [("rule_group", key)]
        evaluations = Counter(label: "osprey_rule_evaluations_total", dimensions: d)
        failures = Counter(label: "osprey_rule_evaluation_failures_total", dimensions: d)
        lastDurationSeconds = Gauge(label: "osprey_rule_group_last_duration_seconds", dimensions: d)
        rules = Gauge(label: "osprey_rule_group_rules", dimensions: d)
        rules.record(ruleCount)
    }
}

/// Metrics of the Alertmanager HTTP sender (Prometheus's `prometheus_notifications_*`).
struct SenderMetrics {
    let sent: Counter
    let errors: Counter
    let dropped: Counter

    init(alertmanager: String) {
        let d = [("alertmanager", alertmanager)]
        sent = Counter(label: "osprey_notifications_sent_total", dimensions: d)
        errors = Counter(label: "osprey_notifications_errors_total", dimensions: d)
        dropped = Counter(label: "osprey_notifications_dropped_total")
    }
}
