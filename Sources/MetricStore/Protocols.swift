import OspreyCore

/// Writes samples into the store. Samples become visible and durable together on `commit()`.
/// An appender must end with exactly one `commit()` or `rollback()`; it is not thread safe.
public protocol Appender: AnyObject {
    /// Buffers one sample of the series `labels` (sorted, as `Labels` keeps them).
    func append(_ labels: Labels, _ t: Int64, _ v: Double)
    /// Makes the buffered samples durable (per the WAL fsync policy) and visible.
    /// Samples the store refuses (a duplicate timestamp with another value) are reported in the
    /// result; the rest of the batch is stored.
    func commit() throws -> CommitResult
    /// Drops the buffered samples.
    func rollback()
}

public struct CommitResult: Sendable {
    public var samplesAppended = 0
    public var seriesCreated = 0
    /// Per-sample rejections, at most `rejectionsKeptMax` of them with detail.
    public var rejected: [SampleRejection] = []
    public var rejectedCount = 0
    /// When the batch asked for them (`EncodedBatch.collectHandles`): the handle of each series of the batch
    /// that came without a live one (by its index in `EncodedBatch.series`). A series given with a live handle
    /// keeps it, so a warm scrape gets an empty list back; a refused series gets none.
    public var handles: [(series: Int32, handle: SeriesHandle)] = []
    public static let rejectionsKeptMax = 10
    public init() {}
}

public struct SampleRejection: Error, Sendable, CustomStringConvertible {
    public let labels: Labels
    public let t: Int64
    public let reason: String
    public var description: String { "series \(labels) at timestamp \(t): \(reason)" }
}

/// One series and its samples in the queried range, oldest first, no duplicate timestamps.
public struct SeriesSamples: Sendable {
    public let labels: Labels
    public let samples: [Sample]
    public init(labels: Labels, samples: [Sample]) {
        self.labels = labels
        self.samples = samples
    }
}

/// Reads the store. Bounds are inclusive milliseconds. Thread safe.
public protocol Querier: Sendable {
    /// Series matching every matcher that have at least one sample in [mint, maxt], with those samples,
    /// sorted by labels.
    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamples]
    /// Like `select`, but stops with `StoreError.limit` as soon as more than `samplesMax` samples would be
    /// returned, so a query over its sample budget fails before the samples are all in memory.
    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, samplesMax: Int) throws -> [SeriesSamples]
    /// Label sets of the matching series with samples in [mint, maxt], sorted.
    func series(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [Labels]
    /// Label names present on matching series (all series when `matchers` is empty), sorted.
    func labelNames(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String]
    /// Values of label `name` on matching series, sorted.
    func labelValues(_ name: String, _ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String]
}

extension Querier {
    /// Checks the budget after selecting; queriers that can stop early implement their own.
    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, samplesMax: Int) throws -> [SeriesSamples] {
        let result = try select(matchers, mint: mint, maxt: maxt)
        if result.reduce(0, { $0 + $1.samples.count }) > samplesMax {
            throw StoreError.limit("the selection holds more than \(samplesMax) samples")
        }
        return result
    }
}

public enum StoreError: Error, CustomStringConvertible, Sendable {
    case limit(String)
    case invalid(String)
    case io(String)
    case closed

    public var description: String {
        switch self {
        case .limit(let m): return "limit exceeded: \(m)"
        case .invalid(let m): return m
        case .io(let m): return "storage I/O error: \(m)"
        case .closed: return "metric store is closed"
        }
    }
}
