import Metrics

/// The notification metrics, per integration (`integration` label: webhook, slack, email…), named like
/// Alertmanager's `alertmanager_notification*` metrics with Osprey's prefix:
/// - `osprey_notifications_total`: notifications the dedup stage let through (however many attempts they took);
/// - `osprey_notifications_failed_total` (`reason`: clientError, serverError, contextDeadlineExceeded,
///   contextCanceled, other): notifications that did not get through after their retries;
/// - `osprey_notification_requests_total` and `osprey_notification_requests_failed_total`: every attempt;
/// - `osprey_notification_latency_seconds`: a histogram of each attempt's duration.
struct NotificationMetrics: Sendable {
    static let notifications = "osprey_notifications_total"
    static let notificationsFailed = "osprey_notifications_failed_total"
    static let requests = "osprey_notification_requests_total"
    static let requestsFailed = "osprey_notification_requests_failed_total"
    static let latency = "osprey_notification_latency_seconds"

    let factory: any MetricsFactory

    init(factory: any MetricsFactory) { self.factory = factory }

    func notified(_ integration: String) {
        Counter(label: Self.notifications, dimensions: [("integration", integration)], factory: factory).increment()
    }

    func failed(_ integration: String, reason: String) {
        Counter(label: Self.notificationsFailed, dimensions: [("integration", integration), ("reason", reason)], factory: factory).increment()
    }

    func attempted(_ integration: String, seconds: Duration) {
        Counter(label: Self.requests, dimensions: [("integration", integration)], factory: factory).increment()
        let (s, atto) = seconds.components
        let nanos = s * 1_000_000_000 + atto / 1_000_000_000
        Metrics.Timer(label: Self.latency, dimensions: [("integration", integration)], preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(nanos)
    }

    func attemptFailed(_ integration: String) {
        Counter(label: Self.requestsFailed, dimensions: [("integration", integration)], factory: factory).increment()
    }

    /// The `reason` label of a failed notification, from the integration's error text: a few fixed values as
    /// Alertmanager has, so the label cannot grow with error messages. An error retrying cannot fix is a
    /// client error; an HTTP 5xx status in the text a server error; anything else (connection refused, …) other.
    static func reasonLabel(_ reason: String, retry: Bool) -> String {
        if !retry { return "clientError" }
        var digits = 0
        var first: Character = " "
        for c in reason + " " {
            if c.isASCII && c.isNumber {
                if digits == 0 { first = c }
                digits += 1
            } else {
                if digits == 3 && first == "5" { return "serverError" }
                digits = 0
            }
        }
        return "other"
    }
}
