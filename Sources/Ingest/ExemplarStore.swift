import Foundation
import OspreyCore

/// The most recent exemplars (trace ids attached to samples), in a fixed-size ring in memory, as Prometheus
/// keeps them. Thread safe.
public final class ExemplarStore: @unchecked Sendable {
    public struct Entry: Sendable {
        public let series: Labels
        public let exemplar: Exemplar
    }

    /// Prometheus's default `storage.exemplars.max_exemplars` is 100,000; an exemplar with a trace id is
    /// ~200 bytes, so this bounds the ring at ~20 MB.
    public static let capacityDefault = 100_000

    private let lock = NSLock()
    private var ring: [Entry?]
    private var nextSlot = 0

    public init(capacity: Int = ExemplarStore.capacityDefault) {
        ring = Array(repeating: nil, count: max(1, capacity))
    }

    /// Adds exemplars; an exemplar identical to the series' previous one (same labels, value, timestamp) is
    /// skipped, since targets repeat the last exemplar on every scrape.
    public func add(_ list: [(Labels, Exemplar)]) {
        lock.withLock {
            for (series, ex) in list {
                if let last = lastBySeries[series], last == ex { continue }
                lastBySeries[series] = ex
                if let old = ring[nextSlot], lastBySeries[old.series] == old.exemplar { lastBySeries[old.series] = nil }
                ring[nextSlot] = Entry(series: series, exemplar: ex)
                nextSlot = (nextSlot + 1) % ring.count
            }
        }
    }
    private var lastBySeries: [Labels: Exemplar] = [:]

    /// Exemplars of series matching every matcher with a timestamp in [mint, maxt] (ms), oldest first.
    public func query(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) -> [Entry] {
        lock.withLock {
            var out: [Entry] = []
            for i in 0..<ring.count {
                guard let e = ring[(nextSlot + i) % ring.count] else { continue }
                let t = e.exemplar.timestamp ?? Int64.min
                guard t >= mint, t <= maxt, matchers.allSatisfy({ $0.matches(e.series[$0.name] ?? "") }) else { continue }
                out.append(e)
            }
            return out
        }
    }
}
