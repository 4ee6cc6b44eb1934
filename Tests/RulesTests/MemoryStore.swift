import Foundation
import MetricStore
import OspreyCore
import Rules

/// An in-memory series store: the querier rules read through and the writer they store output with.
/// Test-only; the server uses the metric store through the same two protocols.
final class MemoryStore: Querier, RuleSampleWriter, @unchecked Sendable {
    private let lock = NSLock()
    private var data: [Labels: [Sample]] = [:]
    private(set) var writes: [[RuleSample]] = []

    func add(_ labels: Labels, _ t: Int64, _ v: Double) {
        lock.withLock {
            var s = data[labels] ?? []
            s.removeAll { $0.t == t }
            s.append(Sample(t, v))
            s.sort { $0.t < $1.t }
            data[labels] = s
        }
    }

    /// Adds `value` for `labels` every `stepMs` from `from` to `to` inclusive.
    func fill(_ labels: Labels, from: Int64, to: Int64, stepMs: Int64 = 15_000, value: Double) {
        var t = from
        while t <= to {
            add(labels, t, value)
            t += stepMs
        }
    }

    func write(_ samples: [RuleSample]) throws {
        lock.withLock { writes.append(samples) }
        for s in samples { add(s.labels, s.t, s.v) }
    }

    /// Samples of one series.
    func samples(_ labels: Labels) -> [Sample] { lock.withLock { data[labels] ?? [] } }

    /// Series whose name is `name`.
    func series(named name: String) -> [Labels] {
        lock.withLock { data.keys.filter { $0.metricName == name }.sorted() }
    }

    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamples] {
        lock.withLock {
            data.compactMap { labels, samples -> SeriesSamples? in
                guard matchers.allSatisfy({ $0.matches(labels[$0.name] ?? "") }) else { return nil }
                let inRange = samples.filter { $0.t >= mint && $0.t <= maxt }
                return inRange.isEmpty ? nil : SeriesSamples(labels: labels, samples: inRange)
            }.sorted { $0.labels < $1.labels }
        }
    }

    func series(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [Labels] {
        try select(matchers, mint: mint, maxt: maxt).map(\.labels)
    }

    func labelNames(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        Array(Set(try select(matchers, mint: mint, maxt: maxt).flatMap { $0.labels.map(\.name) })).sorted()
    }

    func labelValues(_ name: String, _ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        Array(Set(try select(matchers, mint: mint, maxt: maxt).compactMap { $0.labels[name] })).sorted()
    }
}

/// Collects what rules hand on to Alertmanager.
final class CollectingSender: AlertSender, @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [[OutgoingAlert]] = []
    func send(_ alerts: [OutgoingAlert]) { lock.withLock { batches.append(alerts) } }
    /// Batches received since the last call.
    func take() -> [[OutgoingAlert]] { lock.withLock { defer { batches = [] }; return batches } }
}
