import Foundation
import OspreyCore

extension Dictionary where Key == String, Value == TemplateFunction {
    /// Alertmanager's notification template functions. `since` reads `clock` (tests pass a ManualClock).
    public static func alertmanager(clock: any Clock = SystemClock()) -> FunctionSet {
        [
            "toUpper": TemplateFunction(arity: 1) { a in .string(TextFunctions.upper(try a.string(0))) },
            "toLower": TemplateFunction(arity: 1) { a in .string(TextFunctions.lower(try a.string(0))) },
            "title": TemplateFunction(arity: 1) { a in .string(TextFunctions.casesTitle(try a.string(0), lowerRest: true)) },
            "trimSpace": TemplateFunction(arity: 1) { a in .string(TextFunctions.trimSpace(try a.string(0))) },
            "join": TemplateFunction(arity: 2) { a in
                let sep = try a.string(0)
                guard case .list(let l) = a[1].resolved else {
                    throw TemplateFunctionError("wrong type for value; expected []string; got \(a[1].goTypeName)")
                }
                var parts: [String] = []
                for v in l {
                    guard let s = v.stringValue else {
                        throw TemplateFunctionError("wrong type for value; expected []string; got \(a[1].goTypeName)")
                    }
                    parts.append(s)
                }
                return .string(parts.joined(separator: sep))
            },
            "match": TemplateFunction(arity: 2) { a in .bool(try TextFunctions.match(a.string(0), a.string(1))) },
            "safeHtml": TemplateFunction(arity: 1) { a in .safeHTML(try a.string(0)) },
            "safeUrl": TemplateFunction(arity: 1) { a in .string(try a.string(0)) },
            "urlUnescape": TemplateFunction(arity: 1) { a in .string(try AlertmanagerFormat.queryUnescape(a.string(0))) },
            "reReplaceAll": TemplateFunction(arity: 3) { a in .string(try TextFunctions.replaceAll(a.string(0), a.string(1), a.string(2))) },
            "stringSlice": TemplateFunction(minArguments: 0, maxArguments: nil) { a in
                var out: [TemplateValue] = []
                for i in a.indices { out.append(.string(try a.string(i))) }
                return .list(out)
            },
            "date": TemplateFunction(arity: 2) { a in .string(try a.time(1).format(a.string(0))) },
            "tz": TemplateFunction(arity: 2) { a in
                let name = try a.string(0)
                let zone: TimeZone?
                switch name {
                case "", "UTC": zone = GoTime.utc
                case "Local": zone = TimeZone.current
                default: zone = TimeZone(identifier: name)
                }
                guard let zone else { throw TemplateFunctionError("unknown time zone \(name)") }
                return .time(try a.time(1).in(zone))
            },
            "since": TemplateFunction(arity: 1) { a in
                let now = GoTime(unixMs: clock.nowMs())
                return .duration(now.sub(try a.time(0)))
            },
            "humanizeDuration": TemplateFunction(arity: 1) { a in .string(PrometheusFormat.humanizeDuration(try a.float(0))) },
            "toJson": TemplateFunction(arity: 1) { a in .string(AlertmanagerFormat.json(a[0])) },
        ]
    }
}

enum AlertmanagerFormat {
    /// Go's `url.QueryUnescape`.
    static func queryUnescape(_ s: String) throws -> String {
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            switch u[i] {
            case UInt8(ascii: "+"): bytes.append(0x20); i += 1
            case UInt8(ascii: "%"):
                guard i + 2 < u.count,
                      let h = UInt8(String(decoding: u[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) else {
                    let bad = String(decoding: u[i..<min(i + 3, u.count)], as: UTF8.self)
                    throw TemplateFunctionError("invalid URL escape \(goQuote(bad))")
                }
                bytes.append(h)
                i += 3
            default: bytes.append(u[i]); i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `json.Marshal` of a value (maps with sorted keys, HTML characters escaped as Go does).
    static func json(_ v: TemplateValue) -> String {
        switch v.resolved {
        case .noValue, .nil, .function: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let f): return f.isFinite ? GoFormat.float(f) : "null"
        case .string(let s), .safeHTML(let s): return jsonString(s)
        case .list(let l): return "[" + l.map(json).joined(separator: ",") + "]"
        case .map(let m): return "{" + m.keys.sorted().map { jsonString($0) + ":" + json(m[$0]!) }.joined(separator: ",") + "}"
        case .time(let t): return jsonString(t.format("2006-01-02T15:04:05.999999999Z07:00"))
        case .duration(let d): return String(d)
        case .object(let o): return jsonString(o.description)
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = ""
        appendJSONString(s, to: &out)
        return out
    }
}
