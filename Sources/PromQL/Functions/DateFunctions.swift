/// The calendar functions (`year`, `month`, `day_of_month`, …) on a value that is a Unix time in seconds,
/// in UTC. Like Prometheus, the value is converted to whole seconds as Go converts a float to an integer on
/// amd64: truncated toward zero, and NaN, ±Inf or anything beyond the 64-bit range becomes the smallest
/// 64-bit integer; dates that far out wrap around as Go's time arithmetic wraps (year(NaN) is 292277026596).
///
/// Called without an argument in PromQL they apply to the evaluation time: the evaluator then passes
/// `evalTime / 1000` as the value.
public enum DateFunctions {
    static let table: [String: ValueKernel] = [
        "year": { v, _ in field(v) { Double($0.year) } },
        "month": { v, _ in field(v) { Double($0.month) } },
        "day_of_month": { v, _ in field(v) { Double($0.day) } },
        "day_of_year": { v, _ in field(v) { Double($0.dayOfYear) } },
        "day_of_week": { v, _ in field(v) { Double($0.weekday) } },
        "days_in_month": { v, _ in field(v) { Double($0.daysInMonth) } },
        "hour": { v, _ in field(v) { Double($0.hour) } },
        "minute": { v, _ in field(v) { Double($0.minute) } },
    ]

    /// Every calendar function name.
    public static var names: [String] { table.keys.sorted() }

    private static func field(_ v: Double, _ pick: (CivilTime) -> Double) -> Double {
        pick(CivilTime(goUnixSeconds: goInt64(v)))
    }
}

/// Go's float64 to int64 conversion on amd64 (CVTTSD2SI): truncation toward zero; NaN and values outside
/// the int64 range give the "integer indefinite" value, `Int64.min`.
func goInt64(_ v: Double) -> Int64 {
    guard v >= -9_223_372_036_854_775_808.0, v < 9_223_372_036_854_775_808.0 else { return .min }
    return Int64(v)
}

/// A UTC calendar date and time of day in the proleptic Gregorian calendar.
struct CivilTime: Equatable {
    var year: Int64
    var month: Int  // 1...12
    var day: Int  // 1...31
    var hour: Int
    var minute: Int
    var second: Int
    /// 0 = Sunday.
    var weekday: Int

    init(unixSeconds s: Int64) {
        let secondsPerDay: Int64 = 86_400
        var days = s / secondsPerDay
        var rest = s % secondsPerDay
        if rest < 0 {
            rest += secondsPerDay
            days -= 1
        }
        self.init(days: days, secondOfDay: rest)
    }

    /// Seconds from 1970-01-01 to the start of Go's "absolute" year -292277022399, which Go's time package
    /// counts dates from in an unsigned 64-bit number of seconds.
    static let goAbsoluteToUnixSeconds: Int64 = 9_223_372_028_715_321_600

    /// The date Go's time package gives for `time.Unix(s, 0).UTC()`: the same as `init(unixSeconds:)` except
    /// that seconds before Go's absolute zero year wrap around its unsigned count into the far future.
    init(goUnixSeconds s: Int64) {
        let secondsPerDay: UInt64 = 86_400
        let absolute = UInt64(bitPattern: s &+ Self.goAbsoluteToUnixSeconds)
        let days = Int64(absolute / secondsPerDay) - Self.goAbsoluteToUnixSeconds / Int64(secondsPerDay)
        self.init(days: days, secondOfDay: Int64(absolute % secondsPerDay))
    }

    /// `days` since 1970-01-01 and `rest` seconds into that day (0 ..< 86,400).
    private init(days: Int64, secondOfDay rest: Int64) {
        hour = Int(rest / 3600)
        minute = Int(rest % 3600 / 60)
        second = Int(rest % 60)
        // 1970-01-01 was a Thursday.
        weekday = Int(((days % 7) + 11) % 7)
        // Days since 1970-01-01 to a date: count in 400-year eras starting on March 1st, so the leap day
        // falls at the end of each year of the era.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYearFromMarch = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYearFromMarch + 2) / 153
        day = Int(dayOfYearFromMarch - (153 * monthFromMarch + 2) / 5 + 1)
        month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    var isLeapYear: Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    var daysInMonth: Int {
        switch month {
        case 2: return isLeapYear ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 1 = January 1st.
    var dayOfYear: Int {
        let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][month - 1]
        return before + day + (month > 2 && isLeapYear ? 1 : 0)
    }
}
