import Foundation

/// Go's fmt printing of template values: `fmt.Sprint` for actions and `print`, `%v` inside `printf`.
enum GoFormat {
    /// The shortest decimal digits that round-trip `v` (v finite, > 0) and the decimal exponent:
    /// v = 0.d1d2d3… × 10^exponent.
    static func shortestDigits(_ v: Double) -> (digits: [UInt8], exponent: Int) {
        let s = "\(v)"  // Swift prints the shortest round-trip form, as Go's strconv does
        var mantissa = Substring(s)
        var exp = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = s[..<e]
            exp = Int(s[s.index(after: e)...]) ?? 0
        }
        var digits: [UInt8] = []
        var pointAt = 0
        var seenPoint = false
        for c in mantissa.utf8 {
            if c == UInt8(ascii: ".") { seenPoint = true; continue }
            digits.append(c)
            if !seenPoint { pointAt += 1 }
        }
        // Drop leading zeros (moving the point) and trailing zeros.
        while digits.count > 1 && digits.first == UInt8(ascii: "0") { digits.removeFirst(); pointAt -= 1 }
        while digits.count > 1 && digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, pointAt + exp)
    }

    /// Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which `%v` and `fmt.Sprint` use: the shortest digits that
    /// round-trip, in exponent form when the decimal exponent is below -4 or at least 6
    /// (1000000 → `1e+06`, 123456 → `123456`, 0.0001 → `0.0001`, 0.00001 → `1e-05`).
    static func float(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v == .infinity { return "+Inf" }
        if v == -.infinity { return "-Inf" }
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let (digits, point) = shortestDigits(abs(v))
        let sign = v < 0 ? "-" : ""
        let exp = point - 1
        let eprec = 6
        if exp < -4 || exp >= eprec {
            var m = String(decoding: digits.prefix(1), as: UTF8.self)
            if digits.count > 1 { m += "." + String(decoding: digits.dropFirst(), as: UTF8.self) }
            return sign + m + "e" + (exp < 0 ? "-" : "+") + (abs(exp) < 10 ? "0" : "") + String(abs(exp))
        }
        let d = String(decoding: digits, as: UTF8.self)
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + d }
        if point >= digits.count { return sign + d + String(repeating: "0", count: point - digits.count) }
        let i = d.index(d.startIndex, offsetBy: point)
        return sign + d[..<i] + "." + d[i...]
    }

    /// `fmt.Sprint` of one value (`%v`).
    static func value(_ v: TemplateValue, nested: Bool = false) -> String {
        switch v {
        case .noValue: return nested ? "<nil>" : "<no value>"
        case .nil: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let f): return float(f)
        case .string(let s), .safeHTML(let s): return s
        case .list(let l): return "[" + l.map { value($0, nested: true) }.joined(separator: " ") + "]"
        case .map(let m):
            return "map[" + m.keys.sorted().map { "\($0):\(value(m[$0]!, nested: true))" }.joined(separator: " ") + "]"
        case .object(let o):
            if case .noValue = o.underlying { return o.description }
            return value(o.underlying, nested: nested)
        case .time(let t): return t.description
        case .duration(let d): return GoDuration.string(d)
        case .function: return "<func>"
        }
    }

    /// `fmt.Sprint(args...)`: a space between two operands when neither is a string.
    static func sprint(_ args: [TemplateValue]) -> String {
        var out = ""
        var previousIsString = false
        for (i, a) in args.enumerated() {
            let isString = a.stringValue != nil
            if i > 0 && !isString && !previousIsString { out += " " }
            out += value(a, nested: true)
            previousIsString = isString
        }
        return out
    }

    /// `fmt.Sprintln(args...)`: spaces between all operands, then a newline.
    static func sprintln(_ args: [TemplateValue]) -> String {
        args.map { value($0, nested: true) }.joined(separator: " ") + "\n"
    }
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
enum GoDuration {
    static func string(_ d: Int64) -> String {
        if d == 0 { return "0s" }
        let negative = d < 0
        let u = d.magnitude
        var out: String
        if u < 1_000_000_000 {
            // Sub-second: ns, µs or ms with a fraction.
            let (unit, scale): (String, UInt64) = u < 1_000 ? ("ns", 1) : u < 1_000_000 ? ("µs", 1_000) : ("ms", 1_000_000)
            out = fraction(u, scale) + unit
        } else {
            let totalSeconds = u / 1_000_000_000
            let h = totalSeconds / 3600
            let m = (totalSeconds / 60) % 60
            let secs = fraction(u % 60_000_000_000, 1_000_000_000) + "s"
            out = h > 0 ? "\(h)h\(m)m\(secs)" : m > 0 ? "\(m)m\(secs)" : secs
        }
        return negative ? "-" + out : out
    }

    /// v/scale with the fraction's trailing zeros removed.
    private static func fraction(_ v: UInt64, _ scale: UInt64) -> String {
        let whole = v / scale
        var frac = v % scale
        guard frac > 0 else { return String(whole) }
        var width = String(scale).count - 1
        while frac % 10 == 0 { frac /= 10; width -= 1 }
        let f = String(frac)
        return "\(whole)." + String(repeating: "0", count: width - f.count) + f
    }
}
