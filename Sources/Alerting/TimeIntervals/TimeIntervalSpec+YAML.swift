import ConfigReader
import Foundation
import Yams

/// Reading a `time_intervals` entry in Alertmanager's schema (`times`, `weekdays`, `days_of_month`,
/// `months`, `years`, `location`), with Alertmanager's validation rules.
extension YAMLReader {
    func timeInterval(_ node: Node, _ field: String) throws -> TimeIntervalSpec {
        var t = TimeIntervalSpec()
        for (k, v) in try mapping(node, field) {
            let path = "\(field).\(k)"
            switch k {
            case "times":
                t.times = try sequence(v, path).enumerated().map { try timeRange($1, "\(path)[\($0)]") }
            case "weekdays":
                t.weekdays = try ranges(v, path) { s in TimeIntervalNames.weekdays[s] }
                for r in t.weekdays! where r.begin > r.end {
                    throw invalid(v, path, "start day cannot be after end day")
                }
            case "days_of_month":
                t.daysOfMonth = try ranges(v, path) { Int($0) }
                for r in t.daysOfMonth! { try checkDayOfMonth(r, v, path) }
            case "months":
                t.months = try ranges(v, path) { s in TimeIntervalNames.months[s] ?? Int(s).flatMap { (1...12).contains($0) ? $0 : nil } }
                for r in t.months! where r.begin > r.end {
                    throw invalid(v, path, "end month \(r.end) is before start month \(r.begin)")
                }
            case "years":
                t.years = try ranges(v, path) { Int($0) }
                for r in t.years! where r.begin > r.end {
                    throw invalid(v, path, "end year \(r.end) is before start year \(r.begin)")
                }
            case "location":
                let name = try string(v, path)
                guard let zone = name == "Local" ? TimeZone.current : TimeZone(identifier: name) else {
                    throw invalid(v, path, "unknown time zone \"\(name)\"; use an IANA name such as Europe/Berlin, UTC or Local")
                }
                t.location = zone
            default:
                throw unknown(v, path)
            }
        }
        return t
    }

    private func timeRange(_ node: Node, _ field: String) throws -> TimeIntervalSpec.Range {
        var start: Int?
        var end: Int?
        for (k, v) in try mapping(node, field) {
            switch k {
            case "start_time": start = try minuteOfDay(v, "\(field).start_time")
            case "end_time": end = try minuteOfDay(v, "\(field).end_time")
            default: throw unknown(v, "\(field).\(k)")
            }
        }
        guard let start, let end else { throw invalid(node, field, "both start_time and end_time must be given") }
        guard start < end else { throw invalid(node, field, "start_time must be before end_time") }
        return .init(start, end)
    }

    /// `HH:MM` from 00:00 to 24:00.
    private func minuteOfDay(_ node: Node, _ field: String) throws -> Int {
        let s = try string(node, field)
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
              (0...23).contains(h) && (0...59).contains(m) || (h == 24 && m == 0) else {
            throw invalid(node, field, "\"\(s)\" is not a time of day; write HH:MM from 00:00 to 24:00")
        }
        return h * 60 + m
    }

    /// A list of `a` or `a:b` members, each read by `member` (lowercased first).
    private func ranges(_ node: Node, _ field: String, _ member: (String) -> Int?) throws -> [TimeIntervalSpec.Range] {
        try sequence(node, field).enumerated().map { i, item in
            let path = "\(field)[\(i)]"
            let s = try string(item, path).lowercased()
            let parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2, let a = member(parts[0]), let b = member(parts.last!) else {
                throw invalid(item, path, "\"\(s)\" is not a valid value or range")
            }
            return .init(a, b)
        }
    }

    private func checkDayOfMonth(_ r: TimeIntervalSpec.Range, _ node: Node, _ field: String) throws {
        for d in [r.begin, r.end] where d == 0 || d < -31 || d > 31 {
            throw invalid(node, field, "\(d) is not a valid day of the month: use 1 to 31, or -1 to -31 counting from the end")
        }
        if r.begin < 0 && r.end > 0 { throw invalid(node, field, "end day must be negative if start day is negative") }
        // As Alertmanager: catch ranges that are empty in every month (checked against a 28-day month).
        let b = r.begin < 0 ? 28 + r.begin : r.begin
        let e = r.end < 0 ? 28 + r.end : r.end
        if b > e { throw invalid(node, field, "end day \(r.end) is always before start day \(r.begin)") }
    }
}

enum TimeIntervalNames {
    static let weekdays = ["sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6]
    static let months = [
        "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
        "september": 9, "october": 10, "november": 11, "december": 12,
    ]
}
