import OspreyCore

/// Where an incident stands.
public enum IncidentState: String, Sendable, Codable, CaseIterable {
    /// Firing and escalating until someone acknowledges.
    case triggered
    /// Someone is on it; escalation stopped.
    case acknowledged
    /// Closed, by a person or because the alerts resolved.
    case resolved
}

/// An incident: one per alert group (group key + receiver), with its timeline for the review afterwards.
/// Incidents are values; `IncidentStore` holds the current ones and `EscalationEngine` changes them.
public struct Incident: Sendable {
    /// A short number in opening order ("1", "2", …), stable across restarts.
    public let id: String
    public internal(set) var groupKey: String
    public internal(set) var receiver: String
    /// The alert group's common labels.
    public internal(set) var labels: Labels
    /// A one-line description of the alerts (titles and counts), shown in pages.
    public internal(set) var summary: String
    /// The escalation policy's name.
    public internal(set) var policy: String
    public internal(set) var state: IncidentState = .triggered
    public internal(set) var openedAtMs: Int64
    public internal(set) var updatedAtMs: Int64
    public internal(set) var acknowledgedBy: String?
    public internal(set) var resolvedBy: String?
    /// Every event in order: fired, escalated, notified, acknowledged, resolved, re-opened.
    public internal(set) var timeline: [TimelineEntry] = []
    /// The next escalation step and when it runs; nil once escalation stopped or ran out.
    public internal(set) var nextEscalation: EscalationPoint?
    /// The secret acknowledge/resolve links carry (never shown by the API).
    let token: String
    /// Deliveries of the step now running, and which of them are not recorded as sent yet.
    var currentDeliveries: [Delivery] = []
    var pendingDeliveries: [Int] = []

    init(id: String, groupKey: String, receiver: String, labels: Labels, summary: String, policy: String, token: String, atMs: Int64) {
        self.id = id
        self.groupKey = groupKey
        self.receiver = receiver
        self.labels = labels
        self.summary = summary
        self.policy = policy
        self.token = token
        self.openedAtMs = atMs
        self.updatedAtMs = atMs
    }
}

/// The next point of an escalation: `step` (1-based) of `pass` (1 is the first run, 2 the first repeat…)
/// runs at `atMs`. A nil step means the policy has run out: at `atMs` escalation ends unanswered.
public struct EscalationPoint: Sendable, Equatable, Codable {
    public var pass: Int
    public var step: Int?
    public var atMs: Int64
}

/// One notification a step sends: to a person (directly or as a schedule's on-call person) or a receiver.
public struct Delivery: Sendable, Equatable, Codable {
    /// `schedule`, `person` or `receiver`.
    public var target: String
    /// The schedule's, person's or receiver's name.
    public var name: String
    /// The person paged; for a schedule, who was on call (nil when nobody was).
    public var person: String?
}

/// One try to reach someone through one contact method, as a notifier reports it.
public struct ContactAttempt: Sendable, Equatable, Codable {
    /// `email`, `sms`, `chat`, `webhook`, or the receiver's integration (`slack`, `pagerduty`…).
    public var channel: String
    /// Where it went: an address, a number, a URL's host, a receiver name.
    public var address: String
    public var ok: Bool
    public var error: String?

    public init(channel: String, address: String, ok: Bool, error: String? = nil) {
        self.channel = channel
        self.address = address
        self.ok = ok
        self.error = error
    }
}

/// One event of an incident's timeline; it is also the record the incidents log stores.
public struct TimelineEntry: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// The alert group started firing; the incident opened.
        case opened
        /// The group fired again after the incident was resolved; escalation restarts at step 1.
        case reopened
        /// Escalation ran step `step` of pass `pass`, sending `deliveries`.
        case escalated
        /// One delivery of a step was sent (or failed): whom, where and whether it worked.
        case notified
        case acknowledged
        case resolved
        /// Every step and repeat ran and nobody acknowledged.
        case exhausted
    }

    public var kind: Kind
    public var atMs: Int64
    // opened, reopened
    public var groupKey: String?
    public var receiver: String?
    public var labels: [String: String]?
    public var summary: String?
    public var policy: String?
    var token: String?
    // escalated
    public var pass: Int?
    public var step: Int?
    public var deliveries: [Delivery]?
    public var next: EscalationPoint?
    // notified
    public var deliveryIndex: Int?
    public var delivery: Delivery?
    public var attempts: [ContactAttempt]?
    public var error: String?
    // acknowledged, resolved
    public var by: String?
    /// `api`, `link`, or `alerts` (resolved because the alerts resolved).
    public var via: String?

    init(_ kind: Kind, atMs: Int64) {
        self.kind = kind
        self.atMs = atMs
    }

    /// Whether the delivery reached someone (a notified entry with at least one successful attempt).
    public var delivered: Bool { (attempts ?? []).contains { $0.ok } }
}
