/// RFC 3339 timestamps as Alertmanager's API reads and writes them, as milliseconds since the Unix epoch.
public enum AlertTime {
    /// Go's zero time (`0001-01-01T00:00:00Z`), which Alertmanager clients send for "not set".
    public static let goZeroMs: Int64 = -62_135_596_800_000

    /// Parses `2006-01-02T15:04:05[.fraction](Z|±hh:mm)`; nil when the text is not such a timestamp.
    /// Fractions below a millisecond are dropped.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= b.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 45, let month = digits(5, 2), b[7] == 45,
              let day = digits(8, 2), b[10] == 84 || b[10] == 116, let hour = digits(11, 2), b[13] == 58,
              let minute = digits(14, 2), b[16] == 58, let second = digits(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month, year), hour < 24, minute < 60, second < 60 else { return nil }
        var at = 19
        var millis = 0
        if at < b.count, b[at] == 46 {
            at += 1
            var n = 0
            while at < b.count, b[at] >= 48, b[at] <= 57 {
                if n < 3 { millis = millis * 10 + Int(b[at] - 48) }
                n += 1
                at += 1
            }
            guard n > 0 else { return nil }
            for _ in n..<max(n, 3) { millis *= 10 }
        }
        guard at < b.count else { return nil }
        var offsetMinutes = 0
        if b[at] == 90 || b[at] == 122 {
            at += 1
        } else if b[at] == 43 || b[at] == 45 {
            guard let oh = digits(at + 1, 2), at + 3 < b.count, b[at + 3] == 58, let om = digits(at + 4, 2), oh < 24, om < 60 else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[at] == 45 ? -1 : 1)
            at += 6
        } else {
            return nil
        }
        guard at == b.count else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    /// `2006-01-02T15:04:05.000Z` in UTC, the form Alertmanager's API writes.
    public static func format(_ ms: Int64) -> String {
        let (secs, millis) = ms.quotientAndRemainder(dividingBy: 1000)
        let s = millis < 0 ? secs - 1 : secs
        let msPart = millis < 0 ? millis + 1000 : millis
        let (days, rem) = s.quotientAndRemainder(dividingBy: 86_400)
        let d = rem < 0 ? days - 1 : days
        let r = rem < 0 ? rem + 86_400 : rem
        let (y, m, dd) = civilFromDays(Int(d))
        func pad(_ v: Int, _ n: Int) -> String {
            let t = String(v)
            return String(repeating: "0", count: max(0, n - t.count)) + t
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(dd, 2))T\(pad(Int(r / 3600), 2)):\(pad(Int(r % 3600 / 60), 2)):\(pad(Int(r % 60), 2)).\(pad(Int(msPart), 3))Z"
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
