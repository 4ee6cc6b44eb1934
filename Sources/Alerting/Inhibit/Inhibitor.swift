import OspreyCore

/// Decides which alerts are inhibited, with Alertmanager's rules: an alert matching a rule's target
/// matchers is muted while some firing alert matches the rule's source matchers and has the same values
/// for every `equal` label (a label missing on both sides counts as equal). When the alert matches the
/// source matchers too, only sources that do not also match the target matchers count, so an alert never
/// inhibits itself (or its peers on both sides).
///
/// Built once per evaluation round from the firing alerts; each rule indexes its sources by their `equal`
/// label values, so checking an alert costs one hash lookup per rule whose target side matches.
public struct Inhibitor: Sendable {
    /// Why an alert is inhibited: the index of the rule in `rules` and the labels of one inhibiting alert.
    public struct Inhibition: Sendable, Equatable {
        public let rule: Int
        public let source: Labels
        public init(rule: Int, source: Labels) { self.rule = rule; self.source = source }
    }

    /// For one value of the `equal` labels: any source, and a source that does not match the target side.
    struct Sources: Sendable {
        var any: Labels
        var notTarget: Labels?
    }

    public let rules: [InhibitRuleConfig]
    private var index: [[[String]: Sources]]

    /// `firing`: the labels of every alert that is not resolved (silenced ones included, as in Alertmanager).
    public init(rules: [InhibitRuleConfig], firing: [Labels]) {
        self.rules = rules
        index = Array(repeating: [:], count: rules.count)
        for alert in firing { add(alert) }
    }

    /// Adds one firing alert to the sources of the rules it matches.
    public mutating func add(_ alert: Labels) {
        for (i, rule) in rules.enumerated() where Self.matches(rule.sourceMatchers, alert) {
            let key = rule.equal.map { alert[$0] ?? "" }
            let isTarget = Self.matches(rule.targetMatchers, alert)
            if var s = index[i][key] {
                if s.notTarget == nil && !isTarget { s.notTarget = alert; index[i][key] = s }
            } else {
                index[i][key] = Sources(any: alert, notTarget: isTarget ? nil : alert)
            }
        }
    }

    /// The first rule (in configuration order) that inhibits an alert with these labels, or nil.
    public func inhibition(of labels: Labels) -> Inhibition? {
        for (i, rule) in rules.enumerated() where !index[i].isEmpty && Self.matches(rule.targetMatchers, labels) {
            guard let s = index[i][rule.equal.map { labels[$0] ?? "" }] else { continue }
            let twoSided = Self.matches(rule.sourceMatchers, labels)
            if let source = twoSided ? s.notTarget : s.any { return Inhibition(rule: i, source: source) }
        }
        return nil
    }

    /// Whether an alert with these labels is inhibited.
    public func isInhibited(_ labels: Labels) -> Bool { inhibition(of: labels) != nil }

    static func matches(_ matchers: [LabelMatcher], _ labels: Labels) -> Bool { AlertMatchers.matches(matchers, labels) }
}
