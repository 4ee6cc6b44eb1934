import Foundation
import Hummingbird
import OspreyCore

/// Request parameters from the query string and, for form POSTs, the body, as Prometheus reads them.
struct Params {
    private var values: [String: [String]] = [:]

    static func read(_ request: Request, bodyBytesMax: Int) async throws -> Params {
        var p = Params()
        p.add(query: request.uri.query ?? "")
        if request.method == .post, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            var req = request
            let body = try await req.collectBody(upTo: bodyBytesMax)
            p.add(query: String(buffer: body))
        }
        return p
    }

    mutating func add(query: String) {
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Params.decode(kv[0])
            let value = kv.count > 1 ? Params.decode(kv[1]) : ""
            values[key, default: []].append(value)
        }
    }

    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
    }

    subscript(_ key: String) -> String? { values[key]?.first }
    func all(_ key: String) -> [String] { values[key] ?? [] }

    /// A time parameter: RFC 3339 or Unix seconds with a fraction; in milliseconds.
    func time(_ key: String, default def: Int64) throws -> Int64 {
        guard let s = self[key], !s.isEmpty else { return def }
        if let t = Params.parseTime(s) { return t }
        throw APIError.badData("invalid parameter \"\(key)\": cannot parse \"\(s)\" to a valid timestamp")
    }

    static func parseTime(_ s: String) -> Int64? {
        if let d = Double(s), d.isFinite {
            let ms = (d * 1000).rounded()
            // Prometheus clamps to its representable range.
            return Int64(max(min(ms, 9.2e18), -9.2e18))
        }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = f.date(from: s) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        f.formatOptions = [.withInternetDateTime]
        if let date = f.date(from: s) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }

    /// `match[]` selectors, each parsed; `required` demands at least one.
    func matcherSets(required: Bool) throws -> [[LabelMatcher]] {
        let raw = all("match[]")
        if required && raw.isEmpty { throw APIError.badData("no match[] parameter provided") }
        return try raw.map { s in
            let m: [LabelMatcher]
            do { m = try QuerySyntax.parseSelector(s) } catch { throw APIError.badData("invalid parameter \"match[]\": \(error)") }
            guard m.contains(where: { !$0.matchesEmpty }) else {
                throw APIError.badData("invalid parameter \"match[]\": match[] must contain at least one non-empty matcher")
            }
            return m
        }
    }

    func limit() throws -> Int? {
        guard let s = self["limit"], !s.isEmpty else { return nil }
        guard let n = Int(s), n >= 0 else { throw APIError.badData("invalid parameter \"limit\": \"\(s)\" is not a non-negative integer") }
        return n == 0 ? nil : n
    }
}
