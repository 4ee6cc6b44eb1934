import Foundation
import OspreyCore

/// Time and duration parameters of the query endpoints, read and reported with Prometheus's wording.
extension Params {
    /// Prometheus's `MinTime`/`MaxTime` (ms): the defaults of optional time ranges, and how it prints them,
    /// which clients send back (`start=-292273086-05-16T16:47:06Z`).
    static let minTimeMs: Int64 = (Int64.min / 1000 + 62_135_596_801) * 1000
    static let maxTimeMs: Int64 = (Int64.max / 1000 - 62_135_596_801) * 1000 + 999
    static let minTimeFormatted = "-292273086-05-16T16:47:06Z"
    static let maxTimeFormatted = "292277025-08-18T07:12:54.999999999Z"

    /// A required time parameter (`start`, `end` of a range query): missing is an error, as in Prometheus.
    func requiredTime(_ key: String) throws -> Int64 {
        let s = self[key] ?? ""
        guard let t = Params.parsePromTime(s) else {
            throw APIError.badData("invalid parameter \"\(key)\": cannot parse \"\(s)\" to a valid timestamp")
        }
        return t
    }

    /// An optional time parameter (`time` of an instant query).
    func optionalTime(_ key: String, default def: Int64) throws -> Int64 {
        guard let s = self[key], !s.isEmpty else { return def }
        guard let t = Params.parsePromTime(s) else {
            throw APIError.badData("invalid parameter \"\(key)\": invalid time value for '\(key)': cannot parse \"\(s)\" to a valid timestamp")
        }
        return t
    }

    /// RFC 3339 or Unix seconds with up to millisecond precision; milliseconds.
    static func parsePromTime(_ s: String) -> Int64? {
        if s == minTimeFormatted { return minTimeMs }
        if s == maxTimeFormatted { return maxTimeMs }
        return parseTime(s)
    }

    /// A duration parameter: float seconds or a Prometheus duration (`1h30m`, `15s`, `100ms`); milliseconds.
    /// nil when absent or empty.
    func duration(_ key: String) throws -> Int64? {
        guard let s = self[key], !s.isEmpty else { return nil }
        do { return try Params.parseDurationMs(s) } catch let e as APIError {
            throw APIError.badData("invalid parameter \"\(key)\": \(e.message)")
        }
    }

    /// Float seconds or a Prometheus duration; milliseconds. Throws `cannot parse "…" to a valid duration`.
    static func parseDurationMs(_ s: String) throws -> Int64 {
        if let d = Double(s) {
            // Prometheus holds durations in nanoseconds: more than an Int64 of them is refused.
            let ns = d * 1e9
            guard !ns.isNaN else { throw APIError.badData("cannot parse \"\(s)\" to a valid duration") }
            guard abs(ns) <= 9.223372036854775807e18 else {
                throw APIError.badData("cannot parse \"\(s)\" to a valid duration. It overflows int64")
            }
            return Int64((ns / 1e6).rounded(.towardZero))
        }
        if !s.hasPrefix("-"), let ms = try? OspreyCore.Duration.parseMs(s) { return ms }
        throw APIError.badData("cannot parse \"\(s)\" to a valid duration")
    }

    /// Prometheus's `limit` of query results: 0 or absent is no limit.
    func resultLimit() throws -> Int {
        guard let s = self["limit"], !s.isEmpty else { return 0 }
        guard let n = Int(s) else { throw APIError.badData("invalid parameter \"limit\": strconv.Atoi: parsing \"\(s)\": invalid syntax") }
        guard n >= 0 else { throw APIError.badData("invalid parameter \"limit\": limit must be non-negative") }
        return n
    }
}
