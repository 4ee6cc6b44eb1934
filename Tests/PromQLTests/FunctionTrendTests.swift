import OspreyCore
import Testing
@testable import PromQL

/// `deriv`, `predict_linear`, `double_exponential_smoothing`, `resets`, `changes`, and start timestamps in
/// `rate`/`irate`/`increase`/`resets`, with cases from Prometheus's functions.test and start_timestamps.test.
@Suite struct FunctionTrendTests {
    let step5m = 5 * minuteMs

    @Test func resetsAndChangesOverGrowingWindows() {
        let foo = SeriesText.samples("1 2 3 0 1 0 0 1 2 0", stepMs: step5m)
        let bar = SeriesText.samples("1 2 3 4 5 1 2 3 4 5", stepMs: step5m)
        let biz = SeriesText.samples("0 0 0 0 0 1 1 1 1 1", stepMs: step5m)
        let at = 50 * minuteMs
        #expect(evalRange("resets", foo, rangeMs: 5 * minuteMs, at: at) == nil)  // no sample in (45m, 50m]
        let resets: [(Int64, Double, Double, Double)] = [(10, 0, 0, 0), (20, 1, 0, 0), (30, 1, 0, 0), (32, 2, 1, 0), (50, 3, 1, 0)]
        for (minutes, f, b, z) in resets {
            #expect(evalRange("resets", foo, rangeMs: minutes * minuteMs, at: at) == f, "\(minutes)m")
            #expect(evalRange("resets", bar, rangeMs: minutes * minuteMs, at: at) == b, "\(minutes)m")
            #expect(evalRange("resets", biz, rangeMs: minutes * minuteMs, at: at) == z, "\(minutes)m")
        }
        let changes: [(Int64, Double, Double, Double)] = [(6, 0, 0, 0), (20, 2, 2, 0), (30, 3, 4, 0), (50, 7, 8, 1)]
        for (minutes, f, b, z) in changes {
            #expect(evalRange("changes", foo, rangeMs: minutes * minuteMs, at: at) == f, "\(minutes)m")
            #expect(evalRange("changes", bar, rangeMs: minutes * minuteMs, at: at) == b, "\(minutes)m")
            #expect(evalRange("changes", biz, rangeMs: minutes * minuteMs, at: at) == z, "\(minutes)m")
        }
    }

    @Test func changesCountsNaNToNaNAsNoChange() {
        #expect(evalRange("changes", SeriesText.samples("NaN NaN NaN", stepMs: step5m), rangeMs: 20 * minuteMs, at: 15 * minuteMs) == 0)
        #expect(evalRange("changes", SeriesText.samples("0 NaN 0", stepMs: step5m), rangeMs: 20 * minuteMs, at: 15 * minuteMs) == 2)
    }

    @Test func derivIsTheLeastSquaresSlope() {
        let straight = SeriesText.samples("0+80x10", stepMs: step5m)
        #expect(close(evalRange("deriv", straight, rangeMs: 50 * minuteMs, at: 50 * minuteMs), 0.26666666666666666))
        let reset = SeriesText.samples("0+10x4 0+10x5", stepMs: step5m)
        #expect(close(evalRange("deriv", reset, rangeMs: 100 * minuteMs, at: 50 * minuteMs), 0.010606060606060607))
        let infinite = SeriesText.samples("-Inf 0+80x10 Inf", stepMs: step5m)
        #expect(evalRange("deriv", infinite, rangeMs: 100 * minuteMs, at: 100 * minuteMs)!.isNaN)
        #expect(evalRange("deriv", straight, rangeMs: 5 * minuteMs, at: 50 * minuteMs) == nil)
        #expect(evalRange("deriv", SeriesText.samples("7 7 7", stepMs: step5m), rangeMs: 20 * minuteMs, at: 10 * minuteMs) == 0)
    }

    @Test func predictLinearExtrapolatesFromTheStepTime() {
        let reset = SeriesText.samples("0+10x4 0+10x5", stepMs: step5m)
        #expect(close(evalRange("predict_linear", reset, rangeMs: 50 * minuteMs, at: 50 * minuteMs, args: [3600]), 70))
        // `[55m] @ 3000`: the window ends at 3000 s, the prediction is from each step's own time.
        for (step, expected) in [(3_000_000 as Int64, 76.81818181818181), (600_000, 51.36363636363637), (4_200_000, 89.54545454545455)] {
            let window = reset.filter { $0.t > 3_000_000 - 55 * minuteMs && $0.t <= 3_000_000 }
            var input = RangeInput(points: window[...], rangeStart: 3_000_000 - 55 * minuteMs, evalTime: 3_000_000)
            input.stepTime = step
            input.args = [3600]
            var notes: [FunctionAnnotation] = []
            #expect(close(RangeFunctions.kernel("predict_linear")!(input, &notes), expected), "step \(step)")
        }
        let infinite = SeriesText.samples("-Inf 0+80x10 Inf", stepMs: step5m)
        #expect(evalRange("predict_linear", infinite, rangeMs: 100 * minuteMs, at: 100 * minuteMs, args: [6000])!.isNaN)
        // A sample exactly at the step with the predicted value: predict_linear = value + deriv × seconds.
        let straight = SeriesText.samples("0+80x10", stepMs: step5m)
        let predicted = evalRange("predict_linear", straight, rangeMs: 50 * minuteMs, at: 50 * minuteMs, args: [3600])!
        let slope = evalRange("deriv", straight, rangeMs: 50 * minuteMs, at: 50 * minuteMs)!
        #expect(close(predicted, 800 + slope * 3600))
    }

