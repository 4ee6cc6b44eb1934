import Foundation
import Testing
@testable import PromQL

/// Element-wise functions and the calendar functions, with cases from Prometheus's functions.test.
@Suite struct FunctionValueTests {
    func apply(_ name: String, _ v: Double, _ args: [Double] = []) -> Double {
        ValueFunctions.kernel(name)!(v, args)
    }

    @Test func clampFamily() {
        #expect([-50.0, 0, 100].map { apply("clamp_max", $0, [75]) } == [-50, 0, 75])
        #expect([-50.0, 0, 100].map { apply("clamp_min", $0, [-25]) } == [-25, 0, 100])
        #expect([-50.0, 0, 100].map { apply("clamp", $0, [-25, 75]) } == [-25, 0, 75])
        #expect([-50.0, 0, 100].allSatisfy { apply("clamp", $0, [0, .nan]).isNaN })
        #expect([-50.0, 0, 100].allSatisfy { apply("clamp", $0, [.nan, 0]).isNaN })
        #expect(!ValueFunctions.producesOutput("clamp", args: [5, -5]))
        #expect(ValueFunctions.producesOutput("clamp", args: [-5, 5]))
        #expect(ValueFunctions.producesOutput("clamp_max", args: [-5]))
    }

    @Test func sgnKeepsZeroAndNaN() {
        #expect(apply("sgn", -.infinity) == -1)
        #expect(apply("sgn", .infinity) == 1)
        #expect(apply("sgn", .nan).isNaN)
        #expect(apply("sgn", -50) == -1)
        #expect(apply("sgn", 0) == 0)
        #expect(apply("sgn", 100) == 1)
    }

    @Test func roundingHalfUpAndToNearest() {
        #expect([-0.5, 0.5, 1.5, 2.5, -1.5, 7.25].map { apply("round", $0) } == [0, 1, 2, 3, -1, 7])
        #expect(apply("round", 7.25, [0.5]) == 7.5)
        #expect(close(apply("round", 123.456, [10]), 120))
        #expect(apply("round", 1.1234, [0.01]) == 1.12)
        #expect(apply("ceil", -0.5) == 0 && apply("floor", -0.5) == -1)
        #expect(apply("abs", -3) == 3)
    }

    @Test func logarithmsAndRoots() {
        #expect(apply("ln", M_E) == 1)
        #expect(apply("log2", 8) == 3)
        #expect(apply("log10", 1000) == 3)
        #expect(apply("ln", -1).isNaN)
        #expect(apply("ln", 0) == -.infinity)
        #expect(apply("sqrt", 16) == 4)
        #expect(apply("exp", 0) == 1)
    }

    @Test func trigonometryAndAngles() {
        #expect(apply("deg", .pi) == 180)
        #expect(apply("rad", 180) == .pi)
        #expect(apply("sin", 0) == 0 && apply("cos", 0) == 1 && apply("tan", 0) == 0)
        #expect(apply("asin", 1) == .pi / 2 && apply("acos", 1) == 0 && apply("atan", 1) == .pi / 4)
        #expect(apply("sinh", 0) == 0 && apply("cosh", 0) == 1 && apply("tanh", 0) == 0)
        #expect(apply("asinh", 0) == 0 && apply("acosh", 1) == 0 && apply("atanh", 0) == 0)
        #expect(apply("acosh", 0.5).isNaN)
        #expect(apply("atanh", 1) == .infinity)
    }

    @Test func everyNameHasAKernel() {
        let expected = ["abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
                        "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg", "exp", "floor", "hour", "ln", "log10", "log2",
                        "minute", "month", "rad", "round", "sgn", "sin", "sinh", "sqrt", "tan", "tanh", "year"]
        #expect(ValueFunctions.names == expected)
    }

