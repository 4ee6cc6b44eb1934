import OspreyCore
import Testing
@testable import PromQL

/// `anchored` and `smoothed` windows, with cases from Prometheus's extended_vectors.test.
@Suite struct FunctionExtendedRangeTests {
    /// The default lookback delta: how far before the window (and, smoothed, after it) a neighbour may lie.
    let lookbackMs: Int64 = 5 * minuteMs

    enum Mode { case anchored, smoothed }

    /// The call the evaluator makes for `name(series[range] anchored|smoothed)` at `t`.
    func eval(_ name: String, _ samples: [Sample], rangeMs: Int64, at t: Int64, _ mode: Mode) -> Double? {
        let start = t - rangeMs
        var input = RangeInput(points: samples.filter { $0.t > start && $0.t <= t }[...], rangeStart: start, evalTime: t)
        input.before = samples.last { $0.t <= start && $0.t > start - lookbackMs }
        switch mode {
        case .anchored: input.anchored = true
        case .smoothed:
            input.smoothed = true
            input.after = samples.first { $0.t > t && $0.t <= t + lookbackMs }
        }
        var notes: [FunctionAnnotation] = []
        return RangeFunctions.kernel(name)!(input, &notes)
    }

    func checkIncrease(_ text: String, anchored: [Double], smoothed: [Double]) {
        let s = SeriesText.samples(text, stepMs: 15_000)
        for (i, t) in stride(from: 5_000 as Int64, through: 125_000, by: 15_000).enumerated() {
            #expect(close(eval("increase", s, rangeMs: minuteMs, at: t, .anchored), anchored[i]), "anchored at \(t)")
            let got = eval("increase", s, rangeMs: minuteMs, at: t, .smoothed)!
            #expect(abs(got - smoothed[i]) < 1e-8, "smoothed at \(t): \(got)")
        }
    }

    @Test func increaseOverACompleteSeries() {
        checkIncrease("1+1x4 9+1x4", anchored: [0, 1, 2, 3, 4, 7, 7, 7, 7],
                      smoothed: [0.333333333, 1.333333333, 2.333333333, 3.333333333, 5, 7, 7, 7, 6])
    }

    @Test func increaseOverASeriesWithAGap() {
        checkIncrease("1+1x2 _ _ 9+1x4", anchored: [0, 1, 2, 2, 2, 7, 7, 8, 9],
                      smoothed: [0.333333333, 1.333333333, 2.666666666, 4.666666666, 6.333333333, 7, 6.666666666, 5.666666666, 4.666666666])
    }

    @Test func windowIsLeftOpen() {
        let s = SeriesText.samples("1 2 _ 4 5", stepMs: minuteMs)
        #expect(eval("increase", s, rangeMs: minuteMs, at: 2 * minuteMs, .smoothed) == 1)
        #expect(eval("increase", s, rangeMs: minuteMs, at: 2 * minuteMs, .anchored) == nil)
    }

    @Test func counterResets() {
        let series = [("1+1x4 1+1x4", 1.0, 1.0, 1.0, 1.0, 5.0), ("3 2+2x9", 2, 2, -1, 2, 10), ("5+3x2 3+3x6", 3, 3, 3, -8, 15)]
        for (text, smoothed, anchored, delta90s, delta3m, increase5m) in series {
            let s = SeriesText.samples(text, stepMs: minuteMs)
            #expect(eval("increase", s, rangeMs: minuteMs, at: 90_000, .smoothed) == smoothed, "\(text)")
            #expect(eval("increase", s, rangeMs: minuteMs, at: 90_000, .anchored) == anchored, "\(text)")
            #expect(eval("delta", s, rangeMs: minuteMs, at: 90_000, .anchored) == delta90s, "\(text)")
            #expect(eval("delta", s, rangeMs: minuteMs, at: 180_000, .anchored) == delta3m, "\(text)")
            #expect(eval("delta", s, rangeMs: minuteMs, at: 210_000, .anchored) == delta3m, "\(text)")
            #expect(close(evalRange("increase", s, rangeMs: 5 * minuteMs, at: 6 * minuteMs), increase5m), "\(text)")
            #expect(eval("increase", s, rangeMs: 5 * minuteMs, at: 375_000, .smoothed) == increase5m, "\(text)")
            #expect(eval("increase", s, rangeMs: 5 * minuteMs, at: 6 * minuteMs, .smoothed) == increase5m, "\(text)")
            #expect(eval("increase", s, rangeMs: 5 * minuteMs, at: 5 * minuteMs, .anchored) == increase5m, "\(text)")
            #expect(eval("increase", s, rangeMs: 5 * minuteMs, at: 15 * minuteMs, .anchored) == nil, "\(text)")
        }
    }

