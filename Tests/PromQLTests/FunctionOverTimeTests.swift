import OspreyCore
import Testing
@testable import PromQL

/// The `*_over_time` kernels, with cases from Prometheus's functions.test.
@Suite struct FunctionOverTimeTests {
    let s10 = 10_000 as Int64

    @Test func avgOverTimeWindows() {
        let s = SeriesText.samples("1 2 3 4 5", stepMs: s10)
        #expect(evalRange("avg_over_time", s, rangeMs: 10_000, at: 55_000) == nil)
        #expect(evalRange("avg_over_time", s, rangeMs: 20_000, at: 55_000) == 5)
        #expect(evalRange("avg_over_time", s, rangeMs: 60_000, at: 55_000) == 3)
    }

    @Test(arguments: [
        ("1 2 3 4 Inf", Double.infinity), ("1 2 3 4 -Inf", -.infinity), ("1 2 3 Inf -Inf", .nan),
        ("Inf 0 Inf", .infinity), ("Inf Inf Inf -Inf", .nan), ("1 2 3 -Inf -Inf", -.infinity),
        ("-Inf 0 -Inf", -.infinity), ("1 2 -Inf -Inf Inf", .nan),
        ("9.988465674311579e+307 9.988465674311579e+307", 9.988465674311579e+307),
        ("-9.988465674311579e+307 -9.988465674311579e+307 -9.988465674311579e+307", -9.988465674311579e+307),
        ("-9.988465674311579e+307 9.988465674311579e+307", 0),
        ("1 1e100 1 -1e100", 0.5),
    ])
    func avgOverTimeSurvivesInfinitiesAndOverflow(text: String, expected: Double) {
        let s = SeriesText.samples(text, stepMs: s10)
        #expect(close(evalRange("avg_over_time", s, rangeMs: 120_000, at: 60_000), expected), "\(text)")
    }

    @Test func sumOverTimeOverflowsButKeepsSmallTermsBesideHugeOnes() {
        let huge = SeriesText.samples("9.988465674311579e+307 9.988465674311579e+307", stepMs: s10)
        #expect(evalRange("sum_over_time", huge, rangeMs: 60_000, at: 55_000) == .infinity)
        let mixed = SeriesText.samples("1 1e100 1 -1e100", stepMs: s10)
        #expect(evalRange("sum_over_time", mixed, rangeMs: 120_000, at: 60_000) == 2)
    }

    @Test(arguments: [
        ("1e10 1e-6 1e-6 1e-6 1e-6 1e-6", 1.6666666666666675e+09),
        ("5.30921651659898 0.961118537914768 1.62091361305318 0.865089463758091 0.323055185914577 0.951811357687154", 1.67186744582113),
        ("1.78264e50 0.76342771 1.9592258 7.69805412 458.90154", 3.56528E+49),
        ("-1.78264E+50 0.76342771 1.9592258 2.258E+220 7.69805412 -458.90154", 3.76333333333333E+219),
        ("-1.78264E+215 0.76342771 1.9592258 2.258E+220 7.69805412 1.78264E+215 -458.90154", 3.225714285714286e+219),
        ("-1.78264E+219 0.76342771 1.9592258 2.3757689E+217 -2.3757689E+217 2.258E+220 7.69805412 1.78264E+219 -458.90154", 2.5088888888888888e+219),
    ])
    func avgOverTimeOfExtremeMagnitudes(text: String, expected: Double) {
        let s = SeriesText.samples(text, stepMs: 5_000)
        let got = evalRange("avg_over_time", s, rangeMs: 60_000, at: 55_000)!
        // promqltest compares with a relative tolerance of 1e-6 when the expectation has few digits.
        #expect(abs(got - expected) <= 1e-6 * abs(expected), "\(text): \(got)")
    }

    @Test func avgOfAConstantIsExactlyThatConstant() {
        let s = SeriesText.samples("52+0x100", stepMs: s10)
        for range: Int64 in [100_000, 110_000, 120_000, 130_000] {
            #expect(evalRange("avg_over_time", s, rangeMs: range, at: 600_000) == 52)
        }
    }

    @Test func nanPropagatesThroughAverages() {
        let s = SeriesText.samples("1 2 3 NaN NaN", stepMs: s10)
        #expect(evalRange("avg_over_time", s, rangeMs: 60_000, at: 20_000) == 2)
        #expect(evalRange("avg_over_time", s, rangeMs: 60_000, at: 30_000)!.isNaN)
    }

    @Test func varianceAndStandardDeviation() {
        let s = SeriesText.samples("0 8 8 2 3", stepMs: s10)
        #expect(close(evalRange("stdvar_over_time", s, rangeMs: 120_000, at: 60_000), 10.56))
        #expect(abs(evalRange("stddev_over_time", s, rangeMs: 120_000, at: 60_000)! - 3.249615) < 1e-6)
        let constant = SeriesText.samples("1.5990505637277868 1.5990505637277868 1.5990505637277868", stepMs: s10)
        #expect(evalRange("stdvar_over_time", constant, rangeMs: 60_000, at: 55_000) == 0)
        #expect(evalRange("stddev_over_time", constant, rangeMs: 60_000, at: 55_000) == 0)
    }

