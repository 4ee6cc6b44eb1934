import Foundation
import OspreyCore

/// Health of a rule after its last evaluation, as `/api/v1/rules` reports it.
public enum RuleHealth: String, Sendable {
    case unknown, ok, err
}

/// A rule and what its evaluations remember: the series it wrote last time (for staleness markers) and,
/// for an alerting rule, its alerts keyed by label set.
final class RuleRuntime {
    let definition: RuleDefinition
    /// The rule's labels with the group's labels underneath (a rule's own label wins).
    let labels: [Label]
    var health = RuleHealth.unknown
    var lastError: String?
    var lastEvaluationMs: Int64?
    var evaluationSeconds = 0.0
    var seriesInPreviousEval: Set<Labels> = []
    var active: [Labels: ActiveAlert] = [:]
    /// Alerting rules write `ALERTS`/`ALERTS_FOR_STATE` only once their `for:` state has been restored
    /// (or nothing needed restoring).
    var restored: Bool

    init(_ definition: RuleDefinition, groupLabels: [Label], restored: Bool) {
        self.definition = definition
        var merged = groupLabels.filter { g in !definition.labels.contains { $0.name == g.name } }
        merged += definition.labels
        self.labels = merged
        self.restored = restored
    }

    /// Matches rules across a reload as Prometheus does: by name and labels.
    var identity: String { definition.name + Labels(labels).description }
}

/// A rule group with its evaluation state. Evaluations of one group must not overlap (the manager runs them
/// one after another); the status accessors may be called from any thread.
public final class RuleGroupState: @unchecked Sendable {
    public let group: RuleGroup
    /// The evaluation interval in effect (the group's own or the global one).
    public let intervalMs: Int64
    let rules: [RuleRuntime]
    let lock = NSLock()
    /// Series of rules removed by a reload; the next evaluation marks them stale.
    var staleSeries: [Labels] = []
    /// Restore `for:` state from `ALERTS_FOR_STATE` after the second evaluation (set on the first load).
    var shouldRestore: Bool
    var evaluations = 0
    var lastEvaluationMs: Int64?
    var evaluationSeconds = 0.0
    let metrics: GroupMetrics

    /// `restoreForState`: true when the group is loaded at start-up, so pending and firing alerts pick up
    /// their `for:` timers from the store; groups added by a reload start fresh, as in Prometheus.
    public init(_ group: RuleGroup, defaultIntervalMs: Int64, restoreForState: Bool) {
        self.group = group
        self.intervalMs = group.intervalMs ?? defaultIntervalMs
        self.shouldRestore = restoreForState
        self.rules = group.rules.map { RuleRuntime($0, groupLabels: group.labels, restored: !restoreForState) }
        self.metrics = GroupMetrics(key: group.file + ";" + group.name, ruleCount: group.rules.count)
    }

    /// Identifies a group across reloads: its file and name.
    public var key: String { group.file + ";" + group.name }

    /// Takes over the state of the previous version of this group after a reload: rules matched by name and
    /// labels keep their alerts and staleness tracking; series of rules that went away are marked stale at
    /// the next evaluation.
    func copyState(from old: RuleGroupState) {
        old.lock.lock()
        defer { old.lock.unlock() }
        lock.lock()
        defer { lock.unlock() }
        var byIdentity: [String: [Int]] = [:]
        for (i, r) in old.rules.enumerated() { byIdentity[r.identity, default: []].append(i) }
        for r in rules {
            guard var indexes = byIdentity[r.identity], let first = indexes.first else { continue }
            indexes.removeFirst()
            byIdentity[r.identity] = indexes
            let from = old.rules[first]
            r.seriesInPreviousEval = from.seriesInPreviousEval
            r.health = from.health
            r.lastError = from.lastError
            r.lastEvaluationMs = from.lastEvaluationMs
            r.evaluationSeconds = from.evaluationSeconds
            r.restored = from.restored || r.restored
            if r.definition.kind == .alerting, from.definition.kind == .alerting { r.active = from.active }
        }
        staleSeries = old.staleSeries
        for indexes in byIdentity.values {
            for i in indexes { staleSeries += old.rules[i].seriesInPreviousEval }
        }
        evaluations = old.evaluations
        shouldRestore = old.shouldRestore
        lastEvaluationMs = old.lastEvaluationMs
        evaluationSeconds = old.evaluationSeconds
    }

    /// Every series the group wrote at its last evaluation (marked stale when the group is removed).
    func allPreviousSeries() -> [Labels] {
        lock.withLock { rules.flatMap { $0.seriesInPreviousEval } + staleSeries }
    }
}

extension RuleGroupState {
    /// The alerts of every alerting rule (pending, firing and recently resolved), by rule.
    public func alerts() -> [(rule: RuleDefinition, alerts: [ActiveAlert])] {
        lock.withLock {
            rules.filter { $0.definition.kind == .alerting }.map { r in
                (r.definition, r.active.values.sorted { $0.labels < $1.labels })
            }
        }
    }

    /// The group as `/api/v1/rules` shows it.
    public func status() -> RuleGroupStatus {
        lock.withLock {
            RuleGroupStatus(
                name: group.name, file: group.file, intervalMs: intervalMs, limit: group.limit,
                queryOffsetMs: group.queryOffsetMs, lastEvaluationMs: lastEvaluationMs,
                evaluationSeconds: evaluationSeconds,
                rules: rules.map { r in
                    RuleStatus(definition: r.definition, labels: Labels(r.labels), health: r.health, lastError: r.lastError,
                               lastEvaluationMs: r.lastEvaluationMs, evaluationSeconds: r.evaluationSeconds,
                               alerts: r.active.values.filter { $0.state != .inactive }.sorted { $0.labels < $1.labels })
                })
        }
    }
}

/// A snapshot of a group for the API.
public struct RuleGroupStatus: Sendable {
    public var name: String
    public var file: String
    public var intervalMs: Int64
    public var limit: Int
    public var queryOffsetMs: Int64?
    public var lastEvaluationMs: Int64?
    public var evaluationSeconds: Double
    public var rules: [RuleStatus]
}

/// A snapshot of a rule for the API.
public struct RuleStatus: Sendable {
    public var definition: RuleDefinition
    /// Effective labels (group labels merged in).
    public var labels: Labels
    public var health: RuleHealth
    public var lastError: String?
    public var lastEvaluationMs: Int64?
    public var evaluationSeconds: Double
    /// Pending and firing alerts (resolved ones are not shown, as in Prometheus).
    public var alerts: [ActiveAlert]

    /// `firing` when any alert fires, else `pending` when any is pending, else `inactive`.
    public var state: AlertState {
        if alerts.contains(where: { $0.state == .firing }) { return .firing }
        if alerts.contains(where: { $0.state == .pending }) { return .pending }
        return .inactive
    }
}
