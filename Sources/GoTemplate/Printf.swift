import Foundation

/// Go's `fmt.Sprintf` over template values: verbs `%v %s %d %f %F %e %E %g %G %x %X %o %O %b %t %c %q %U %T %%`,
/// flags `-+# 0`, width and precision (also `*` and `[n]` argument indexes), and Go's error forms
/// (`%!d(string=x)`, `%!v(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`, `%!(BADWIDTH)`).
enum GoPrintf {
    struct Spec {
        var minus = false, plus = false, sharp = false, space = false, zero = false
        var width: Int?
        var precision: Int?
    }

    static func format(_ format: String, _ args: [TemplateValue]) -> String {
        let f = Array(format.unicodeScalars)
        var out = ""
        var argIndex = 0
        var reordered = false
        var i = 0
        func readNumber() -> Int? {
            var n = 0
            var any = false
            while i < f.count, ("0"..."9").contains(f[i]) {
                n = min(n * 10 + Int(f[i].value - 48), Limits.formatWidthMax + 1)
                any = true
                i += 1
            }
            return any ? n : nil
        }
        func readIndex() -> Bool {
            // `[n]`: the next argument is argument n (1-based).
            guard i < f.count, f[i] == "[" else { return true }
            i += 1
            guard let n = readNumber(), i < f.count, f[i] == "]", n >= 1 else {
                while i < f.count && f[i] != "]" { i += 1 }
                i += 1
                return false
            }
            i += 1
            argIndex = n - 1
            reordered = true
            return true
        }
        while i < f.count {
            let c = f[i]
            if c != "%" { out.unicodeScalars.append(c); i += 1; continue }
            i += 1
            var spec = Spec()
            flags: while i < f.count {
                switch f[i] {
                case "-": spec.minus = true; spec.zero = false
                case "+": spec.plus = true
                case "#": spec.sharp = true
                case " ": spec.space = true
                case "0": spec.zero = !spec.minus
                default: break flags
                }
                i += 1
            }
            var goodIndex = readIndex()
            if i < f.count, f[i] == "*" {
                i += 1
                if argIndex < args.count, case .int(let w) = args[argIndex].resolved, abs(w) <= Limits.formatWidthMax {
                    spec.width = abs(w)
                    if w < 0 { spec.minus = true; spec.zero = false }
                } else {
                    out += "%!(BADWIDTH)"
                }
                argIndex += 1
                goodIndex = readIndex() && goodIndex
            } else if let w = readNumber() {
                if w > Limits.formatWidthMax { out += "%!(BADWIDTH)" } else { spec.width = w }
            }
            if i < f.count, f[i] == "." {
                i += 1
                goodIndex = readIndex() && goodIndex
                if i < f.count, f[i] == "*" {
                    i += 1
                    if argIndex < args.count, case .int(let p) = args[argIndex].resolved, p >= 0, p <= Limits.formatWidthMax {
                        spec.precision = p
                    } else {
                        out += "%!(BADPREC)"
                    }
                    argIndex += 1
                    goodIndex = readIndex() && goodIndex
                } else {
                    let p = readNumber() ?? 0
                    if p > Limits.formatWidthMax { out += "%!(BADPREC)" } else { spec.precision = p }
                }
            }
            if !spec.minus && spec.zero == false, spec.width == nil { }
            goodIndex = readIndex() && goodIndex
            guard i < f.count else { out += "%!(NOVERB)"; break }
            let verb = f[i]
            i += 1
            if verb == "%" { out += "%"; continue }
            guard goodIndex else { out += "%!\(verb)(BADINDEX)"; continue }
            guard argIndex < args.count else { out += "%!\(verb)(MISSING)"; continue }
            let arg = args[argIndex]
            argIndex += 1
            out += formatOne(arg, verb, spec)
        }
        if !reordered && argIndex < args.count {
            out += "%!(EXTRA " + args[argIndex...].map { a -> String in
                if case .nil = a { return "<nil>" }
                if case .noValue = a { return "<nil>" }
                return "\(a.goTypeName)=\(GoFormat.value(a, nested: true))"
            }.joined(separator: ", ") + ")"
        }
        return out
    }