    @Test func medianAbsoluteDeviation() {
        #expect(evalRange("mad_over_time", SeriesText.samples("4 6 2 1 999 1 2", stepMs: s10), rangeMs: 70_000, at: 70_000) == 1)
        #expect(evalRange("mad_over_time", SeriesText.samples("1 2 3 4 5", stepMs: s10), rangeMs: 50_000, at: 40_000) == 1)
        #expect(evalRange("mad_over_time", SeriesText.samples("7 7 7 7 7", stepMs: s10), rangeMs: 50_000, at: 40_000) == 0)
        #expect(evalRange("mad_over_time", SeriesText.samples("5", stepMs: s10), rangeMs: 10_000, at: 0) == 0)
        #expect(evalRange("mad_over_time", SeriesText.samples("1 2 NaN 4", stepMs: s10), rangeMs: 40_000, at: 30_000)!.isNaN)
    }

    @Test func timestampsOfMinMaxFirstLast() {
        let odd: Int64 = 10_053
        let s = SeriesText.samples("1 2 3 0 5 6 2 1 4", stepMs: odd)
        #expect(evalRange("ts_of_min_over_time", s, rangeMs: 90_000, at: 90_000) == 30.159)
        #expect(evalRange("ts_of_max_over_time", s, rangeMs: 90_000, at: 90_000) == 50.265)
        let tail = SeriesText.samples("1 2 3 _ _", stepMs: odd)
        #expect(evalRange("ts_of_last_over_time", tail, rangeMs: 90_000, at: 95_000) == 20.106)
        let head = SeriesText.samples("_ _ 1 2 3 _ _", stepMs: odd)
        #expect(evalRange("ts_of_first_over_time", head, rangeMs: 90_000, at: 95_000) == 20.106)
        #expect(evalRange("ts_of_first_over_time", head, rangeMs: 90_000, at: 15_000) == nil)
    }

    @Test func timestampOfMinPrefersTheLatestOfEqualValues() {
        let s = SeriesText.samples("3 1 2 1", stepMs: s10)
        #expect(evalRange("ts_of_min_over_time", s, rangeMs: 60_000, at: 30_000) == 30)
        #expect(evalRange("min_over_time", s, rangeMs: 60_000, at: 30_000) == 1)
    }

    @Test func minMaxSkipALeadingNaN() {
        let s = SeriesText.samples("NaN 3 1", stepMs: s10)
        #expect(evalRange("min_over_time", s, rangeMs: 60_000, at: 20_000) == 1)
        #expect(evalRange("max_over_time", s, rangeMs: 60_000, at: 20_000) == 3)
        let allNaN = SeriesText.samples("NaN NaN", stepMs: s10)
        #expect(evalRange("max_over_time", allNaN, rangeMs: 60_000, at: 20_000)!.isNaN)
    }

    @Test(arguments: [(0.0, 0.0, 0.0, 0.0), (0.5, 0.5, 1, 1), (0.75, 0.75, 1.5, 2.5), (0.8, 0.8, 1.6, 2.8), (1, 1, 2, 4)])
    func quantileOverTimeInterpolatesBetweenRanks(q: Double, two: Double, three: Double, uneven: Double) {
        for (text, expected) in [("0 1", two), ("0 1 2", three), ("0 1 4", uneven)] {
            var notes: [FunctionAnnotation] = []
            let got = evalRange("quantile_over_time", SeriesText.samples(text, stepMs: s10), rangeMs: 120_000, at: 60_000, args: [q], notes: &notes)
            #expect(close(got, expected), "q=\(q) \(text)")
            #expect(notes.isEmpty)
        }
    }

    @Test func quantileOverTimeOutsideZeroToOneWarns() {
        var notes: [FunctionAnnotation] = []
        let s = SeriesText.samples("0 1 2", stepMs: s10)
        #expect(evalRange("quantile_over_time", s, rangeMs: 120_000, at: 60_000, args: [-1], notes: &notes) == -.infinity)
        #expect(evalRange("quantile_over_time", s, rangeMs: 120_000, at: 60_000, args: [2], notes: &notes) == .infinity)
        #expect(notes.map(\.message) == ["quantile value should be between 0 and 1, got -1", "quantile value should be between 0 and 1, got 2"])
        #expect(notes.allSatisfy { $0.level == .warning })
    }

    @Test func countPresentFirstLast() {
        let s = SeriesText.samples("5 _ 7 8", stepMs: s10)
        #expect(evalRange("count_over_time", s, rangeMs: 120_000, at: 60_000) == 3)
        #expect(evalRange("present_over_time", s, rangeMs: 120_000, at: 60_000) == 1)
        #expect(evalRange("first_over_time", s, rangeMs: 120_000, at: 60_000) == 5)
        #expect(evalRange("last_over_time", s, rangeMs: 120_000, at: 60_000) == 8)
        #expect(evalRange("present_over_time", s, rangeMs: 5_000, at: 15_000) == nil)
    }
}
