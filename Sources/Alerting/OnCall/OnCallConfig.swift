import Foundation
import OspreyCore

/// `oncall:` in osprey.yml: people, schedules with rotations, and escalation policies.
/// Parse one with `OnCallConfig.parse(_:_:)`; every reference between them is checked then.
public struct OnCallConfig: Sendable {
    /// `external_url`: the address people reach Osprey at; acknowledge links in notifications start with it.
    public var externalURL: String?
    /// `incident_retention`: how long resolved incidents stay in the log and the API (default 90d).
    public var incidentRetentionMs: Int64 = IncidentStore.defaultRetentionMs
    /// `sms_provider`: the HTTP SMS gateway pages to people's `phone` go through; without it they get no SMS.
    public var smsProvider: SMSProviderConfig?
    /// People in file order.
    public var people: [Person] = []
    public var schedules: [Schedule] = []
    /// Escalation policies in file order; the first that applies to an incident escalates it.
    public var policies: [EscalationPolicy] = []
    /// Every receiver name the policies use (`receivers`, `notify_receiver`), with where it was written, so
    /// the server can check them against Alertmanager's `receivers` once both sections are read.
    public var receiverReferences: [ReceiverReference] = []

    public init() {}

    public func person(named name: String) -> Person? { people.first { $0.name == name } }
    public func schedule(named name: String) -> Schedule? { schedules.first { $0.name == name } }
    public func policy(named name: String) -> EscalationPolicy? { policies.first { $0.name == name } }

    /// The first policy that applies to alerts of `receiver` with the group's `labels`.
    public func policy(receiver: String, labels: Labels) -> EscalationPolicy? {
        policies.first { $0.applies(receiver: receiver, labels: labels) }
    }
}

/// A receiver name written in `oncall:`, and where.
public struct ReceiverReference: Sendable, Equatable {
    public var name: String
    public var line: Int?
    public var field: String
}

/// Someone who can be paged. Schedules and policies refer to people by name.
public struct Person: Sendable, Equatable {
    public var name: String
    public var email: String?
    /// A phone number for SMS or calls, as written (E.164 such as `+4915112345678` is expected).
    public var phone: String?
    /// A chat handle such as `@alice`, shown with the person in the API so others know where to reach them.
    public var chat: String?
    /// A webhook URL that reaches this person directly (a chat DM hook or a personal bot).
    public var webhookURL: String?

    public init(name: String, email: String? = nil, phone: String? = nil, chat: String? = nil, webhookURL: String? = nil) {
        self.name = name
        self.email = email
        self.phone = phone
        self.chat = chat
        self.webhookURL = webhookURL
    }
}

/// An escalation policy: ordered steps, each followed by a wait, the whole repeated `repeatCount` times
/// while nobody acknowledges.
public struct EscalationPolicy: Sendable {
    public var name: String
    /// Receivers (Alertmanager `receivers[].name`) whose alert groups this policy escalates; empty: any.
    public var receivers: [String]
    /// Label matchers an alert group's labels must all satisfy; empty: any.
    public var matchers: [LabelMatcher]
    public var steps: [EscalationStep]
    /// How many more times the whole policy runs after its last step when nobody acknowledged.
    public var repeatCount: Int

    public init(name: String, receivers: [String] = [], matchers: [LabelMatcher] = [], steps: [EscalationStep], repeatCount: Int = 0) {
        self.name = name
        self.receivers = receivers
        self.matchers = matchers
        self.steps = steps
        self.repeatCount = repeatCount
    }

    /// Whether this policy escalates an alert group of `receiver` with `labels`.
    public func applies(receiver: String, labels: Labels) -> Bool {
        if !receivers.isEmpty && !receivers.contains(receiver) { return false }
        return matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }
}

/// One escalation step: whom to notify, then how long to wait before the next step.
public struct EscalationStep: Sendable, Equatable {
    public var targets: [EscalationTarget]
    /// `wait`: milliseconds after this step runs before the next one (or the next repeat) runs.
    public var waitMs: Int64

    public init(targets: [EscalationTarget], waitMs: Int64) {
        self.targets = targets
        self.waitMs = waitMs
    }
}

/// Whom a step notifies.
public enum EscalationTarget: Sendable, Hashable {
    /// Whoever is on call in the schedule when the step runs.
    case schedule(String)
    case person(String)
    /// An Alertmanager receiver (chat channel, team pager service…), notified through the notifiers.
    case receiver(String)

    public var kind: String {
        switch self {
        case .schedule: return "schedule"
        case .person: return "person"
        case .receiver: return "receiver"
        }
    }

    public var name: String {
        switch self {
        case .schedule(let n), .person(let n), .receiver(let n): return n
        }
    }
}
