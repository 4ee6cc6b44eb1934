import Foundation
import MetricStore
import OspreyCore

/// An in-memory `Querier` for tests and the promqltest runner: series and samples held in a dictionary.
/// Thread safe.
public final class MemoryQuerier: Querier, @unchecked Sendable {
    private let lock = NSLock()
    private var data: [Labels: [Sample]] = [:]

    public init() {}

    /// Adds samples to a series; a later sample at the same timestamp replaces the earlier one.
    public func add(_ labels: Labels, _ samples: [Sample]) {
        lock.lock()
        defer { lock.unlock() }
        var merged: [Int64: Sample] = [:]
        for s in data[labels] ?? [] { merged[s.t] = s }
        for s in samples { merged[s.t] = s }
        data[labels] = merged.values.sorted { $0.t < $1.t }
    }

    /// Removes every series.
    public func clear() {
        lock.lock()
        defer { lock.unlock() }
        data = [:]
    }

    private func matching(_ matchers: [LabelMatcher]) -> [(Labels, [Sample])] {
        lock.lock()
        defer { lock.unlock() }
        return data.filter { labels, _ in matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") } }
            .map { ($0.key, $0.value) }
            .sorted { $0.0 < $1.0 }
    }

    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamples] {
        matching(matchers).compactMap { labels, samples in
            let inRange = samples.filter { $0.t >= mint && $0.t <= maxt }
            return inRange.isEmpty ? nil : SeriesSamples(labels: labels, samples: inRange)
        }
    }

    public func series(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [Labels] {
        try select(matchers, mint: mint, maxt: maxt).map(\.labels)
    }

    public func labelNames(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        let sets = try series(matchers, mint: mint, maxt: maxt)
        return Array(Set(sets.flatMap { $0.map(\.name) })).sorted()
    }

    public func labelValues(_ name: String, _ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        let sets = try series(matchers, mint: mint, maxt: maxt)
        return Array(Set(sets.compactMap { $0[name] })).sorted()
    }
}
