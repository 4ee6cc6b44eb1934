import OspreyCore

/// A node of the routing tree with its effective options: a child inherits `receiver`, `group_by`,
/// `group_wait`, `group_interval` and `repeat_interval` from its parent unless it sets them, exactly as
/// Alertmanager resolves them. `mute_time_intervals` and `active_time_intervals` are not inherited.
public final class Route: Sendable {
    /// How alerts of this route are grouped into notifications.
    public enum GroupBy: Sendable, Equatable {
        /// Group by the values of these labels (an empty list puts every alert in one group).
        case labels([String])
        /// `group_by: ['...']`: group by all labels, so every distinct alert is its own group.
        case all
    }

    public let receiver: String
    public let groupBy: GroupBy
    public let groupWaitMs: Int64
    public let groupIntervalMs: Int64
    public let repeatIntervalMs: Int64
    /// `match`, `match_re` and `matchers` together, in Alertmanager's sorted order.
    public let matchers: [LabelMatcher]
    /// Whether an alert matching this route goes on to be matched against its later siblings.
    public let `continue`: Bool
    public let muteTimeIntervals: [String]
    public let activeTimeIntervals: [String]
    public let routes: [Route]
    /// Alertmanager's route key: the matcher lists from the root down, joined by `/` (`{}/{severity="critical"}`).
    /// Group keys start with it; it does not tell apart siblings with the same matchers.
    public let key: String
    /// Alertmanager's route ID: the key plus the route's position among its siblings (`{}/{severity="critical"}/0`).
    public let id: String
    /// Line of the route in the configuration file.
    public let line: Int?

    /// Alertmanager's defaults for the root route.
    public static let groupWaitDefaultMs: Int64 = 30_000
    public static let groupIntervalDefaultMs: Int64 = 5 * 60_000
    public static let repeatIntervalDefaultMs: Int64 = 4 * 3_600_000

    init(receiver: String, groupBy: GroupBy, groupWaitMs: Int64, groupIntervalMs: Int64, repeatIntervalMs: Int64,
         matchers: [LabelMatcher], continue: Bool, muteTimeIntervals: [String], activeTimeIntervals: [String],
         routes: [Route], key: String, id: String, line: Int?) {
        self.receiver = receiver
        self.groupBy = groupBy
        self.groupWaitMs = groupWaitMs
        self.groupIntervalMs = groupIntervalMs
        self.repeatIntervalMs = repeatIntervalMs
        self.matchers = matchers
        self.continue = `continue`
        self.muteTimeIntervals = muteTimeIntervals
        self.activeTimeIntervals = activeTimeIntervals
        self.routes = routes
        self.key = key
        self.id = id
        self.line = line
    }

    /// Whether this node's own matchers accept the labels (a missing label has the value "").
    public func matchesOwn(_ labels: Labels) -> Bool {
        AlertMatchers.matches(matchers, labels)
    }

    /// The routes an alert with these labels is handled by: a depth-first, left-to-right search where the
    /// deepest matching nodes win; after a matching child without `continue` its later siblings are skipped;
    /// a node none of whose children match is itself the match. Empty when this node does not match.
    public func match(_ labels: Labels) -> [Route] {
        guard matchesOwn(labels) else { return [] }
        var all: [Route] = []
        for child in routes {
            let found = child.match(labels)
            all += found
            if !found.isEmpty && !child.continue { break }
        }
        return all.isEmpty ? [self] : all
    }

    /// The labels that name an alert's group on this route: the `group_by` labels the alert has, or all of
    /// its labels for `...`.
    public func groupLabels(_ labels: Labels) -> Labels {
        switch groupBy {
        case .all: return labels
        case .labels(let names):
            return Labels(labels.labels.filter { names.contains($0.name) })
        }
    }

    /// Alertmanager's group key, `<route key>:<group labels>`, e.g. `{}/{severity="critical"}:{alertname="Down"}`.
    public func groupKey(_ labels: Labels) -> String {
        key + ":" + Route.formatLabelSet(groupLabels(labels))
    }

    /// The node of this tree with Alertmanager's route ID `id`, if any.
    public func route(withID id: String) -> Route? {
        if self.id == id { return self }
        guard id.hasPrefix(key) else { return nil }
        for r in routes { if let found = r.route(withID: id) { return found } }
        return nil
    }

    /// Visits this node and then its descendants, depth first.
    public func walk(_ visit: (Route) -> Void) {
        visit(self)
        for r in routes { r.walk(visit) }
    }

    /// A label set as Alertmanager prints one: `{a="1", b="2"}`, sorted, values Go-quoted.
    public static func formatLabelSet(_ labels: Labels) -> String {
        "{" + labels.labels.map { l in
            let name = l.name.unicodeScalars.contains(where: AlertMatchers.isReserved) ? AlertMatchers.goQuote(l.name) : l.name
            return name + "=" + AlertMatchers.goQuote(l.value)
        }.joined(separator: ", ") + "}"
    }
}
