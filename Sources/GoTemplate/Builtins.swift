import Foundation

/// Go's predefined template functions. `and`/`or` (lazy) and `call` are special-cased by the executor;
/// the entries here exist so the parser knows their names and so they can be called directly.
enum Builtins {
    static let functions: FunctionSet = [
        "and": TemplateFunction(minArguments: 1, maxArguments: nil) { a in a.first { !$0.isTrue } ?? a.last! },
        "or": TemplateFunction(minArguments: 1, maxArguments: nil) { a in a.first { $0.isTrue } ?? a.last! },
        "not": TemplateFunction(arity: 1) { a in .bool(!a[0].isTrue) },
        "call": TemplateFunction(minArguments: 1, maxArguments: nil) { a in try call(a) },
        "len": TemplateFunction(arity: 1) { a in try length(a[0]) },
        "index": TemplateFunction(minArguments: 1, maxArguments: nil) { a in try index(a[0], Array(a.dropFirst())) },
        "slice": TemplateFunction(minArguments: 1, maxArguments: nil) { a in try slice(a[0], Array(a.dropFirst())) },
        "print": TemplateFunction(minArguments: 0, maxArguments: nil) { a in .string(GoFormat.sprint(a)) },
        "println": TemplateFunction(minArguments: 0, maxArguments: nil) { a in .string(GoFormat.sprintln(a)) },
        "printf": TemplateFunction(minArguments: 1, maxArguments: nil) { a in
            guard let format = a[0].stringValue else {
                throw TemplateFunctionError("wrong type for value; expected string; got \(a[0].goTypeName)")
            }
            return .string(GoPrintf.format(format, Array(a.dropFirst())))
        },
        "html": TemplateFunction(minArguments: 0, maxArguments: nil) { a in .string(htmlEscape(joinArgs(a), escapePlus: false)) },
        "js": TemplateFunction(minArguments: 0, maxArguments: nil) { a in .string(jsEscape(joinArgs(a))) },
        "urlquery": TemplateFunction(minArguments: 0, maxArguments: nil) { a in .string(queryEscape(joinArgs(a))) },
        "eq": TemplateFunction(minArguments: 1, maxArguments: nil) { a in .bool(try equal(a[0], Array(a.dropFirst()))) },
        "ne": TemplateFunction(arity: 2) { a in .bool(!(try equal(a[0], [a[1]]))) },
        "lt": TemplateFunction(arity: 2) { a in .bool(try less(a[0], a[1])) },
        "le": TemplateFunction(arity: 2) { a in .bool(try less(a[0], a[1]) || equal(a[0], [a[1]])) },
        "gt": TemplateFunction(arity: 2) { a in .bool(!(try less(a[0], a[1]) || equal(a[0], [a[1]]))) },
        "ge": TemplateFunction(arity: 2) { a in .bool(!(try less(a[0], a[1]))) },
    ]

    /// Go's evalArgs for html/js/urlquery: a single string as is, else `fmt.Sprint` of all.
    static func joinArgs(_ a: [TemplateValue]) -> String {
        if a.count == 1, let s = a[0].stringValue { return s }
        return GoFormat.sprint(a)
    }

    static func call(_ a: [TemplateValue]) throws -> TemplateValue {
        guard case .function(let f) = a[0].resolved else {
            if case .nil = a[0] { throw TemplateFunctionError("call of nil") }
            throw TemplateFunctionError("non-function of type \(a[0].goTypeName)")
        }
        return try f.call("call", Array(a.dropFirst()))
    }

    static func length(_ v: TemplateValue) throws -> TemplateValue {
        switch v.resolved {
        case .string(let s), .safeHTML(let s): return .int(s.utf8.count)
        case .list(let l): return .int(l.count)
        case .map(let m): return .int(m.count)
        case .nil, .noValue: throw TemplateFunctionError("len of nil pointer")
        default: throw TemplateFunctionError("len of type \(v.goTypeName)")
        }
    }

    private static func intIndex(_ v: TemplateValue, _ what: String) throws -> Int {
        switch v.resolved {
        case .int(let i): return i
        case .duration(let d): return Int(d)
        case .nil, .noValue: throw TemplateFunctionError("cannot index \(what) with nil")
        default: throw TemplateFunctionError("cannot index \(what) with type \(v.goTypeName)")
        }
    }

    static func index(_ item: TemplateValue, _ indexes: [TemplateValue]) throws -> TemplateValue {
        var v = item
        for i in indexes {
            switch v.resolved {
            case .list(let l):
                let n = try intIndex(i, "slice/array")
                guard n >= 0 && n < l.count else { throw TemplateFunctionError("index out of range: \(n)") }
                v = l[n]
            case .string(let s), .safeHTML(let s):
                let n = try intIndex(i, "slice/array")
                let bytes = Array(s.utf8)
                guard n >= 0 && n < bytes.count else { throw TemplateFunctionError("index out of range: \(n)") }
                v = .int(Int(bytes[n]))
            case .map(let m):
                guard let key = i.stringValue else {
                    if case .nil = i { return .noValue }
                    throw TemplateFunctionError("value has type \(i.goTypeName); should be string")
                }
                if let found = m[key] { v = found } else {
                    // Go returns the element type's zero value: "" for the string maps labels are.
                    return m.values.allSatisfy({ if case .string = $0 { true } else { false } }) ? .string("") : .noValue
                }
            case .nil, .noValue: throw TemplateFunctionError("index of untyped nil")
            default: throw TemplateFunctionError("can't index item of type \(v.goTypeName)")
            }
        }
        return v
    }

