/// Alert routing, grouping, inhibition, silences, notifiers, escalation and on-call (Alertmanager's schema).
enum AlertingModule {}