    @Test func calendarFieldsOfAUnixTime() {
        let t = 1_136_239_445.0  // 2006-01-02 22:04:05 UTC, a Monday
        #expect(apply("year", t) == 2006)
        #expect(apply("month", t) == 1)
        #expect(apply("day_of_month", t) == 2)
        #expect(apply("day_of_year", t) == 2)
        #expect(apply("day_of_week", t) == 1)
        #expect(apply("hour", t) == 22)
        #expect(apply("minute", t) == 4)
        // The epoch (what year() etc. give at evaluation time 0): a Thursday.
        #expect(apply("year", 0) == 1970 && apply("day_of_week", 0) == 4 && apply("day_of_year", 0) == 1)
    }

    @Test func calendarBoundaries() {
        #expect(apply("year", 1_230_767_999) == 2008)
        #expect(apply("year", 1_230_768_000) == 2009)
        #expect(apply("month", 1_456_790_399) + apply("day_of_month", 1_456_790_399) / 100 == 2.29)
        #expect(apply("month", 1_456_790_400) + apply("day_of_month", 1_456_790_400) / 100 == 3.01)
        #expect(apply("day_of_year", 1_483_191_420) == 366)
        #expect(apply("day_of_year", 1_672_493_820) == 365)
        #expect(apply("days_in_month", 1_454_284_800) == 29)
        #expect(apply("days_in_month", 1_485_907_200) == 28)
    }

    @Test func calendarBeforeTheEpochAndFractions() {
        #expect(apply("year", -1) == 1969 && apply("month", -1) == 12 && apply("day_of_month", -1) == 31)
        #expect(apply("hour", -1) == 23 && apply("minute", -1) == 59 && apply("day_of_week", -1) == 3)
        // Truncation toward zero: -0.5 s is still 1970-01-01.
        #expect(apply("year", -0.5) == 1970)
        #expect(apply("year", 951_782_400) == 2000 && apply("day_of_month", 951_782_400) == 29)  // 2000-02-29
        #expect(apply("days_in_month", 4_105_123_200) == 28)  // 2100-02-01: not a leap year
    }

    /// Prometheus converts the seconds as Go does on amd64: NaN, ±Inf and out-of-range values become the
    /// smallest int64, whose date wraps around Go's time arithmetic. The expected values are Prometheus's answers.
    @Test func calendarOfNaNInfinityAndHugeValuesFollowsGo() {
        for v in [Double.nan, .infinity, -.infinity, 1e300, -1e19, 9.3e18] {
            #expect(apply("year", v) == 292_277_026_596, "\(v)")
            #expect(apply("month", v) == 12 && apply("day_of_month", v) == 4 && apply("day_of_year", v) == 339)
            #expect(apply("day_of_week", v) == 0 && apply("days_in_month", v) == 31)
            #expect(apply("hour", v) == 15 && apply("minute", v) == 30)
        }
        #expect(apply("year", -9_223_372_028_715_321_600) == -292_277_022_399)  // Go's absolute zero year
        #expect(apply("year", -9.22337203e18) == 292_277_026_814 && apply("hour", -9.22337203e18) == 7)
        #expect(apply("year", 9.2e18) == 291_536_396_232 && apply("day_of_week", 9.2e18) == 5)
        #expect(apply("year", 1e17) == 3_168_875_820)
        #expect(apply("year", -1e17) == -3_168_871_881 && apply("month", -1e17) == 4)
        #expect(apply("hour", -1.5) == 23 && apply("minute", -0.5) == 0)
    }

    @Test func calendarAgreesWithFoundation() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let s = Int64.random(in: -5_000_000_000...10_000_000_000, using: &rng)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: Date(timeIntervalSince1970: Double(s)))
            let v = Double(s)
            #expect(apply("year", v) == Double(c.year!), "\(s)")
            #expect(apply("month", v) == Double(c.month!), "\(s)")
            #expect(apply("day_of_month", v) == Double(c.day!), "\(s)")
            #expect(apply("hour", v) == Double(c.hour!), "\(s)")
            #expect(apply("minute", v) == Double(c.minute!), "\(s)")
            #expect(apply("day_of_week", v) == Double(c.weekday! - 1), "\(s)")
            #expect(apply("day_of_year", v) == Double(calendar.ordinality(of: .day, in: .year, for: Date(timeIntervalSince1970: v))!), "\(s)")
        }
    }
}
