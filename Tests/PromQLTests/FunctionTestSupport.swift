import OspreyCore
@testable import PromQL

/// Builds sample series the way promqltest `load` lines write them (`0+10x5 0 NaN _ 3-1x2`), so kernel tests
/// read like the conformance cases they come from.
enum SeriesText {
    /// Samples at `0, step, 2·step, …` ms; `_` leaves a gap, `axn` repeats, `a+bxn`/`a-bxn` count up/down.
    static func samples(_ text: String, stepMs: Int64) -> [Sample] {
        var out: [Sample] = []
        var slot: Int64 = 0
        for token in text.split(separator: " ") {
            let (start, delta, times) = parse(String(token))
            for i in 0...times {
                if let start { out.append(Sample(slot * stepMs, start + Double(i) * delta)) }
                slot += 1
            }
        }
        return out
    }

    private static func parse(_ token: String) -> (Double?, Double, Int) {
        guard let x = token.lastIndex(of: "x"), let times = Int(token[token.index(after: x)...]) else {
            return (value(token), 0, 0)
        }
        let body = token[..<x]
        if body == "_" { return (nil, 0, times - 1) }
        // The sign of the delta is the last + or - that is not the leading sign.
        if let op = body.dropFirst().lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let start = value(String(body[..<op]))
            let delta = value(String(body[body.index(after: op)...]))!
            return (start, body[op] == "+" ? delta : -delta, times)
        }
        return (value(String(body)), 0, times)
    }

    private static func value(_ s: String) -> Double? {
        switch s {
        case "_": return nil
        case "NaN": return .nan
        case "Inf", "+Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(s)!
        }
    }
}

/// A range-function call on one series at one evaluation time, as the evaluator makes it.
func evalRange(
    _ name: String, _ samples: [Sample], rangeMs: Int64, at t: Int64, args: [Double] = [],
    metricName: String? = nil, notes: inout [FunctionAnnotation]
) -> Double? {
    let window = samples.filter { $0.t > t - rangeMs && $0.t <= t }
    var input = RangeInput(points: window[...], rangeStart: t - rangeMs, evalTime: t)
    input.args = args
    input.metricName = metricName
    return RangeFunctions.kernel(name)!(input, &notes)
}

func evalRange(_ name: String, _ samples: [Sample], rangeMs: Int64, at t: Int64, args: [Double] = []) -> Double? {
    var notes: [FunctionAnnotation] = []
    return evalRange(name, samples, rangeMs: rangeMs, at: t, args: args, notes: &notes)
}

let minuteMs: Int64 = 60_000

/// Equal within a relative 1e-9 (what promqltest allows), NaN equal to NaN.
func close(_ a: Double?, _ b: Double?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a == b { return true }
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))
}
