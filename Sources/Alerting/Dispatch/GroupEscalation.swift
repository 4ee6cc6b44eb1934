import OspreyCore

/// What the dispatcher tells escalation (on-call) about each flush of an alert group, before the group's
/// notifications go out. The server connects it to the `EscalationEngine` (`OnCallEscalation`); without
/// it, flushes only notify.
public protocol GroupEscalation: Sendable {
    /// A group is being notified. Opens or keeps the group's incident while alerts fire, resolves it when
    /// they all resolved, and returns the links the notification carries (`.Links`: acknowledge, resolve,
    /// the incident), empty when no incident applies.
    func flushing(_ flush: GroupFlush) async -> [String: String]

    /// The flush's notification went out (or failed) through the receiver's integrations; called only for a
    /// flush `flushing` returned links for, with the integrations that sent or tried.
    func notified(groupKey: String, receiver: String, outcomes: [DeliveryOutcome], at nowMs: Int64) async

    /// A reload regrouped alerts: these groups are gone and will not flush again.
    func groupsRemoved(_ groups: [GroupRef], at nowMs: Int64) async
}

/// An alert group as escalation knows it: its group key and receiver.
public struct GroupRef: Hashable, Sendable {
    public var groupKey: String
    public var receiver: String

    public init(groupKey: String, receiver: String) {
        self.groupKey = groupKey
        self.receiver = receiver
    }
}

/// One flush as escalation sees it: the alerts left after time mutes, inhibition and silences.
public struct GroupFlush: Sendable {
    public var groupKey: String
    public var receiver: String
    public var groupLabels: Labels
    /// Alerts of the flush that still fire, in notification order (silenced and inhibited ones left out).
    public var firing: [Alert]
    /// Every alert of the group resolved (silenced ones included): the problem is over.
    public var allResolved: Bool
    public var nowMs: Int64

    public init(groupKey: String, receiver: String, groupLabels: Labels, firing: [Alert], allResolved: Bool, nowMs: Int64) {
        self.groupKey = groupKey
        self.receiver = receiver
        self.groupLabels = groupLabels
        self.firing = firing
        self.allResolved = allResolved
        self.nowMs = nowMs
    }

    /// The labels every firing alert has with the same value (Alertmanager's `CommonLabels`): what an
    /// escalation policy's matchers are checked against.
    public var commonLabels: Labels {
        guard var common = firing.first.map({ Dictionary($0.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }) })
        else { return groupLabels }
        for a in firing.dropFirst() { common = common.filter { a.labels[$0.key] == $0.value } }
        return Labels(common)
    }
}