    static func bad(_ verb: Unicode.Scalar, _ v: TemplateValue) -> String {
        switch v {
        case .nil, .noValue: return "%!\(verb)(<nil>)"
        default: return "%!\(verb)(\(v.goTypeName)=\(GoFormat.value(v, nested: true)))"
        }
    }

    static func pad(_ s: String, _ spec: Spec, zeroAllowed: Bool = true) -> String {
        guard let w = spec.width else { return s }
        let n = s.unicodeScalars.count
        guard n < w else { return s }
        let fill = w - n
        if spec.minus { return s + String(repeating: " ", count: fill) }
        if spec.zero && zeroAllowed {
            // Zeros go after a sign.
            if let first = s.first, first == "-" || first == "+" || first == " " {
                return String(first) + String(repeating: "0", count: fill) + s.dropFirst()
            }
            return String(repeating: "0", count: fill) + s
        }
        return String(repeating: " ", count: fill) + s
    }

    static func formatOne(_ value: TemplateValue, _ verb: Unicode.Scalar, _ spec: Spec) -> String {
        if verb == "T" { return pad(value.goTypeName, spec, zeroAllowed: false) }
        let v = value.resolved
        // Stringers (time, duration, opaque objects) print through their text for %v %s %q %x %X.
        switch v {
        case .time, .object:
            if "vsqxX".unicodeScalars.contains(verb) { return formatString(GoFormat.value(v), verb, spec) ?? bad(verb, value) }
            return bad(verb, value)
        case .duration(let d):
            if "vsqxX".unicodeScalars.contains(verb) { return formatString(GoDuration.string(d), verb, spec) ?? bad(verb, value) }
            return formatInt(Int(d), verb, spec) ?? bad(verb, value)
        default: break
        }
        switch v {
        case .nil, .noValue:
            return verb == "v" ? pad("<nil>", spec, zeroAllowed: false) : bad(verb, value)
        case .bool(let b):
            return verb == "v" || verb == "t" ? pad(b ? "true" : "false", spec, zeroAllowed: false) : bad(verb, value)
        case .int(let n):
            return formatInt(n, verb, spec) ?? bad(verb, value)
        case .float(let x):
            return formatFloat(x, verb, spec) ?? bad(verb, value)
        case .string(let s), .safeHTML(let s):
            return formatString(s, verb, spec) ?? bad(verb, value)
        case .list(let l):
            if verb == "s" || verb == "q" || verb == "v" || verb == "d" || verb == "x" || verb == "X" || verb == "f" || verb == "g" || verb == "e" || verb == "t" {
                return "[" + l.map { formatOne($0, verb, spec) }.joined(separator: " ") + "]"
            }
            return bad(verb, value)
        case .map(let m):
            return "map[" + m.keys.sorted().map { formatString($0, verb, spec) ?? bad(verb, .string($0)) }
                .enumerated().map { "\($0.element):\(formatOne(m[m.keys.sorted()[$0.offset]]!, verb, spec))" }
                .joined(separator: " ") + "]"
        case .function:
            return verb == "v" ? "<func>" : bad(verb, value)
        default:
            return bad(verb, value)
        }
    }

