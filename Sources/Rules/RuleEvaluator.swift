import Foundation
import Logging
import MetricStore
import OspreyCore
import PromQL

/// What rule evaluation runs against: the query engine, where output goes, where alerts go, and the
/// settings Prometheus has as flags.
public struct RuleEnvironment: Sendable {
    public var engine: Engine
    public var writer: any RuleSampleWriter
    public var sender: (any AlertSender)?
    /// `global.external_labels`: added to alerts sent on and visible to templates as `$externalLabels`.
    public var externalLabels: Labels = Labels([Label]())
    /// The URL users reach Osprey at (`$externalURL`, alert generator links).
    public var externalURL: String = ""
    /// Default group interval (`global.evaluation_interval`).
    public var defaultIntervalMs: Int64 = 60_000
    /// Firing alerts are re-sent at most this often (Prometheus's `--rules.alert.resend-delay`, 1m).
    public var resendDelayMs: Int64 = 60_000
    /// `for:` state is restored only from samples this recent (`--rules.alert.for-outage-tolerance`, 1h).
    public var outageToleranceMs: Int64 = 3_600_000
    /// A restored alert waits at least this long before firing (`--rules.alert.for-grace-period`, 10m).
    public var forGracePeriodMs: Int64 = 600_000
    public var logger: Logger

    public init(engine: Engine, writer: any RuleSampleWriter, sender: (any AlertSender)?, logger: Logger) {
        self.engine = engine
        self.writer = writer
        self.sender = sender
        self.logger = logger
    }
}

/// Resolved alerts are kept (and re-sent) this long, so a lost notification or an Alertmanager restart still
/// learns of the resolution (Prometheus's `resolvedRetention`).
let resolvedRetentionMs: Int64 = 15 * 60_000

/// Metric names of the alert state series.
public enum AlertSeries {
    public static let alerts = "ALERTS"
    public static let forState = "ALERTS_FOR_STATE"
    public static let alertName = "alertname"
    public static let alertState = "alertstate"
}

struct RuleEvalError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Evaluates rule groups: the deterministic core the `RuleManager` service calls on each tick.
public struct RuleEvaluator: Sendable {
    public let env: RuleEnvironment

    public init(_ env: RuleEnvironment) { self.env = env }

    /// Evaluates every rule of `group` in order at time `t` (ms): queries run at `t - query_offset`, output
    /// and staleness markers are written, alerts are updated and handed to the sender. Later rules see earlier
    /// rules' output. After the second evaluation of a group loaded at start-up, `for:` state is restored.
    public func evaluate(_ group: RuleGroupState, at t: Int64) async {
        let began = ContinuousClock.now
        let queryTime = t - (group.group.queryOffsetMs ?? 0)
        for rule in group.rules {
            await evaluate(rule, in: group, at: t, queryTime: queryTime)
        }
        let stale = group.lock.withLock { () -> [Labels] in
            defer { group.staleSeries = [] }
            return group.staleSeries
        }
        if !stale.isEmpty {
            do { try env.writer.write(stale.map { RuleSample(labels: $0, t: queryTime, v: StaleNaN.value) }) } catch {
                env.logger.warning("writing staleness markers of removed rules failed", metadata: ["group": "\(group.group.name)", "error": "\(error)"])
            }
        }
        let restore = group.lock.withLock { () -> Bool in
            group.evaluations += 1
            group.lastEvaluationMs = t
            group.evaluationSeconds = seconds(ContinuousClock.now - began)
            group.metrics.lastDurationSeconds.record(group.evaluationSeconds)
            return group.shouldRestore && group.evaluations >= 2
        }
        if restore, restoreForState(group, at: t) {
            group.lock.withLock { group.shouldRestore = false }
        }
    }

    private func evaluate(_ rule: RuleRuntime, in group: RuleGroupState, at t: Int64, queryTime: Int64) async {
        let began = ContinuousClock.now
        group.metrics.evaluations.increment()
        let output: [RuleSample]
        do {
            switch rule.definition.kind {
            case .recording: output = try await evaluateRecording(rule, group: group, queryTime: queryTime)
            case .alerting: output = try await evaluateAlerting(rule, group: group, at: t, queryTime: queryTime)
            }
        } catch {
            group.metrics.failures.increment()
            let message = (error as? PromQLError)?.message ?? "\(error)"
            group.lock.withLock {
                rule.health = .err
                rule.lastError = message
                rule.lastEvaluationMs = t
                rule.evaluationSeconds = seconds(ContinuousClock.now - began)
            }
            env.logger.warning("evaluating rule failed", metadata: ["group": "\(group.group.name)", "rule": "\(rule.definition.name)", "error": "\(message)"])
            return
        }
        if rule.definition.kind == .alerting { sendAlerts(rule, group: group, at: t) }

        var returned = Set<Labels>()
        var samples = output
        for s in output { returned.insert(s.labels) }
        let previous = group.lock.withLock { rule.seriesInPreviousEval }
        for series in previous where !returned.contains(series) {
            samples.append(RuleSample(labels: series, t: queryTime, v: StaleNaN.value))
        }
        var writeError: String?
        if !samples.isEmpty {
            do { try env.writer.write(samples) } catch {
                writeError = "\(error)"
                env.logger.warning("storing rule output failed", metadata: ["group": "\(group.group.name)", "rule": "\(rule.definition.name)", "error": "\(error)"])
            }
        }
        group.lock.withLock {
            rule.health = writeError == nil ? .ok : .err
            rule.lastError = writeError
            rule.lastEvaluationMs = t
            rule.evaluationSeconds = seconds(ContinuousClock.now - began)
            rule.seriesInPreviousEval = returned
        }
    }

    /// Runs the rule's expression as an instant query; a scalar becomes a one-element vector without labels.
    func query(_ expr: String, at t: Int64) async throws -> [VectorElement] {
        let result = try await env.engine.instantQuery(expr, at: t)
        switch result.value {
        case .vector(let v): return v
        case .scalar(let st, let v): return [VectorElement(labels: Labels([Label]()), t: st, v: v)]
        default: throw RuleEvalError("rule result is not a vector or scalar")
        }
    }

    func evaluateRecording(_ rule: RuleRuntime, group: RuleGroupState, queryTime: Int64) async throws -> [RuleSample] {
        let vector = try await query(rule.definition.expr, at: queryTime)
        var out: [RuleSample] = []
        out.reserveCapacity(vector.count)
        var seen = Set<Labels>()
        for e in vector {
            var labels = e.labels.setting(Labels.metricNameLabel, rule.definition.name)
            for l in rule.labels { labels = labels.setting(l.name, l.value) }
            labels = Labels(labels.filter { !$0.value.isEmpty })
            guard seen.insert(labels).inserted else {
                throw RuleEvalError("vector contains metrics with the same labelset after applying rule labels")
            }
            out.append(RuleSample(labels: labels, t: e.t, v: e.v))
        }
        if group.group.limit > 0, out.count > group.group.limit {
            throw RuleEvalError("exceeded limit of \(group.group.limit) with \(out.count) series")
        }
        return out
    }
}

func seconds(_ d: Swift.Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) / 1e18
}
