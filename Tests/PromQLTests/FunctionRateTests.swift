import OspreyCore
import Testing
@testable import PromQL

/// `rate`, `increase`, `delta`, `irate`, `idelta` against the cases of Prometheus's functions.test.
@Suite struct FunctionRateTests {
    let step5m = 5 * minuteMs

    @Test func increaseExtrapolatesToWindowEdgesButNotBelowZero() {
        let cases: [(String, Double, Double)] = [  // series, increase[50m], increase[100m]
            ("0+10x10", 100, 100),
            ("0+18x5 0+18x5", 160, 162),
            ("10+10x10", 100, 105),
            ("1+10x10", 100, 101),
        ]
        for (text, at50, at100) in cases {
            let s = SeriesText.samples(text, stepMs: step5m)
            #expect(close(evalRange("increase", s, rangeMs: 50 * minuteMs, at: 50 * minuteMs), at50), "\(text)")
            #expect(close(evalRange("increase", s, rangeMs: 100 * minuteMs, at: 50 * minuteMs), at100), "\(text)")
        }
    }

    @Test func increaseTreatsADropAsAResetFromZero() {
        let s = SeriesText.samples("0 1 2 3 2 3 4", stepMs: step5m)
        #expect(close(evalRange("increase", s, rangeMs: 30 * minuteMs, at: 30 * minuteMs), 7))
    }

    @Test func rateHandlesResetsInTheMiddleAndAtTheEnd() {
        let middle = SeriesText.samples("0+27x4 0+27x5", stepMs: step5m)
        #expect(close(evalRange("rate", middle, rangeMs: 50 * minuteMs, at: 50 * minuteMs), 0.08))
        let end = SeriesText.samples("0+10x9 0 10", stepMs: step5m)
        // One sample in a 5m window: no result.
        #expect(evalRange("rate", end, rangeMs: 5 * minuteMs, at: 50 * minuteMs) == nil)
        #expect(close(evalRange("rate", end, rangeMs: 6 * minuteMs, at: 50 * minuteMs), 0))
    }

    @Test func rateIsPerSecondOfTheSelectedRange() {
        let s = SeriesText.samples("0+80x10", stepMs: step5m)
        #expect(close(evalRange("rate", s, rangeMs: 50 * minuteMs, at: 50 * minuteMs), 0.26666666666666666))
        let offset = SeriesText.samples("0+10x10", stepMs: step5m)  // rate(x[10m] offset 5m) at 50m
        #expect(close(evalRange("rate", offset, rangeMs: 10 * minuteMs, at: 45 * minuteMs), 0.03333333333333333))
    }

    @Test func zeroCutoffLimitsLeftExtrapolation() {
        let starts: [(Double, Double)] = [(0, 0.5), (60, 0.55), (120, 0.6), (180, 0.6), (240, 0.6), (300, 0.6)]
        for (start, expected) in starts {
            let s = SeriesText.samples("\(Int(start))+240x10", stepMs: 4 * minuteMs)
            #expect(close(evalRange("rate", s, rangeMs: 20 * minuteMs, at: 10 * minuteMs), expected), "start \(start)")
            #expect(close(evalRange("rate", s, rangeMs: 20 * minuteMs, at: 50 * minuteMs), 0.6), "start \(start)")
        }
    }

    @Test func deltaDoesNotCorrectResets() {
        // delta(http_requests[20m]) at 20m over 0 10 20 5 → extrapolated difference, may be negative.
        let s = SeriesText.samples("0 10 20 5", stepMs: step5m)
        // 3 samples in (0, 20m]: 10@5m, 20@10m, 5@15m: -5 over 10m; both edges lie within 1.1 average intervals,
        // so the line extends 5m to each edge (×2).
        #expect(close(evalRange("delta", s, rangeMs: 20 * minuteMs, at: 20 * minuteMs), -10))
        // Edges further than 1.1 intervals away get half an interval: 5 over 15m, +5m left, +2.5m right (×1.5).
        #expect(close(evalRange("delta", s, rangeMs: 30 * minuteMs, at: 25 * minuteMs), 7.5))
        let up = SeriesText.samples("0 50 100 150 200", stepMs: step5m), down = SeriesText.samples("200 150 100 50 0", stepMs: step5m)
        #expect(close(evalRange("delta", up, rangeMs: 20 * minuteMs, at: 20 * minuteMs), 200))
        #expect(close(evalRange("delta", down, rangeMs: 20 * minuteMs, at: 20 * minuteMs), -200))
    }

    @Test func irateUsesTheLastTwoSamples() {
        let foo = SeriesText.samples("0+10x10", stepMs: step5m)
        #expect(close(evalRange("irate", foo, rangeMs: 50 * minuteMs, at: 50 * minuteMs), 10.0 / 300))
        let bar = SeriesText.samples("0+10x5 0+10x5", stepMs: step5m)
        #expect(close(evalRange("irate", bar, rangeMs: 50 * minuteMs, at: 50 * minuteMs), 10.0 / 300))
        #expect(close(evalRange("irate", bar, rangeMs: 50 * minuteMs, at: 30 * minuteMs), 0))
        let nan = SeriesText.samples("1 NaN NaN 5 11", stepMs: step5m)
        #expect(close(evalRange("irate", nan, rangeMs: 15 * minuteMs + 1000, at: 20 * minuteMs), 0.02))
        #expect(close(evalRange("irate", nan, rangeMs: 15 * minuteMs + 1000, at: 10 * minuteMs), .nan))
        #expect(close(evalRange("idelta", nan, rangeMs: 15 * minuteMs + 1000, at: 20 * minuteMs), 6))
        #expect(evalRange("irate", nan, rangeMs: 15 * minuteMs + 1000, at: 0) == nil)
    }

    @Test func rateRaisesTheCounterNameInfoOnlyWithAResult() {
        let s = SeriesText.samples("0+10x10", stepMs: step5m)
        var notes: [FunctionAnnotation] = []
        _ = evalRange("rate", s, rangeMs: 50 * minuteMs, at: 50 * minuteMs, metricName: "http_requests", notes: &notes)
        #expect(notes == [FunctionAnnotation(.info, "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"http_requests\"")])
        notes = []
        _ = evalRange("rate", s, rangeMs: 50 * minuteMs, at: 50 * minuteMs, metricName: "http_requests_total", notes: &notes)
        _ = evalRange("deriv", s, rangeMs: 50 * minuteMs, at: 50 * minuteMs, metricName: "http_requests", notes: &notes)
        _ = evalRange("rate", s, rangeMs: 1000, at: 50 * minuteMs + 500, metricName: "http_requests", notes: &notes)
        #expect(notes.isEmpty)
    }

    @Test func typeLabelDecidesTheCounterInfoWhenTypeAndUnitLabelsAreOn() {
        let s = SeriesText.samples("0+10x10", stepMs: step5m)
        var input = RangeInput(points: s[...], rangeStart: 0, evalTime: 50 * minuteMs)
        input.metricName = "http_requests"
        input.typeLabel = "counter"
        var notes: [FunctionAnnotation] = []
        _ = RangeFunctions.kernel("rate")!(input, &notes)
        #expect(notes.isEmpty)
        input.typeLabel = "gauge"
        _ = RangeFunctions.kernel("increase")!(input, &notes)
        #expect(notes.map(\.message) == ["metric might not be a counter, __type__ label is not set to \"counter\" or \"histogram\", got \"gauge\": \"http_requests\""])
    }
}
