import Foundation
import MetricStore
import OspreyCore

/// An in-memory `Querier` for tests and the promqltest runner: series and samples held in a dictionary,
/// with optional start timestamps. Native-histogram samples cannot be evaluated; their series are kept aside
/// so the runner can tell which queries would have read them. Thread safe.
public final class MemoryQuerier: StartTimestampQuerier, @unchecked Sendable {
    private struct Stored {
        var t: Int64
        var v: Double
        var st: Int64
    }

    private let lock = NSLock()
    private var data: [Labels: [Stored]] = [:]
    private var natives: [Labels: [Int64]] = [:]
    private var nativeReads = 0

    public init() {}

    /// Adds samples to a series; a later sample at the same timestamp replaces the earlier one.
    /// `startTimestamps`, when given, holds one start timestamp (ms, 0 = unknown) per sample.
    public func add(_ labels: Labels, _ samples: [Sample], startTimestamps: [Int64]? = nil) {
        precondition(startTimestamps == nil || startTimestamps!.count == samples.count, "BUG: one start timestamp per sample")
        lock.lock()
        defer { lock.unlock() }
        var merged: [Int64: Stored] = [:]
        for s in data[labels] ?? [] { merged[s.t] = s }
        for (k, s) in samples.enumerated() { merged[s.t] = Stored(t: s.t, v: s.v, st: startTimestamps?[k] ?? 0) }
        data[labels] = merged.values.sorted { $0.t < $1.t }
    }

    /// Records native-histogram samples of `labels` at `timestamps`; they are not returned by `select`.
    public func addNativeHistograms(_ labels: Labels, at timestamps: [Int64]) {
        lock.lock()
        defer { lock.unlock() }
        natives[labels, default: []].append(contentsOf: timestamps)
    }

    /// How many times a select matched a native-histogram series with samples in its range; callers compare
    /// the count before and after a query to learn whether the query needed native histograms.
    public var nativeHistogramReads: Int {
        lock.lock()
        defer { lock.unlock() }
        return nativeReads
    }

    /// Removes every series.
    public func clear() {
        lock.lock()
        defer { lock.unlock() }
        data = [:]
        natives = [:]
    }

    private func matching(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) -> [(Labels, [Stored])] {
        lock.lock()
        defer { lock.unlock() }
        let matches: (Labels) -> Bool = { labels in matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") } }
        if natives.contains(where: { labels, ts in matches(labels) && ts.contains { $0 >= mint && $0 <= maxt } }) {
            nativeReads += 1
        }
        return data.filter { labels, _ in matches(labels) }
            .map { labels, samples in (labels, samples.filter { $0.t >= mint && $0.t <= maxt }) }
            .filter { !$0.1.isEmpty }
            .sorted { $0.0 < $1.0 }
    }

    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamples] {
        matching(matchers, mint: mint, maxt: maxt).map { labels, samples in
            SeriesSamples(labels: labels, samples: samples.map { Sample($0.t, $0.v) })
        }
    }

    public func selectWithStartTimestamps(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamplesWithStart] {
        matching(matchers, mint: mint, maxt: maxt).map { labels, samples in
            SeriesSamplesWithStart(series: SeriesSamples(labels: labels, samples: samples.map { Sample($0.t, $0.v) }),
                                   startTimestamps: samples.map(\.st))
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
