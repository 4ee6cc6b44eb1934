import Foundation
import OspreyCore

/// How OTLP metric, unit and attribute names become Prometheus names, as Prometheus's OTLP receiver
/// does with its default translation strategy (UnderscoreEscapingWithSuffixes): names escaped to
/// `[a-zA-Z0-9:_]`, unit suffixes and `_total` added.
enum OTLPNaming {
    /// What kind of Prometheus metric an OTLP metric becomes; it decides the suffixes.
    enum Kind {
        case gauge, monotonicCounter, nonMonotonicCounter, histogram, summary
    }

    /// OTLP (UCUM) units and their Prometheus names; units not listed are used as written.
    static let units: [String: String] = [
        "d": "days", "h": "hours", "min": "minutes", "s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds",
        "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes", "TiBy": "tibibytes",
        "KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
        "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts", "g": "grams",
        "Cel": "celsius", "Hz": "hertz", "1": "", "%": "percent",
    ]

    /// The denominators of `x/y` units (`By/s` → `bytes_per_second`).
    static let perUnits: [String: String] = [
        "s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
    ]

    static func isMetricChar(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x3A
    }

    static func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }

    /// The Prometheus metric family name, or nil when nothing of the name is left after escaping.
    /// `http.server.duration` in `s` as a histogram → `http_server_duration_seconds`;
    /// `requests` in `1` as a monotonic sum → `requests_total`; `cpu.utilization` in `1` as a gauge → `cpu_utilization_ratio`.
    static func metricName(_ name: String, unit: String, kind: Kind) -> String? {
        var tokens = name.utf8.split(whereSeparator: { !isMetricChar($0) }).map { String(decoding: $0, as: UTF8.self) }
        let (main, per) = unitSuffixes(unit)
        var mainSuffix = cleanUnit(main)
        var perSuffix = cleanUnit(per)
        if tokens.contains(mainSuffix) { mainSuffix = "" }
        if perSuffix == "per_" {
            perSuffix = ""
        } else {
            if perSuffix.hasSuffix("_") { perSuffix.removeLast() }
            if tokens.contains(perSuffix) { perSuffix = "" }
        }
        if !perSuffix.isEmpty, mainSuffix.hasSuffix("_") { mainSuffix.removeLast() }
        if !mainSuffix.isEmpty { tokens.append(mainSuffix) }
        if !perSuffix.isEmpty { tokens.append(perSuffix) }
        if kind == .monotonicCounter { tokens = tokens.filter { $0 != "total" } + ["total"] }
        if unit == "1" && kind == .gauge { tokens = tokens.filter { $0 != "ratio" } + ["ratio"] }
        var out = tokens.joined(separator: "_")
        if isDigit(out.utf8.first) { out = "_" + out }
        guard out.utf8.contains(where: { $0 != 0x5F }) else { return nil }
        return out
    }

    /// The main and per-unit parts of a unit: `By/s` → (`bytes`, `per_second`); parts in `{}` are annotations and dropped.
    static func unitSuffixes(_ unit: String) -> (String, String) {
        let parts = unit.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        var main = "", per = ""
        if let first = parts.first {
            let m = first.trimmingCharacters(in: .whitespaces)
            if !m.isEmpty && !m.contains(where: { $0 == "{" || $0 == "}" }) { main = units[m] ?? m }
        }
        if parts.count > 1 {
            let p = parts[1].trimmingCharacters(in: .whitespaces)
            if !p.isEmpty && !p.contains(where: { $0 == "{" || $0 == "}" }) { per = perUnits[p] ?? p }
            if !per.isEmpty { per = "per_" + per }
        }
        return (main, per)
    }

    /// Escapes a unit suffix: characters outside `[a-zA-Z0-9:]` become `_`, runs of `_` collapse, no leading `_`.
    static func cleanUnit(_ unit: String) -> String {
        var out: [UInt8] = []
        for b in unit.utf8 {
            let c = isMetricChar(b) ? b : 0x5F
            if c == 0x5F && out.last == 0x5F { continue }
            out.append(c)
        }
        if out.first == 0x5F { out.removeFirst() }
        return String(decoding: out, as: UTF8.self)
    }

    /// The Prometheus label name for an attribute key, or nil when the key is empty or only underscores.
    /// `http.method` → `http_method`; `2xx` → `key_2xx`; `__meta__` keeps its reserved `__` wrapping.
    static func labelName(_ key: String) -> String? {
        guard !key.isEmpty else { return nil }
        var bytes = Array(key.utf8)
        let reserved = bytes.count >= 4 && bytes.starts(with: [0x5F, 0x5F]) && bytes.suffix(2) == [0x5F, 0x5F]
        if reserved { bytes = Array(bytes[2..<(bytes.count - 2)]) }
        var out: [UInt8] = []
        // A multi-byte UTF-8 character becomes a single `_`, as a rune-wise replacement does.
        for b in bytes where b & 0xC0 != 0x80 {
            let valid = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
            if valid { out.append(b) } else if out.last != 0x5F { out.append(0x5F) }
        }
        var name = String(decoding: out, as: UTF8.self)
        if reserved { name = "__" + name + "__" }
        if isDigit(name.utf8.first) { name = "key_" + name }
        guard name.utf8.contains(where: { $0 != 0x5F }) else { return nil }
        return name
    }

    /// An attribute value as a label value: strings as they are, numbers and booleans as text,
    /// bytes in base64, arrays and key-value lists as JSON (keys sorted), as the OpenTelemetry
    /// Collector's `AsString` gives them to Prometheus.
    static func labelValue(_ v: OTLPAnyValue) -> String {
        switch v {
        case .empty: return ""
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return jsonNumber(d)
        case .bytes(let b): return Data(b).base64EncodedString()
        case .array, .kvlist:
            var out = ""
            appendJSON(v, to: &out)
            return out
        }
    }

    /// A double the way ECMAScript prints numbers: plain decimal between 1e-6 and 1e21, exponent outside.
    /// Non-finite values are not JSON; the text says so, as Go's encoder reports it.
    static func jsonNumber(_ d: Double) -> String {
        guard d.isFinite else {
            return "json: unsupported value: " + (d.isNaN ? "NaN" : d > 0 ? "+Inf" : "-Inf")
        }
        let a = abs(d)
        if a != 0 && (a < 1e-6 || a >= 1e21) {
            // Swift prints `1e-07`; ECMAScript style is `1e-7`.
            var s = "\(d)"
            if let e = s.firstIndex(of: "e") {
                var exponent = String(s[s.index(after: e)...])
                let sign = exponent.first == "-" ? "-" : "+"
                exponent = String(exponent.drop(while: { $0 == "-" || $0 == "+" || $0 == "0" }))
                s = String(s[..<e]).replacingOccurrences(of: ".0", with: "", options: [.anchored, .backwards]) + "e" + sign + exponent
            }
            return s
        }
        return formatPrometheusFloat(d)
    }

    static func appendJSON(_ v: OTLPAnyValue, to out: inout String) {
        switch v {
        case .empty: out += "null"
        case .string(let s): appendJSONString(s, to: &out)
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? jsonNumber(d) : "null"
        case .bytes(let b): appendJSONString(Data(b).base64EncodedString(), to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                appendJSON(item, to: &out)
            }
            out += "]"
        case .kvlist(let pairs):
            out += "{"
            // Later duplicates win, keys sorted bytewise, as a map marshalled to JSON.
            var map: [String: OTLPAnyValue] = [:]
            for p in pairs { map[p.key] = p.value }
            for (i, key) in map.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out += "," }
                appendJSONString(key, to: &out)
                out += ":"
                appendJSON(map[key]!, to: &out)
            }
            out += "}"
        }
    }
}
