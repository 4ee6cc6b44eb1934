import Foundation
import OspreyCore

/// One sample of a `query` result in a Prometheus template: `.Labels` (a string map) and `.Value`.
/// The Rules module's `query` function returns `TemplateValue.samples(…)`; `first`, `value`, `label`,
/// `strvalue` and `sortByLabel` work on it.
public struct QuerySample: TemplateObject, Equatable {
    public var labels: [String: String]
    public var value: Double

    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }

    public func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "Labels": return .strings(labels)
        case "Value": return .float(value)
        default: return nil
        }
    }

    public var typeName: String { "*template.sample" }

    /// As Go prints a `*sample`: `&{map[a:b] 1}`.
    public var description: String { "&{\(GoFormat.value(.strings(labels))) \(GoFormat.float(value))}" }
}

extension TemplateValue {
    /// A query result: the list of samples `query` returns.
    public static func samples(_ samples: [QuerySample]) -> TemplateValue { .list(samples.map { .object($0) }) }
}

extension Dictionary where Key == String, Value == TemplateFunction {
    /// Prometheus's template functions for rule annotations, labels and console templates (without `query`,
    /// which the Rules module adds, and without `externalURL`/`pathPrefix`/`now`, see `prometheusContext`).
    public static let prometheus: FunctionSet = [
        "humanize": TemplateFunction(arity: 1) { a in .string(PrometheusFormat.humanize(try a.float(0))) },
        "humanize1024": TemplateFunction(arity: 1) { a in .string(PrometheusFormat.humanize1024(try a.float(0))) },
        "humanizeDuration": TemplateFunction(arity: 1) { a in .string(PrometheusFormat.humanizeDuration(try a.float(0))) },
        "humanizePercentage": TemplateFunction(arity: 1) { a in .string(PrometheusFormat.g4(try a.float(0) * 100) + "%") },
        "humanizeTimestamp": TemplateFunction(arity: 1) { a in
            let v = try a.float(0)
            if v.isNaN || v.isInfinite { return .string(PrometheusFormat.g4(v)) }
            return .string(try PrometheusFormat.time(v).description)
        },
        "toTime": TemplateFunction(arity: 1) { a in
            let v = try a.float(0)
            if v.isNaN || v.isInfinite { throw TemplateFunctionError("value is NaN or Inf") }
            return .time(try PrometheusFormat.time(v))
        },
        "toDuration": TemplateFunction(arity: 1) { a in
            let v = try a.float(0)
            if v.isNaN || v.isInfinite { throw TemplateFunctionError("value is NaN or Inf") }
            let ns = v * 1e9
            guard ns > -9.2e18 && ns < 9.2e18 else {
                throw TemplateFunctionError("\(GoFormat.float(v)) cannot be represented as a nanoseconds timestamp since it overflows int64")
            }
            return .duration(Int64(ns))
        },
        "title": TemplateFunction(arity: 1) { a in .string(TextFunctions.casesTitle(try a.string(0), lowerRest: false)) },
        "toUpper": TemplateFunction(arity: 1) { a in .string(TextFunctions.upper(try a.string(0))) },
        "toLower": TemplateFunction(arity: 1) { a in .string(TextFunctions.lower(try a.string(0))) },
        "match": TemplateFunction(arity: 2) { a in .bool(try TextFunctions.match(a.string(0), a.string(1))) },
        "reReplaceAll": TemplateFunction(arity: 3) { a in .string(try TextFunctions.replaceAll(a.string(0), a.string(1), a.string(2))) },
        "safeHtml": TemplateFunction(arity: 1) { a in .safeHTML(try a.string(0)) },
        "stripPort": TemplateFunction(arity: 1) { a in .string(PrometheusFormat.stripPort(try a.string(0))) },
        "stripDomain": TemplateFunction(arity: 1) { a in .string(PrometheusFormat.stripDomain(try a.string(0))) },
        "parseDuration": TemplateFunction(arity: 1) { a in
            let text = try a.string(0)
            do {
                return .float(Double(try OspreyCore.Duration.parseMs(text)) / 1000)
            } catch {
                throw TemplateFunctionError("not a valid duration string: \(goQuote(text))")
            }
        },
        "first": TemplateFunction(arity: 1) { a in
            guard case .list(let l) = a[0].resolved else {
                throw TemplateFunctionError("wrong type for value; expected template.queryResult; got \(a[0].goTypeName)")
            }
            guard let s = l.first else { throw TemplateFunctionError("first() called on vector with no elements") }
            return s
        },
        "label": TemplateFunction(arity: 2) { a in
            let name = try a.string(0)
            return .string(try PrometheusFormat.sample(a[1], "label").labels[name] ?? "")
        },
        "value": TemplateFunction(arity: 1) { a in .float(try PrometheusFormat.sample(a[0], "value").value) },
        "strvalue": TemplateFunction(arity: 1) { a in .string(try PrometheusFormat.sample(a[0], "strvalue").labels["__value__"] ?? "") },
        "sortByLabel": TemplateFunction(arity: 2) { a in
            let name = try a.string(0)
            guard case .list(let l) = a[1].resolved else {
                throw TemplateFunctionError("wrong type for value; expected template.queryResult; got \(a[1].goTypeName)")
            }
            var keyed: [(String, TemplateValue)] = []
            for v in l { keyed.append((try PrometheusFormat.sample(v, "sortByLabel").labels[name] ?? "", v)) }
            // A stable sort, as Prometheus's.
            let sorted = keyed.enumerated().sorted { x, y in
                x.element.0 != y.element.0 ? x.element.0.utf8.lexicographicallyPrecedes(y.element.0.utf8) : x.offset < y.offset
            }
            return .list(sorted.map(\.element.1))
        },
        "args": TemplateFunction(minArguments: 0, maxArguments: nil) { a in
            var m: [String: TemplateValue] = [:]
            for (i, v) in a.enumerated() { m["arg\(i)"] = v }
            return .map(m)
        },
        "graphLink": TemplateFunction(arity: 1) { a in .string("/graph?g0.expr=\(queryEscape(try a.string(0)))&g0.tab=0") },
        "tableLink": TemplateFunction(arity: 1) { a in .string("/graph?g0.expr=\(queryEscape(try a.string(0)))&g0.tab=1") },
    ]