    @Test func smoothedDeltaInterpolatesBothEdges() {
        let one = SeriesText.samples("11 -1 100 0", stepMs: minuteMs)
        let two = SeriesText.samples("0 0 100 0 0 11 -1", stepMs: minuteMs)
        #expect(eval("delta", one, rangeMs: 5 * minuteMs, at: 330_000, .smoothed) == -5)
        #expect(eval("delta", two, rangeMs: 5 * minuteMs, at: 330_000, .smoothed) == 5)
        #expect(eval("delta", one, rangeMs: 5 * minuteMs, at: 345_000, .smoothed) == -2)
        #expect(eval("delta", two, rangeMs: 5 * minuteMs, at: 345_000, .smoothed) == 2)
    }

    @Test func smoothedIncreaseTreatsADropAsAResetInInterpolation() {
        let s = SeriesText.samples("9 8 5 4", stepMs: minuteMs)
        #expect(eval("increase", s, rangeMs: 2 * minuteMs, at: 135_000, .smoothed) == 12)
    }

    @Test func anchoredChangesAndResetsCountFromTheSampleBeforeTheWindow() {
        let cases: [(String, Double, Double, Double, Double, Double)] = [  // changes 5m, anchored at 5m, 6m, 5m30s; resets anchored 5m30s
            ("1+1x10", 4, 5, 5, 5, 0), ("1 1+1x10", 4, 4, 5, 4, 0), ("99-1x10", 4, 5, 5, 5, 5), ("99 99-1x10", 4, 4, 5, 4, 4),
        ]
        for (text, plain, at5m, at6m, at330s, resets) in cases {
            let s = SeriesText.samples(text, stepMs: minuteMs)
            #expect(evalRange("changes", s, rangeMs: 5 * minuteMs, at: 5 * minuteMs) == plain, "\(text)")
            #expect(eval("changes", s, rangeMs: 5 * minuteMs, at: 5 * minuteMs, .anchored) == at5m, "\(text)")
            #expect(eval("changes", s, rangeMs: 5 * minuteMs, at: 6 * minuteMs, .anchored) == at6m, "\(text)")
            #expect(eval("changes", s, rangeMs: 5 * minuteMs, at: 330_000, .anchored) == at330s, "\(text)")
            #expect(eval("resets", s, rangeMs: 5 * minuteMs, at: 330_000, .anchored) == resets, "\(text)")
        }
    }

    @Test func anchoredBaselineMustLieWithinTheLookback() {
        let sparse = SeriesText.samples("2 _ 1 _ _ _ _ _ 0", stepMs: minuteMs)
        #expect(eval("changes", sparse, rangeMs: minuteMs, at: 2 * minuteMs, .anchored) == 1)
        #expect(eval("resets", sparse, rangeMs: minuteMs, at: 2 * minuteMs, .anchored) == 1)
        #expect(eval("changes", sparse, rangeMs: minuteMs, at: 3 * minuteMs, .anchored) == nil)
        #expect(eval("changes", sparse, rangeMs: minuteMs, at: 8 * minuteMs, .anchored) == 0)
        #expect(eval("changes", sparse, rangeMs: minuteMs + 1, at: 8 * minuteMs, .anchored) == 1)
        #expect(eval("resets", sparse, rangeMs: minuteMs + 1, at: 8 * minuteMs, .anchored) == 1)
    }

    @Test func onlyTheSafeFunctionsTakeTheModifiers() {
        #expect(RangeFunctions.anchoredSafe == ["resets", "changes", "rate", "increase", "delta"])
        #expect(RangeFunctions.smoothedSafe == ["rate", "increase", "delta"])
    }
}
