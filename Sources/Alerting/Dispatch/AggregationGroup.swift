import OspreyCore

/// Which aggregation group an alert belongs to: the route it matched (by Alertmanager's route ID, so siblings
/// with equal matchers stay apart) and its group key (route key plus the `group_by` label values).
struct GroupID: Hashable, Sendable {
    var routeID: String
    var groupKey: String
}

/// One aggregation group: the alerts one route grouped by the same `group_by` values, and when it flushes next.
/// Alertmanager's timing: a new group flushes `group_wait` after it was made (at once when an alert's start is
/// already older than `group_wait`), then every `group_interval`, whether or not anything changed (the
/// notification log decides what is sent). Mutated only under the dispatcher's lock.
final class AggregationGroup {
    var route: Route
    let key: String
    let labels: Labels
    var alerts: [Fingerprint: Alert] = [:]
    var nextFlushMs: Int64
    var hasFlushed = false
    /// A flush of this group is running; the group is not flushed again until it ends (as Alertmanager's
    /// group loop runs one flush at a time).
    var flushing = false

    init(route: Route, key: String, labels: Labels, now nowMs: Int64) {
        self.route = route
        self.key = key
        self.labels = labels
        nextFlushMs = nowMs + route.groupWaitMs
    }

    /// Adds or replaces an alert. Before the first flush, an alert that started more than `group_wait` ago
    /// makes the group flush at once: waiting for more alerts of an old problem would only delay it.
    func insert(_ alert: Alert, now nowMs: Int64) {
        alerts[alert.fingerprint] = alert
        if !hasFlushed && alert.startsAtMs + route.groupWaitMs < nowMs {
            nextFlushMs = min(nextFlushMs, nowMs)
        }
    }

    /// The group's alerts in Alertmanager's notification order.
    var sortedAlerts: [Alert] { Self.sorted(Array(alerts.values)) }

    /// Alertmanager's alert order (`AlertOrder.alertBefore`): by `job`, then `instance`, then the label set.
    static func sorted(_ alerts: [Alert]) -> [Alert] { alerts.sorted(by: AlertOrder.alertBefore) }
}

/// What one flush works on, taken under the lock so the notification pipeline runs without it.
struct FlushJob: Sendable {
    let id: GroupID
    let route: Route
    let labels: Labels
    /// The group's alerts at the flush, in notification order.
    let alerts: [Alert]
    let nowMs: Int64
    let routing: AlertmanagerConfig
    let integrations: [any Integration]
    /// Inhibition over the alerts firing at the flush; nil without inhibit rules.
    let inhibitor: Inhibitor?
}