    static func slice(_ item: TemplateValue, _ indexes: [TemplateValue]) throws -> TemplateValue {
        var count: Int
        switch item.resolved {
        case .list(let l): count = l.count
        case .string(let s), .safeHTML(let s):
            count = s.utf8.count
            if indexes.count == 3 { throw TemplateFunctionError("cannot 3-index slice a string") }
        case .nil, .noValue: throw TemplateFunctionError("slice of untyped nil")
        default: throw TemplateFunctionError("can't slice item of type \(item.goTypeName)")
        }
        guard indexes.count <= 3 else { throw TemplateFunctionError("too many slice indexes: \(indexes.count)") }
        var idx = [0, count, count]
        for (k, i) in indexes.enumerated() {
            let n = try intIndex(i, "slice/array")
            guard n >= 0 && n <= count else { throw TemplateFunctionError("index out of range: \(n)") }
            idx[k] = n
        }
        if indexes.count < 2 { idx[1] = count }
        guard idx[0] <= idx[1] else { throw TemplateFunctionError("invalid slice index: \(idx[0]) > \(idx[1])") }
        if indexes.count == 3, idx[1] > idx[2] { throw TemplateFunctionError("invalid slice index: \(idx[1]) > \(idx[2])") }
        switch item.resolved {
        case .list(let l): return .list(Array(l[idx[0]..<idx[1]]))
        case .string(let s): return .string(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        case .safeHTML(let s): return .safeHTML(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        default: return .noValue
        }
    }

    // MARK: comparison (Go's eq/lt: same basic kind only; int and float do not mix)

    enum Kind { case bool, int, float, string, other, none }

    static func kind(_ v: TemplateValue) -> Kind {
        switch v.resolved {
        case .bool: return .bool
        case .int, .duration: return .int
        case .float: return .float
        case .string, .safeHTML: return .string
        case .nil, .noValue: return .none
        default: return .other
        }
    }

    static func equal(_ a: TemplateValue, _ others: [TemplateValue]) throws -> Bool {
        guard !others.isEmpty else { throw TemplateFunctionError("missing argument for comparison") }
        let k1 = kind(a)
        for b in others {
            let k2 = kind(b)
            if k1 != k2 {
                if k1 != .none && k2 != .none { throw TemplateFunctionError("incompatible types for comparison") }
                continue
            }
            switch (a.resolved, b.resolved) {
            case (.bool(let x), .bool(let y)): if x == y { return true }
            case (.float(let x), .float(let y)): if x == y { return true }
            case (.string(let x), _), (.safeHTML(let x), _): if x == b.stringValue { return true }
            case (.nil, _), (.noValue, _): return true
            case (.time(let x), .time(let y)): if x == y { return true }
            default:
                if let x = intValue(a), let y = intValue(b) {
                    if x == y { return true }
                } else {
                    throw TemplateFunctionError("non-comparable types \(GoFormat.value(a)): \(a.goTypeName), \(b.goTypeName): \(GoFormat.value(b))")
                }
            }
        }
        return false
    }

    private static func intValue(_ v: TemplateValue) -> Int64? {
        switch v.resolved {
        case .int(let i): return Int64(i)
        case .duration(let d): return d
        default: return nil
        }
    }

    static func less(_ a: TemplateValue, _ b: TemplateValue) throws -> Bool {
        let k1 = kind(a), k2 = kind(b)
        guard k1 == .int || k1 == .float || k1 == .string, k2 == .int || k2 == .float || k2 == .string else {
            throw TemplateFunctionError("invalid type for comparison")
        }
        guard k1 == k2 else { throw TemplateFunctionError("incompatible types for comparison") }
        switch (a.resolved, b.resolved) {
        case (.float(let x), .float(let y)): return x < y
        default:
            if let x = intValue(a), let y = intValue(b) { return x < y }
            return a.stringValue!.utf8.lexicographicallyPrecedes(b.stringValue!.utf8)
        }
    }
}

/// Go's HTML escaping: text/template's `html` (`<>&'"`, NUL) and, with `escapePlus`, html/template's
/// text-context escaper (which also escapes `+`).
func htmlEscape(_ s: String, escapePlus: Bool) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for u in s.unicodeScalars {
        switch u {
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "&": out += "&amp;"
        case "'": out += "&#39;"
        case "\"": out += "&#34;"
        case "+" where escapePlus: out += "&#43;"
        case "\u{0}": out += "\u{FFFD}"
        default: out.unicodeScalars.append(u)
        }
    }
    return out
}

/// Go's `template.JSEscapeString`.
func jsEscape(_ s: String) -> String {
    var out = ""
    let hex = Array("0123456789ABCDEF")
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "'": out += "\\'"
        case "\"": out += "\\\""
        case "<": out += "\\u003C"
        case ">": out += "\\u003E"
        case "&": out += "\\u0026"
        case "=": out += "\\u003D"
        default:
            if u.value < 0x20 {
                out += "\\u00" + String(hex[Int(u.value >> 4)]) + String(hex[Int(u.value & 0xF)])
            } else if u.value >= 0x80 && !isGoPrintable(u) {
                let h = String(u.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - h.count)) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out
}

/// Go's `url.QueryEscape`: unreserved bytes kept, space as `+`, everything else `%XX`.
func queryEscape(_ s: String) -> String {
    var out = ""
    let hex = Array("0123456789ABCDEF")
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        case UInt8(ascii: " "): out += "+"
        default: out += "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
        }
    }
    return out
}
