/// The calendar functions (`year`, `month`, `day_of_month`, …) on a value that is a Unix time in seconds,
/// in UTC. Like Prometheus, the value is truncated to whole seconds toward zero first. A NaN or infinite
/// value, or one beyond ±2^53 s, has no date and gives NaN.
///
/// Called without an argument in PromQL they apply to the evaluation time: the evaluator then passes
/// `evalTime / 1000` as the value.
public enum DateFunctions {
    /// Dates are computed only for seconds within ±2^53, where a float still counts every second exactly.
    static let secondsMagnitudeMax = 9_007_199_254_740_992.0

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
        guard v.isFinite, abs(v) < secondsMagnitudeMax else { return .nan }
        return pick(CivilTime(unixSeconds: Int64(v)))
    }
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