    /// Prometheus's functions that depend on the evaluation: `externalURL`, `pathPrefix` (its path) and
    /// `now` (the evaluation time in seconds).
    public static func prometheusContext(externalURL: String, evaluationTimeMs: Int64) -> FunctionSet {
        let path = URL(string: externalURL)?.path ?? ""
        return [
            "externalURL": TemplateFunction(arity: 0) { _ in .string(externalURL) },
            "pathPrefix": TemplateFunction(arity: 0) { _ in .string(path) },
            "now": TemplateFunction(arity: 0) { _ in .float(Double(evaluationTimeMs) / 1000) },
        ]
    }
}

/// Prometheus's number, duration and host formatting rules.
enum PrometheusFormat {
    /// Go's `fmt.Sprintf("%.4g", v)`.
    static func g4(_ v: Double) -> String { GoPrintf.format("%.4g", [.float(v)]) }

    /// SI prefixes: 1234567 → `1.235M`, 0.0012 → `1.2m`; 0, NaN and ±Inf as plain numbers.
    static func humanize(_ value: Double) -> String {
        var v = value
        if v == 0 || v.isNaN || v.isInfinite { return g4(v) }
        if abs(v) >= 1 {
            var prefix = ""
            for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(v) < 1000 { break }
                prefix = p
                v /= 1000
            }
            return g4(v) + prefix
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v) + prefix
    }

    /// Binary prefixes: 1024 → `1ki`, 1048576 → `1Mi`; values up to 1 as plain numbers.
    static func humanize1024(_ value: Double) -> String {
        var v = value
        if abs(v) <= 1 || v.isNaN || v.isInfinite { return g4(v) }
        var prefix = ""
        for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(v) < 1024 { break }
            prefix = p
            v /= 1024
        }
        return g4(v) + prefix
    }

    /// Seconds as `1d 2h 3m 4s`, `1h 2m 3s`, `2m 3s`, `1.5s`, `500ms`, `0s`.
    static func humanizeDuration(_ value: Double) -> String {
        var v = value
        if v.isNaN || v.isInfinite { return g4(v) }
        if v == 0 { return g4(v) + "s" }
        if abs(v) >= 1 {
            var sign = ""
            if v < 0 { sign = "-"; v = -v }
            let d = v >= 9.2e18 ? Int64.max : Int64(v)
            let seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 3600) % 24, days = d / 86400
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(v) + "s"
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v) + prefix + "s"
    }

    /// Seconds since the epoch as a UTC time, at millisecond precision as Prometheus's `model.Time`.
    static func time(_ seconds: Double) throws -> GoTime {
        let ns = seconds * 1e9
        guard ns >= -9.223372036854775e18 && ns < 9.223372036854775e18 else {
            throw TemplateFunctionError("\(GoFormat.float(seconds)) cannot be represented as a nanoseconds timestamp since it overflows int64")
        }
        let ms = Int64(ns) / 1_000_000
        return GoTime(unixMs: ms)
    }

    static func sample(_ v: TemplateValue, _ function: String) throws -> QuerySample {
        guard case .object(let o) = v, let s = o as? QuerySample else {
            if case .nil = v { throw TemplateFunctionError("runtime error: invalid memory address or nil pointer dereference") }
            throw TemplateFunctionError("wrong type for value; expected *template.sample; got \(v.goTypeName)")
        }
        return s
    }

    /// Go's `net.SplitHostPort`: nil when `s` is not host:port.
    static func splitHostPort(_ s: String) -> (host: String, port: String)? {
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return nil }
            let after = s[s.index(after: close)...]
            guard after.hasPrefix(":") else { return nil }
            let port = after.dropFirst()
            guard !port.contains(":") else { return nil }
            return (String(s[s.index(after: s.startIndex)..<close]), String(port))
        }
        guard let colon = s.lastIndex(of: ":") else { return nil }
        let host = s[..<colon]
        guard !host.contains(":") else { return nil }  // too many colons
        return (String(host), String(s[s.index(after: colon)...]))
    }

    static func stripPort(_ s: String) -> String { splitHostPort(s)?.host ?? s }

    static func isIP(_ s: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }

    static func stripDomain(_ s: String) -> String {
        let split = splitHostPort(s)
        let host = split?.host ?? s
        if isIP(host) { return s }
        let first = String(host.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
        guard let port = split?.port, !port.isEmpty else { return first }
        return first.contains(":") ? "[\(first)]:\(port)" : "\(first):\(port)"
    }
}