    @Test(arguments: [("0+10x1000 100+30x1000", 8000.0), ("0+20x1000 200+30x1000", 16000), ("0+30x1000 300+80x1000", 24000), ("0+40x2000", 32000),
                      ("8000-10x1000", 0), ("0-20x1000", -16000), ("0+30x1000 300-80x1000", 24000), ("0-40x1000 0+40x1000", -32000)])
    func doubleExponentialSmoothing(text: String, expected: Double) {
        let s = SeriesText.samples(text, stepMs: 10_000)
        #expect(close(evalRange("double_exponential_smoothing", s, rangeMs: minuteMs, at: 8_000_000, args: [0.01, 0.1]), expected), "\(text)")
    }

    @Test func doubleExponentialSmoothingValidatesItsFactors() throws {
        try RangeFunctions.validateArguments("double_exponential_smoothing", [0.5, 0.5])
        for (args, message) in [([1.0, 0.5], "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000"),
                                ([0.5, 0.0], "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000"),
                                ([-0.25, 0.5], "invalid smoothing factor. Expected: 0 < sf < 1, got: -0.250000")] {
            do {
                try RangeFunctions.validateArguments("double_exponential_smoothing", args)
                Issue.record("\(args) accepted")
            } catch {
                #expect(error.message == message)
                #expect(error.kind == .execution)
            }
        }
        try RangeFunctions.validateArguments("rate", [])
        let one = SeriesText.samples("5", stepMs: 10_000)
        #expect(evalRange("double_exponential_smoothing", one, rangeMs: minuteMs, at: 0, args: [0.5, 0.5]) == nil)
    }

    // start_timestamps.test, "cumulative": 0 60 120 … every minute from 2m, with start timestamps that put
    // counter restarts at 5m, 8m, 11m and 14m (values not dropping there).
    let cumulative = SeriesText.samples("_ _ 0+60x14", stepMs: minuteMs)
    let cumulativeStarts: [Int64] = {
        let offsets: [Int64] = [-30_000, -60_000, -120_000, -60_000, -120_000, -180_000, -59_999, -119_999, -179_999,
                                -1_000, -61_000, -121_000, -1, -60_001, -120_001]
        return offsets.enumerated().map { i, o in Int64(i + 2) * minuteMs + o }
    }()

    func eval(_ name: String, at t: Int64, startTimestamps: Bool) -> Double? {
        let indices = cumulative.indices.filter { cumulative[$0].t > t - 5 * minuteMs && cumulative[$0].t <= t }
        var input = RangeInput(points: cumulative[indices.first!...indices.last!], rangeStart: t - 5 * minuteMs, evalTime: t)
        if startTimestamps { input.startTimestamps = cumulativeStarts[indices.first!...indices.last!] }
        input.metricName = "cumulative"
        var notes: [FunctionAnnotation] = []
        let v = RangeFunctions.kernel(name)!(input, &notes)
        #expect(notes.allSatisfy { $0.level == .info }, "\(notes)")
        return v
    }

    @Test func startTimestampsMarkCounterResets() {
        let steps = (7...15).map { Int64($0) * minuteMs }
        #expect(steps.map { eval("increase", at: $0, startTimestamps: false)! } == Array(repeating: 300, count: 9))
        let increase = [420, 780, 675, 675, 1275, 1080, 900, 1725, 1440] as [Double]
        let rate = [1.40, 2.60, 2.25, 2.25, 4.25, 3.60, 3.00, 5.75, 4.8]
        let irate = [1, 6, 1, 1, 9, 1, 1, 12, 1] as [Double]
        let resets = [1, 2, 1, 1, 2, 1, 1, 2, 1] as [Double]
        for (i, t) in steps.enumerated() {
            #expect(close(eval("increase", at: t, startTimestamps: true), increase[i]), "increase at \(t)")
            #expect(close(eval("rate", at: t, startTimestamps: true), rate[i]), "rate at \(t)")
            #expect(close(eval("irate", at: t, startTimestamps: true), irate[i]), "irate at \(t)")
            #expect(eval("resets", at: t, startTimestamps: true) == resets[i], "resets at \(t)")
        }
    }

    @Test func overlappingStartTimestampsWarnOncePerSeries() {
        // counter_total{type="overlap"}: 60 120 180 at 2m..4m, each claiming to start at 0.
        let s = SeriesText.samples("_ _ 60 120 180", stepMs: minuteMs)
        var input = RangeInput(points: s[...], rangeStart: minuteMs, evalTime: 4 * minuteMs)
        input.startTimestamps = [1, 2, 3][...]  // each start lies before the previous sample and is not its start
        input.metricName = "counter_total"
        var notes: [FunctionAnnotation] = []
        #expect(close(RangeFunctions.kernel("rate")!(input, &notes), 1))
        #expect(notes == [FunctionAnnotation(.warning, "sample has start time that overlaps with previous sample timestamp for metric \"counter_total\"")])
        // Valid cumulative starts (all the same) and OpenTelemetry-style deltas (each starts at the previous sample) do not warn.
        for starts in [[30_000, 30_000, 30_000] as [Int64], [minuteMs, 2 * minuteMs, 3 * minuteMs]] {
            input.startTimestamps = starts[...]
            notes = []
            _ = RangeFunctions.kernel("rate")!(input, &notes)
            #expect(notes.isEmpty, "\(starts)")
        }
    }
}