    static func formatInt(_ n: Int, _ verb: Unicode.Scalar, _ spec: Spec) -> String? {
        let radix: Int
        var prefix = ""
        switch verb {
        case "d", "v": radix = 10
        case "b": radix = 2; if spec.sharp { prefix = "0b" }
        case "o": radix = 8; if spec.sharp { prefix = "0" }
        case "O": radix = 8; prefix = "0o"
        case "x": radix = 16; if spec.sharp { prefix = "0x" }
        case "X": radix = 16; if spec.sharp { prefix = "0X" }
        case "c":
            let s = Unicode.Scalar(UInt32(truncatingIfNeeded: max(0, n))).map { String(Character($0)) } ?? "\u{FFFD}"
            return pad(s, spec, zeroAllowed: false)
        case "q":
            let s = Unicode.Scalar(UInt32(truncatingIfNeeded: max(0, n))).map { String($0) } ?? "\u{FFFD}"
            return pad(goQuote(s, quote: "'", asciiOnly: spec.plus), spec, zeroAllowed: false)
        case "U":
            let h = String(n.magnitude, radix: 16, uppercase: true)
            var s = "U+" + String(repeating: "0", count: max(0, 4 - h.count)) + h
            if spec.sharp, let u = Unicode.Scalar(UInt32(truncatingIfNeeded: n)) { s += " '\(Character(u))'" }
            return pad(s, spec, zeroAllowed: false)
        default: return nil
        }
        var digits = String(n.magnitude, radix: radix, uppercase: verb == "X")
        if let p = spec.precision {
            if p == 0 && n == 0 { digits = "" }
            if digits.count < p { digits = String(repeating: "0", count: p - digits.count) + digits }
        }
        let sign = n < 0 ? "-" : spec.plus ? "+" : spec.space ? " " : ""
        var s = digits
        if spec.zero, !spec.minus, spec.precision == nil, let w = spec.width {
            let fill = w - sign.count - prefix.count - s.count
            if fill > 0 { s = String(repeating: "0", count: fill) + s }
        }
        return pad(sign + prefix + s, spec, zeroAllowed: false)
    }

    static func formatFloat(_ x: Double, _ verb: Unicode.Scalar, _ spec: Spec) -> String? {
        var s: String
        if x.isNaN || x.isInfinite {
            guard "vfFeEgGxXb".unicodeScalars.contains(verb) else { return nil }
            s = x.isNaN ? (spec.plus ? "+NaN" : spec.space ? " NaN" : "NaN") : x < 0 ? "-Inf" : (spec.plus ? "+Inf" : spec.space ? " Inf" : "+Inf")
            if x == .infinity && !spec.plus && !spec.space { s = verb == "v" ? "+Inf" : "+Inf" }
            return pad(s, spec, zeroAllowed: false)
        }
        switch verb {
        case "v", "g", "G":
            if let p = spec.precision {
                s = String(format: "%.\(max(p, 1))\(verb == "G" ? "G" : "g")", x)
                if p == 0 { s = String(format: "%.1\(verb == "G" ? "G" : "g")", x) }
            } else {
                s = GoFormat.float(x)
                if verb == "G" { s = s.uppercased() }
            }
        case "f", "F": s = String(format: "%.\(spec.precision ?? 6)f", x)
        case "e", "E": s = String(format: "%.\(spec.precision ?? 6)\(verb)", x)
        case "x", "X": s = String(format: spec.precision.map { "%.\($0)\(verb == "x" ? "a" : "A")" } ?? (verb == "x" ? "%a" : "%A"), x)
        default: return nil
        }
        if !s.hasPrefix("-") {
            if spec.plus { s = "+" + s } else if spec.space { s = " " + s }
        }
        return pad(s, spec)
    }

    static func formatString(_ str: String, _ verb: Unicode.Scalar, _ spec: Spec) -> String? {
        var s = str
        if let p = spec.precision, verb == "s" || verb == "v" || verb == "q" {
            s = String(String.UnicodeScalarView(s.unicodeScalars.prefix(p)))
        }
        switch verb {
        case "s", "v": return pad(s, spec)
        case "q":
            if spec.sharp, !s.contains("`"), s.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }) {
                return pad("`" + s + "`", spec)
            }
            return pad(goQuote(s, asciiOnly: spec.plus), spec)
        case "x", "X":
            var bytes = Array(s.utf8)
            if let p = spec.precision { bytes = Array(bytes.prefix(p)) }
            let parts = bytes.map { b -> String in
                let h = String(b, radix: 16, uppercase: verb == "X")
                return (h.count < 2 ? "0" : "") + h
            }
            let prefix = spec.sharp ? (verb == "x" ? "0x" : "0X") : ""
            let body = spec.space ? parts.map { prefix + $0 }.joined(separator: " ") : prefix + parts.joined()
            return pad(body, spec)
        default: return nil
        }
    }
}
