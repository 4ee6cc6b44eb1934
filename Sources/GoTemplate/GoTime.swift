import Foundation

/// A point in time with a time zone, as Go's `time.Time`: what Alertmanager's `.StartsAt`, Prometheus's
/// `toTime` and the `date`/`tz` functions work with. Printed as Go prints a time
/// (`2024-01-02 03:04:05.5 +0000 UTC`); members `Format`, `Unix`, `UnixMilli`, `UTC`, `In`, `Sub`, `Add`, …
public struct GoTime: Sendable, Equatable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds within the second, 0..<1e9.
    public var nanoseconds: Int32
    public var zone: TimeZone

    public init(seconds: Int64, nanoseconds: Int32 = 0, zone: TimeZone = GoTime.utc) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.zone = zone
    }

    /// The time `ms` milliseconds after the epoch, in UTC.
    public init(unixMs ms: Int64) {
        self.init(seconds: ms >= 0 ? ms / 1000 : (ms - 999) / 1000, nanoseconds: Int32(((ms % 1000) + 1000) % 1000) * 1_000_000)
    }

    public static let utc = TimeZone(identifier: "UTC")!

    var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9) }

    var offsetSeconds: Int { zone.secondsFromGMT(for: date) }

    var zoneAbbreviation: String {
        if zone.identifier == "UTC" || zone.identifier == "GMT" { return "UTC" }
        if let a = TimeZoneNames.abbreviation(zone, offset: offsetSeconds, isDST: zone.isDaylightSavingTime(for: date)) { return a }
        if let a = zone.abbreviation(for: date), !a.hasPrefix("GMT") { return a }
        let o = offsetSeconds
        let sign = o < 0 ? "-" : "+"
        let h = abs(o) / 3600, m = (abs(o) % 3600) / 60
        return sign + pad(h, 2) + (m != 0 ? pad(m, 2) : "")
    }

    public var description: String { format("2006-01-02 15:04:05.999999999 -0700 MST") }

    /// Calendar fields in the time's zone.
    struct Fields {
        var year, month, day, hour, minute, second, weekday, yearDay: Int
    }

    var fields: Fields {
        // Civil date from days since the epoch (proleptic Gregorian), after applying the zone offset.
        let local = seconds + Int64(offsetSeconds)
        var days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secOfDay = Int(local - days * 86400)
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let yday = cumulative[Int(m) - 1] + Int(d) + (leap && m > 2 ? 1 : 0)
        return Fields(year: Int(y), month: Int(m), day: Int(d), hour: secOfDay / 3600, minute: (secOfDay / 60) % 60,
                      second: secOfDay % 60, weekday: weekday, yearDay: yday)
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"]
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Go's `Time.Format` with a reference-time layout (`2006-01-02T15:04:05Z07:00`, `Jan _2 15:04`, …).
    public func format(_ layout: String) -> String {
        let f = fields
        var out = ""
        var rest = Substring(layout)
        func take(_ s: String) -> Bool {
            guard rest.hasPrefix(s) else { return false }
            rest = rest.dropFirst(s.count)
            return true
        }
        while let c = rest.first {
            if take("January") { out += GoTime.months[f.month - 1]; continue }
            if take("Jan") { out += String(GoTime.months[f.month - 1].prefix(3)); continue }
            if take("Monday") { out += GoTime.weekdays[f.weekday]; continue }
            if take("Mon") { out += String(GoTime.weekdays[f.weekday].prefix(3)); continue }
            if take("MST") { out += zoneAbbreviation; continue }
            if take("2006") { out += pad(f.year, 4); continue }
            if take("2") { out += String(f.day); continue }
            if take("_2") { out += f.day < 10 ? " \(f.day)" : String(f.day); continue }
            if take("002") { out += pad(f.yearDay, 3); continue }
            if take("__2") { out += String(repeating: " ", count: 3 - String(f.yearDay).count) + String(f.yearDay); continue }
            if take("01") { out += pad(f.month, 2); continue }
            if take("02") { out += pad(f.day, 2); continue }
            if take("03") { out += pad(f.hour % 12 == 0 ? 12 : f.hour % 12, 2); continue }
            if take("04") { out += pad(f.minute, 2); continue }
            if take("05") { out += pad(f.second, 2); continue }
            if take("06") { out += pad(f.year % 100, 2); continue }
            if take("15") { out += pad(f.hour, 2); continue }
            if take("1") { out += String(f.month); continue }
            if take("3") { out += String(f.hour % 12 == 0 ? 12 : f.hour % 12); continue }
            if take("4") { out += String(f.minute); continue }
            if take("5") { out += String(f.second); continue }
            if take("PM") { out += f.hour >= 12 ? "PM" : "AM"; continue }
            if take("pm") { out += f.hour >= 12 ? "pm" : "am"; continue }
            if let zoneText = zoneToken(&rest) { out += zoneText; continue }
            if (c == "." || c == ","), let digitsEnd = fractionToken(rest) {
                let spec = rest[rest.index(after: rest.startIndex)..<digitsEnd]
                rest = rest[digitsEnd...]
                let all = pad(Int(nanoseconds), 9)
                if spec.first == "0" {
                    out += String(c) + all.prefix(spec.count)
                } else {
                    var digits = String(all.prefix(spec.count))
                    while digits.hasSuffix("0") { digits.removeLast() }
                    if !digits.isEmpty { out += String(c) + digits }
                }
                continue
            }
            out.append(c)
            rest = rest.dropFirst()
        }
        return out
    }

    /// `.000`, `.999` (and `,` variants) followed by a non-digit: the end of the digits.
    private func fractionToken(_ s: Substring) -> Substring.Index? {
        let digits = s.dropFirst()
        guard let d = digits.first, d == "0" || d == "9" else { return nil }
        let end = digits.firstIndex { $0 != d } ?? digits.endIndex
        if end < digits.endIndex, digits[end].isNumber { return nil }
        return end
    }

    private func zoneToken(_ rest: inout Substring) -> String? {
        let o = offsetSeconds
        let sign = o < 0 ? "-" : "+"
        let h = pad(abs(o) / 3600, 2), m = pad((abs(o) % 3600) / 60, 2), s = pad(abs(o) % 60, 2)
        let forms: [(String, Bool, String)] = [
            ("Z07:00:00", true, "\(sign)\(h):\(m):\(s)"), ("-07:00:00", false, "\(sign)\(h):\(m):\(s)"),
            ("Z070000", true, "\(sign)\(h)\(m)\(s)"), ("-070000", false, "\(sign)\(h)\(m)\(s)"),
            ("Z07:00", true, "\(sign)\(h):\(m)"), ("-07:00", false, "\(sign)\(h):\(m)"),
            ("Z0700", true, "\(sign)\(h)\(m)"), ("-0700", false, "\(sign)\(h)\(m)"),
            ("Z07", true, "\(sign)\(h)"), ("-07", false, "\(sign)\(h)"),
        ]
        for (token, z, text) in forms where rest.hasPrefix(token) {
            rest = rest.dropFirst(token.count)
            return z && o == 0 ? "Z" : text
        }
        return nil
    }

    /// The same instant in another zone.
    public func `in`(_ zone: TimeZone) -> GoTime { GoTime(seconds: seconds, nanoseconds: nanoseconds, zone: zone) }

    /// Nanoseconds from `other` to this time (Go's `Sub`), saturating.
    public func sub(_ other: GoTime) -> Int64 {
        let (s, o1) = (seconds - other.seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return seconds > other.seconds ? .max : .min }
        return s.addingReportingOverflow(Int64(nanoseconds - other.nanoseconds)).partialValue
    }

    /// This time plus `nanos` nanoseconds.
    public func adding(nanoseconds nanos: Int64) -> GoTime {
        let total = Int64(nanoseconds) + nanos % 1_000_000_000
        var s = seconds + nanos / 1_000_000_000 + total / 1_000_000_000
        var n = total % 1_000_000_000
        if n < 0 { n += 1_000_000_000; s -= 1 }
        return GoTime(seconds: s, nanoseconds: Int32(n), zone: zone)
    }

    public static func == (a: GoTime, b: GoTime) -> Bool { a.seconds == b.seconds && a.nanoseconds == b.nanoseconds }
}

