import Foundation

/// One entry of a named `time_intervals` list, in Alertmanager's semantics: each field that is set must
/// match (any of its ranges), an unset field matches everything, and the instant is looked at in
/// `location` (UTC when unset). A name matches when any of its entries does.
public struct TimeIntervalSpec: Sendable, Equatable {
    /// An inclusive range of integers (minutes of the day use an exclusive end instead).
    public struct Range: Sendable, Equatable {
        public var begin: Int
        public var end: Int
        public init(_ begin: Int, _ end: Int) { self.begin = begin; self.end = end }
    }

    /// Minutes since midnight, `begin` inclusive and `end` exclusive (`17:00` to `24:00` is 1020..<1440).
    public var times: [Range]?
    /// Days of the week, 0 = Sunday, inclusive.
    public var weekdays: [Range]?
    /// Days of the month, inclusive; negative counts from the month's end (-1 is the last day).
    public var daysOfMonth: [Range]?
    /// Months, 1 = January, inclusive.
    public var months: [Range]?
    /// Years, inclusive.
    public var years: [Range]?
    /// The time zone the fields are evaluated in; nil is UTC.
    public var location: TimeZone?

    public init() {}

    /// Whether the instant (milliseconds since the epoch) is inside this interval.
    public func contains(_ ms: Int64) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = location ?? TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
              let weekday = c.weekday else { return false }
        if let times {
            let m = hour * 60 + minute
            guard times.contains(where: { m >= $0.begin && m < $0.end }) else { return false }
        }
        if let daysOfMonth {
            // The calendar's own month length, so a month with a daylight-saving change still has all its days.
            let length = calendar.range(of: .day, in: .month, for: date)?.count ?? 31
            let inside = daysOfMonth.contains { r in
                let begin = r.begin < 0 ? length + r.begin + 1 : r.begin
                let end = r.end < 0 ? length + r.end + 1 : r.end
                if begin > length { return false }
                return day >= max(begin, 1) && day <= min(end, length)
            }
            guard inside else { return false }
        }
        if let months, !months.contains(where: { month >= $0.begin && month <= $0.end }) { return false }
        // Foundation's weekday is 1 = Sunday; Alertmanager's 0 = Sunday.
        if let weekdays, !weekdays.contains(where: { weekday - 1 >= $0.begin && weekday - 1 <= $0.end }) { return false }
        if let years, !years.contains(where: { year >= $0.begin && year <= $0.end }) { return false }
        return true
    }

    /// Whether any of the entries contains the instant (how a named interval is checked).
    public static func anyContains(_ intervals: [TimeIntervalSpec], _ ms: Int64) -> Bool {
        intervals.contains { $0.contains(ms) }
    }
}
