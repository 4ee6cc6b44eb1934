import Foundation
import OspreyCore

/// Turns delta-temporality sums and histograms into the cumulative series Prometheus stores, by
/// keeping a running total per output series in memory (Prometheus itself needs the Collector's
/// deltatocumulative processor for this).
///
/// What a user should know: the totals live in memory only, so after a restart a converted counter
/// starts again from its next delta (PromQL's `rate` sees that as a counter reset); a delta point at
/// or before the last one of its series is rejected (a retried request must not count twice); and at
/// most `seriesMax` delta series are tracked, points of further new series are rejected.
///
/// Translation works on a staged copy (`Staging`); `apply` makes it current only once the store has
/// committed the samples, so a failed write does not advance the totals.
public final class OTLPDeltaTracker: @unchecked Sendable {
    struct Entry {
        var total: Double
        var lastMs: Int64
    }

    /// Changes one request makes, applied together after the store has committed them.
    struct Staging {
        var entries: [[UInt8]: Entry] = [:]
        var isEmpty: Bool { entries.isEmpty }
    }

    /// Bounds memory: each tracked series costs its key (~100 bytes) plus ~50 bytes of table.
    public static let seriesMaxDefault = 1_000_000

    private let lock = NSLock()
    private var entries: [[UInt8]: Entry] = [:]
    let seriesMax: Int
    /// Serialises requests that carry delta points: translate, commit, apply run as one step.
    let exclusive = NSLock()

    public init(seriesMax: Int = OTLPDeltaTracker.seriesMaxDefault) {
        self.seriesMax = seriesMax
    }

    public var trackedSeries: Int { lock.withLock { entries.count } }

    /// Adds `delta` at `ms` to the series' running total and returns the new total, or the reason it cannot.
    func accumulate(_ key: [UInt8], ms: Int64, delta: Double, staging: inout Staging) -> Result<Double, DeltaRejection> {
        let current = staging.entries[key] ?? lock.withLock { entries[key] }
        if let current {
            guard ms > current.lastMs else { return .failure(.notAfterPrevious(previousMs: current.lastMs)) }
            let next = Entry(total: current.total + delta, lastMs: ms)
            staging.entries[key] = next
            return .success(next.total)
        }
        let tracked = lock.withLock { entries.count } + staging.entries.count
        guard tracked < seriesMax else { return .failure(.tooManySeries(seriesMax)) }
        staging.entries[key] = Entry(total: delta, lastMs: ms)
        return .success(delta)
    }

    func apply(_ staging: Staging) {
        guard !staging.isEmpty else { return }
        lock.withLock {
            for (key, entry) in staging.entries { entries[key] = entry }
        }
    }

    enum DeltaRejection: Error, CustomStringConvertible {
        case notAfterPrevious(previousMs: Int64)
        case tooManySeries(Int)
        var description: String {
            switch self {
            case .notAfterPrevious(let previous):
                return "delta point is not after the previous point of its series (at \(previous) ms); a resent delta would count twice"
            case .tooManySeries(let max):
                return "\(max) delta series are tracked already (the limit); points of new delta series are not stored"
            }
        }
    }
}
