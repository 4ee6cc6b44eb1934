import OspreyCore

/// One notification of one aggregation group to one receiver: what Alertmanager's template data is made from.
public struct GroupNotification: Sendable {
    /// The receiver's name (`.Receiver` in templates).
    public var receiver: String
    /// Alertmanager's group key, e.g. `{}/{severity="critical"}:{alertname="HighLatency"}`.
    public var groupKey: String
    /// The labels the group was formed by (`.GroupLabels`).
    public var groupLabels: Labels
    /// Firing and resolved alerts of the group (resolved: endsAtMs <= nowMs), sorted as Alertmanager sorts them.
    public var alerts: [Alert]
    /// The time the notification is made at, milliseconds since the epoch: decides which alerts are resolved.
    public var nowMs: Int64
    /// Osprey's external URL (links to silences and the UI).
    public var externalURL: String
    /// Extra links a notification carries, e.g. the on-call acknowledge link; templates see them as `.Links`.
    public var links: [String: String]

    public init(receiver: String, groupKey: String, groupLabels: Labels, alerts: [Alert], nowMs: Int64,
                externalURL: String, links: [String: String] = [:]) {
        self.receiver = receiver
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.alerts = alerts
        self.nowMs = nowMs
        self.externalURL = externalURL
        self.links = links
    }
}

/// The outcome of one delivery attempt.
public enum IntegrationResult: Sendable, Equatable {
    /// The peer accepted the notification (HTTP 2xx, SMTP 250 after DATA).
    case delivered
    /// `retry` false for errors retrying cannot fix (a 4xx other than 429, a template error).
    case failed(reason: String, retry: Bool)
}

/// One configured integration of a receiver (the n-th `slack_configs` entry, …).
public protocol Integration: Sendable {
    /// "webhook", "slack", "pagerduty", "email", "msteams", "sms": the `integration` label of the metrics.
    var name: String { get }
    /// Position among the receiver's integrations, as Alertmanager numbers them (for the notification log):
    /// Alertmanager counts each kind from 0, so (`name`, `index`) identifies an integration within its receiver.
    var index: Int { get }
    /// Whether resolved notifications are sent (the config's `send_resolved`).
    var sendResolved: Bool { get }
    /// Sends once (the dispatcher retries with backoff).
    func notify(_ notification: GroupNotification) async -> IntegrationResult
}

/// Builds the integrations of every receiver of an Alertmanager configuration.
public protocol IntegrationProvider: Sendable {
    /// The integrations of the receiver called `name`, in Alertmanager's order; empty for an unknown receiver.
    func integrations(forReceiver name: String) -> [any Integration]
}
