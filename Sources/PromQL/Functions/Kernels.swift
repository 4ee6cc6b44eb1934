import OspreyCore

/// What a range-vector function (`rate`, `*_over_time`, `deriv`, …) sees of one series at one step.
public struct RangeInput: Sendable {
    /// Float samples in the window `(evalTime - range, evalTime]`, oldest first, staleness markers removed.
    public var points: ArraySlice<Sample>
    /// `evalTime - range`: the window's open lower bound, ms.
    public var rangeStart: Int64
    /// The evaluation time (after `offset`/`@`): the window's closed upper bound, ms.
    public var evalTime: Int64
    /// For `anchored`/`smoothed` windows: the newest sample at or before `rangeStart` (within the lookback
    /// delta) and, for `smoothed`, the oldest sample after `evalTime` (within the lookback delta).
    public var before: Sample?
    public var after: Sample?
    public var anchored = false
    public var smoothed = false
    /// Scalar arguments other than the range vector, evaluated at this step (`predict_linear`'s seconds,
    /// `quantile_over_time`'s φ, `double_exponential_smoothing`'s factors), in argument order.
    public var args: [Double] = []
    /// The series' metric name (before it is dropped), for annotations.
    public var metricName: String?
    /// Start timestamps (ms) parallel to `points`, 0 where a sample has none; nil when the series has none
    /// or the engine does not pass them (only `rate`, `irate`, `increase` and `resets` read them, and only
    /// straight from a selector, not through a subquery).
    public var startTimestamps: ArraySlice<Int64>?
    /// The step's own timestamp (ms), before `offset`/`@` move the window; nil means `evalTime`.
    /// `predict_linear` predicts relative to it, as Prometheus does.
    public var stepTime: Int64?
    /// With type-and-unit labels enabled: the series' `__type__` value ("" when it has none); nil otherwise.
    /// `rate`/`increase` then judge "might not be a counter" by it instead of by the name's suffix.
    public var typeLabel: String?

    public init(points: ArraySlice<Sample>, rangeStart: Int64, evalTime: Int64) {
        self.points = points
        self.rangeStart = rangeStart
        self.evalTime = evalTime
    }
}

/// A note a function raises, formatted by the engine with the expression's position as Prometheus does
/// (`PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "foo"`).
public struct FunctionAnnotation: Sendable, Hashable {
    public enum Level: Sendable { case warning, info }
    public var level: Level
    /// The text after `PromQL warning: ` / `PromQL info: `.
    public var message: String
    public init(_ level: Level, _ message: String) {
        self.level = level
        self.message = message
    }
}

/// Computes a range-vector function for one series at one step; nil means "no output for this series".
public typealias RangeKernel = @Sendable (_ input: RangeInput, _ notes: inout [FunctionAnnotation]) -> Double?

/// A function applied to each element's value (`abs`, `ln`, `clamp`, `round`, date functions …); `args` are the
/// scalar arguments after the vector, evaluated at this step.
public typealias ValueKernel = @Sendable (_ value: Double, _ args: [Double]) -> Double
