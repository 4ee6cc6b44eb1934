import MetricStore
import OspreyCore

/// One series with the start timestamp of each of its samples.
public struct SeriesSamplesWithStart: Sendable {
    public let series: SeriesSamples
    /// Start timestamp (ms) of each sample of `series.samples`, same order and count; 0 where unknown.
    /// A cumulative counter's start is when it last started counting; a delta sample's start is the
    /// beginning of the interval it covers.
    public let startTimestamps: [Int64]

    public init(series: SeriesSamples, startTimestamps: [Int64]) {
        precondition(series.samples.count == startTimestamps.count, "BUG: one start timestamp per sample")
        self.series = series
        self.startTimestamps = startTimestamps
    }
}

/// A `Querier` that also stores sample start timestamps. When the engine's querier conforms, `rate`, `irate`,
/// `increase` and `resets` over a range selector detect counter resets from start timestamps, `rate`/`increase`
/// use a start inside the window instead of extrapolating to its left edge, and `start_timestamp()` returns them.
public protocol StartTimestampQuerier: Querier {
    /// Like `select`, with the start timestamp of every returned sample. Bounds are inclusive milliseconds.
    func selectWithStartTimestamps(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamplesWithStart]
}
