import Foundation

/// Wall-clock arithmetic in one IANA time zone. "Wall" times are local calendar seconds counted as if the
/// zone were UTC (so `wall / 86400` is the local day number); instants are Unix seconds.
struct ZonedTime: Sendable {
    let zone: TimeZone

    static let daySeconds: Int64 = 86_400

    func offset(_ instant: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
    }

    /// The wall time at an instant.
    func wall(_ instant: Int64) -> Int64 { instant + offset(instant) }

    /// The first instant at which the local clock reads `wall` or later.
    ///
    /// A wall time that occurs twice (the hour repeated when clocks go back) maps to its first occurrence;
    /// one that never occurs (the hour skipped when clocks go forward) maps to the moment of the jump, when
    /// the clock passes it. So a handoff at 02:30 on a spring-forward night happens at 03:00 new time.
    func instant(_ wall: Int64) -> Int64 {
        let offsets = Set([offset(wall - ZonedTime.daySeconds), offset(wall), offset(wall + ZonedTime.daySeconds)])
        if let first = offsets.map({ wall - $0 }).filter({ self.wall($0) == wall }).min() { return first }
        // A gap: the clock jumps from before `wall` to after it somewhere in this range.
        var lo = wall - offsets.max()!, hi = wall - offsets.min()!
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if self.wall(mid) >= wall { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Day of the week of a wall time: 0 is Sunday.
    static func weekday(_ wall: Int64) -> Int {
        let day = floorDiv(wall, daySeconds)
        return Int(((day + 4) % 7 + 7) % 7)  // 1970-01-01 was a Thursday
    }

    /// Seconds since local midnight of a wall time.
    static func secondOfDay(_ wall: Int64) -> Int64 { wall - floorDiv(wall, daySeconds) * daySeconds }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the civil-days algorithm).
func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = floorDiv(y, 400)
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of `daysFromCivil`).
func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = days + 719_468
    let era = floorDiv(z, 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
}

/// Parsing of the small date and time forms the on-call configuration and API use.
enum WallFormat {
    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// `HH:MM` (00:00 to 23:59; `24:00` too when `allowEndOfDay`) in seconds since midnight.
    static func timeOfDay(_ s: String, allowEndOfDay: Bool = false) -> Int64? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int64(parts[0]), let m = Int64(parts[1]), (0...59).contains(m) else { return nil }
        if h == 24 && m == 0 && allowEndOfDay { return ZonedTime.daySeconds }
        guard (0...23).contains(h) else { return nil }
        return h * 3600 + m * 60
    }

    /// `YYYY-MM-DD` as a day number.
    static func date(_ s: String) -> Int64? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]),
              (1...12).contains(m), d >= 1 else { return nil }
        let days = daysFromCivil(year: y, month: m, day: d)
        guard civilFromDays(days) == (y, m, d) else { return nil }  // 2026-02-30
        return days
    }

    /// `YYYY-MM-DD HH:MM` (or with `T`) as a wall time.
    static func dateTime(_ s: String) -> Int64? {
        let sep: Character = s.contains("T") ? "T" : " "
        let parts = s.split(separator: sep)
        guard parts.count == 2, let day = date(String(parts[0])), let t = timeOfDay(String(parts[1])) else { return nil }
        return day * ZonedTime.daySeconds + t
    }

    /// RFC 3339 with an offset (`2026-03-29T09:00:00+02:00`, `…Z`) in Unix milliseconds.
    static func rfc3339Ms(_ s: String) -> Int64? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }

    /// An instant in RFC 3339 UTC with milliseconds, as the API answers.
    static func formatMs(_ ms: Int64) -> String {
        let secs = floorDiv(ms, 1000)
        let day = floorDiv(secs, ZonedTime.daySeconds)
        let (y, m, d) = civilFromDays(day)
        let sod = secs - day * ZonedTime.daySeconds
        let milli = ms - secs * 1000
        func p(_ v: Int64, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        let frac = milli == 0 ? "" : "." + p(milli, 3)
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(sod / 3600, 2)):\(p(sod / 60 % 60, 2)):\(p(sod % 60, 2))\(frac)Z"
    }
}

/// Times as the on-call API reads and writes them.
public enum OnCallTime {
    /// RFC 3339 in UTC (`2026-03-29T07:00:00Z`, milliseconds when not whole seconds).
    public static func format(_ ms: Int64) -> String { WallFormat.formatMs(ms) }

    /// RFC 3339 with an offset, or Unix seconds with an optional fraction; milliseconds.
    public static func parse(_ s: String) -> Int64? {
        if let d = Double(s), d.isFinite, abs(d) < 1e13 { return Int64((d * 1000).rounded()) }
        return WallFormat.rfc3339Ms(s)
    }
}
