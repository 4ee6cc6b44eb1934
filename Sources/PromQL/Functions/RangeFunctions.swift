import Foundation
import OspreyCore

/// The range-vector functions (`rate`, `increase`, `*_over_time`, `deriv`, …) as per-series, per-step kernels.
///
/// The evaluator selects each series' window, calls `kernel(name)` once per step and adds the notes it
/// returns to the query's annotations (deduplicated, with the position of the function's range argument).
/// `absent_over_time` is not here: it looks at all series at once, so the evaluator computes it.
///
/// ```swift
/// let rate = RangeFunctions.kernel("rate")!
/// var notes: [FunctionAnnotation] = []
/// let v = rate(RangeInput(points: samples[...], rangeStart: t - 300_000, evalTime: t), &notes)
/// ```
public enum RangeFunctions {
    /// The kernel for a range-vector function, or nil when `name` is not one.
    public static func kernel(_ name: String) -> RangeKernel? { table[name] }

    /// Every function name `kernel(_:)` knows, sorted.
    public static var names: [String] { table.keys.sorted() }

    /// Functions that accept an `anchored` range (the parser's list, `FunctionSignatures.anchoredSafe`).
    public static var anchoredSafe: Set<String> { FunctionSignatures.anchoredSafe }

    /// Functions that accept a `smoothed` range.
    public static var smoothedSafe: Set<String> { FunctionSignatures.smoothedSafe }

    /// Checks the scalar arguments of a step before the kernel runs; Prometheus fails the whole query on
    /// these (an execution error), so the evaluator turns a thrown error into the query's error.
    /// Today only `double_exponential_smoothing` has such rules: both factors must lie strictly between 0 and 1.
    public static func validateArguments(_ name: String, _ args: [Double]) throws(PromQLError) {
        guard name == "double_exponential_smoothing", args.count >= 2 else { return }
        let (sf, tf) = (args[0], args[1])
        if !(sf > 0 && sf < 1) {
            throw PromQLError(.execution, "invalid smoothing factor. Expected: 0 < sf < 1, got: \(formatGoFixed(sf))")
        }
        if !(tf > 0 && tf < 1) {
            throw PromQLError(.execution, "invalid trend factor. Expected: 0 < tf < 1, got: \(formatGoFixed(tf))")
        }
    }

    static let table: [String: RangeKernel] = [
        "rate": { input, notes in rateFamily(input, isCounter: true, isRate: true, notes: &notes) },
        "increase": { input, notes in rateFamily(input, isCounter: true, isRate: false, notes: &notes) },
        "delta": { input, notes in rateFamily(input, isCounter: false, isRate: false, notes: &notes) },
        "irate": { input, notes in instantValue(input, isRate: true) },
        "idelta": { input, notes in instantValue(input, isRate: false) },
        "deriv": { input, _ in deriv(input) },
        "predict_linear": { input, _ in predictLinear(input) },
        "resets": { input, _ in resets(input) },
        "changes": { input, _ in changes(input) },
        "double_exponential_smoothing": { input, _ in doubleExponentialSmoothing(input) },
        "avg_over_time": { input, _ in avgOverTime(input.points) },
        "sum_over_time": { input, _ in sumOverTime(input.points) },
        "count_over_time": { input, _ in input.points.isEmpty ? nil : Double(input.points.count) },
        "min_over_time": { input, _ in compareOverTime(input.points, timestamp: false) { cur, best in cur < best || best.isNaN } },
        "max_over_time": { input, _ in compareOverTime(input.points, timestamp: false) { cur, best in cur > best || best.isNaN } },
        "ts_of_min_over_time": { input, _ in compareOverTime(input.points, timestamp: true) { cur, best in cur <= best || best.isNaN } },
        "ts_of_max_over_time": { input, _ in compareOverTime(input.points, timestamp: true) { cur, best in cur >= best || best.isNaN } },
        "last_over_time": { input, _ in input.points.last?.v },
        "first_over_time": { input, _ in input.points.first?.v },
        "ts_of_last_over_time": { input, _ in input.points.last.map { Double($0.t) / 1000 } },
        "ts_of_first_over_time": { input, _ in input.points.first.map { Double($0.t) / 1000 } },
        "present_over_time": { input, _ in input.points.isEmpty ? nil : 1 },
        "stddev_over_time": { input, _ in varianceOverTime(input.points).map { $0.squareRoot() } },
        "stdvar_over_time": { input, _ in varianceOverTime(input.points) },
        "quantile_over_time": { input, notes in quantileOverTime(input, notes: &notes) },
        "mad_over_time": { input, _ in madOverTime(input.points) },
    ]

    /// The info Prometheus raises when `rate`/`increase` read a series whose name (or, with type-and-unit
    /// labels on, whose `__type__`) does not look like a counter; nil when the series looks like one.
    static func counterNote(_ input: RangeInput) -> FunctionAnnotation? {
        guard let name = input.metricName, !name.isEmpty else { return nil }
        if let type = input.typeLabel {
            guard type != "counter", type != "histogram" else { return nil }
            return .possibleNonCounter(metricName: name, typeLabel: type)
        }
        for suffix in ["_total", "_sum", "_count", "_bucket"] where name.hasSuffix(suffix) { return nil }
        return .possibleNonCounter(metricName: name)
    }
}