func pad(_ v: Int, _ width: Int) -> String {
    let s = String(abs(v))
    return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
}

extension GoTime: TemplateObject {
    public var underlying: TemplateValue { .noValue }
    public var typeName: String { "time.Time" }

    /// Go's time.Time methods that templates call.
    public func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        func noArgs() throws {
            guard arguments.isEmpty else { throw TemplateFunctionError("wrong number of args for \(name): want 0 got \(arguments.count)") }
        }
        func time(_ i: Int) throws -> GoTime {
            guard arguments.count == 1, case .time(let t) = arguments[i].resolved else {
                throw TemplateFunctionError("wrong number of args or type for \(name): want a time.Time")
            }
            return t
        }
        switch name {
        case "Format":
            guard arguments.count == 1, let layout = arguments[0].stringValue else {
                throw TemplateFunctionError("wrong number of args for Format: want 1 string got \(arguments.count)")
            }
            return .string(format(layout))
        case "String": try noArgs(); return .string(description)
        case "Unix": try noArgs(); return .int(Int(seconds))
        case "UnixMilli": try noArgs(); return .int(Int(seconds) * 1000 + Int(nanoseconds) / 1_000_000)
        case "UnixNano": try noArgs(); return .int(Int(seconds) &* 1_000_000_000 &+ Int(nanoseconds))
        case "UTC": try noArgs(); return .time(self.in(GoTime.utc))
        case "Local": try noArgs(); return .time(self.in(TimeZone.current))
        case "IsZero": try noArgs(); return .bool(seconds == -62_135_596_800 && nanoseconds == 0)
        case "Year": try noArgs(); return .int(fields.year)
        case "Month": try noArgs(); return .string(GoTime.months[fields.month - 1])  // time.Month prints its name
        case "Day": try noArgs(); return .int(fields.day)
        case "Hour": try noArgs(); return .int(fields.hour)
        case "Minute": try noArgs(); return .int(fields.minute)
        case "Second": try noArgs(); return .int(fields.second)
        case "Nanosecond": try noArgs(); return .int(Int(nanoseconds))
        case "YearDay": try noArgs(); return .int(fields.yearDay)
        case "Weekday": try noArgs(); return .string(GoTime.weekdays[fields.weekday])
        case "Sub": return .duration(sub(try time(0)))
        case "Before": return .bool(sub(try time(0)) < 0)
        case "After": return .bool(sub(try time(0)) > 0)
        case "Equal": return .bool(sub(try time(0)) == 0)
        case "Add":
            guard arguments.count == 1 else { throw TemplateFunctionError("wrong number of args for Add: want 1 got \(arguments.count)") }
            switch arguments[0].resolved {
            case .duration(let d): return .time(adding(nanoseconds: d))
            case .int(let i): return .time(adding(nanoseconds: Int64(i)))
            default: throw TemplateFunctionError("wrong type for value; expected time.Duration; got \(arguments[0].goTypeName)")
            }
        default: return nil
        }
    }
}
