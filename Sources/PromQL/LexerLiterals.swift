import Foundation
import OspreyCore

// Literal values of PromQL tokens (numbers, durations, strings) and the quoting Prometheus uses when it
// prints them back, so error messages and formatted queries read the same as Prometheus's.

/// A duration literal that is not valid, worded as Prometheus words it.
struct DurationSyntaxError: Error {
    let message: String
}

enum Literals {
    /// Go's `strconv.ParseInt(s, 0, 64)` then `ParseFloat`: `0x1F`, `017` (octal), `1_000`, `1e3`, `.5`, `Inf`, `NaN`.
    static func number(_ text: String) -> Double? {
        let lower = text.lowercased()
        if lower == "inf" || lower == "+inf" { return .infinity }
        if lower == "-inf" { return -.infinity }
        if lower == "nan" { return .nan }
        if let i = parseGoInt(text) { return Double(i) }
        let plain = text.replacingOccurrences(of: "_", with: "")
        if text.contains("_") && !underscoresBetweenDigits(text) { return nil }
        guard !plain.isEmpty, plain.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }) else { return nil }
        // Go reports overflow instead of rounding to infinity.
        guard let v = Double(plain), v.isFinite else { return nil }
        return v
    }

    private static func underscoresBetweenDigits(_ s: String) -> Bool {
        let b = Array(s.utf8)
        for (i, c) in b.enumerated() where c == UInt8(ascii: "_") {
            guard i > 0, i + 1 < b.count else { return false }
            let before = b[i - 1], after = b[i + 1]
            let okBefore = isDigit(before) || hexValue(before) != nil || before == UInt8(ascii: "x") || before == UInt8(ascii: "X")
            guard okBefore, hexValue(after) != nil else { return false }
        }
        return true
    }

    private static func parseGoInt(_ text: String) -> Int64? {
        if text.contains("_") && !underscoresBetweenDigits(text) { return nil }
        var s = Substring(text.replacingOccurrences(of: "_", with: ""))
        var radix = 10
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            radix = 16
            s = s.dropFirst(2)
        } else if s.hasPrefix("0b") || s.hasPrefix("0B") {
            radix = 2
            s = s.dropFirst(2)
        } else if s.hasPrefix("0o") || s.hasPrefix("0O") {
            radix = 8
            s = s.dropFirst(2)
        } else if s.count > 1 && s.hasPrefix("0") {
            radix = 8
            s = s.dropFirst()
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isHexDigit }) else { return nil }
        return Int64(s, radix: radix)
    }

    static let durationUnits: [(String, Int64)] = [
        ("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Prometheus's duration syntax (`1h30m`, `5m`, `500ms`, `0`): units largest first, each at most once; milliseconds.
    static func duration(_ text: String) throws -> Int64 {
        if text.isEmpty { throw DurationSyntaxError(message: "empty duration string") }
        if text == "0" { return 0 }
        let b = Array(text.utf8)
        var i = 0
        var total: Int64 = 0
        var lastUnit = -1
        while i < b.count {
            let digitsStart = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard i > digitsStart, let n = Int64(String(decoding: b[digitsStart..<i], as: UTF8.self)) else {
                throw DurationSyntaxError(message: "not a valid duration string: \(goQuote(text))")
            }
            let unitStart = i
            while i < b.count, !isDigit(b[i]) { i += 1 }
            let unit = String(decoding: b[unitStart..<i], as: UTF8.self)
            guard let rank = durationUnits.firstIndex(where: { $0.0 == unit }) else {
                if unit.isEmpty { throw DurationSyntaxError(message: "not a valid duration string: \(goQuote(text))") }
                throw DurationSyntaxError(message: "unknown unit \(goQuote(unit)) in duration \(goQuote(text))")
            }
            guard rank > lastUnit else { throw DurationSyntaxError(message: "not a valid duration string: \(goQuote(text))") }
            lastUnit = rank
            let (m, o1) = n.multipliedReportingOverflow(by: durationUnits[rank].1)
            let (sum, o2) = total.addingReportingOverflow(m)
            guard !o1, !o2, sum <= Int64.max / 1_000_000 else { throw DurationSyntaxError(message: "duration out of range") }
            total = sum
        }
        return total
    }

    /// Prometheus's duration printing (`model.Duration.String`): `1d2h`, `90d`, `1m30s`, `0s`;
    /// years and weeks only when they divide evenly.
    static func formatDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        if ms < 0 { return "-" + formatDuration(ms == Int64.min ? Int64.max : -ms) }
        var rest = ms
        var out = ""
        for (unit, size) in durationUnits {
            if (unit == "y" || unit == "w") && rest % size != 0 { continue }
            let v = rest / size
            if v > 0 {
                out += "\(v)\(unit)"
                rest -= v * size
            }
        }
        return out
    }

    /// Decodes a string token (with its quotes) as Go's `strconv.Unquote` does, for all three quote styles.
    static func unquote(_ token: String) throws -> String {
        var b = Array(token.utf8)
        guard b.count >= 2 else { throw DurationSyntaxError(message: "invalid syntax") }
        let quote = b[0]
        b = Array(b[1..<(b.count - 1)])
        if quote == UInt8(ascii: "`") { return String(decoding: b, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        func appendScalar(_ v: UInt32) {
            if let s = Unicode.Scalar(v) { out.append(contentsOf: Array(String(Character(s)).utf8)) }
        }
        while i < b.count {
            let c = b[i]
            guard c == UInt8(ascii: "\\"), i + 1 < b.count else { out.append(c); i += 1; continue }
            let e = b[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let n = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
                var v: UInt32 = 0
                for k in 0..<n where i + k < b.count { v = v * 16 + (hexValue(b[i + k]) ?? 0) }
                i += n
                if e == UInt8(ascii: "x") { out.append(UInt8(truncatingIfNeeded: v)) } else { appendScalar(v) }
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var v: UInt32 = UInt32(e - 0x30)
                for k in 0..<2 where i + k < b.count { v = v * 8 + UInt32(b[i + k] - 0x30) }
                i += 2
                out.append(UInt8(truncatingIfNeeded: v))
            default: out.append(e)
            }
        }
        guard let s = String(validatingUTF8: out.map { CChar(bitPattern: $0) } + [0]), s.utf8.count == out.count else {
            throw DurationSyntaxError(message: "string \(token) is not valid UTF-8 once its escapes are applied; write characters, or \\u escapes, instead of bytes")
        }
        return s
    }
}

/// Go's `strconv.Quote`: double quotes, `\a\b\f\n\r\t\v\\\"`, other non-printable characters as `\x`, `\u`, `\U`.
func goQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars { out += goEscape(scalar, quote: "\"") }
    return out + "\""
}

/// Go's `%q` of a rune: `'x'`, `'\n'`, `'\''`.
func goQuoteRune(_ r: Unicode.Scalar) -> String { "'" + goEscape(r, quote: "'") + "'" }

/// Go's `%#U`: `U+0063 'c'` (without the quoted form for non-printable runes).
func goUnicodeName(_ r: Unicode.Scalar) -> String {
    let hex = String(r.value, radix: 16, uppercase: true)
    let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    return isGoPrintable(r) ? "\(code) '\(Character(r))'" : code
}

private func isGoPrintable(_ r: Unicode.Scalar) -> Bool {
    if r == " " { return true }
    switch r.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
         .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
         .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
         .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}

private func goEscape(_ r: Unicode.Scalar, quote: Character) -> String {
    switch r {
    case "\u{07}": return "\\a"
    case "\u{08}": return "\\b"
    case "\u{0C}": return "\\f"
    case "\n": return "\\n"
    case "\r": return "\\r"
    case "\t": return "\\t"
    case "\u{0B}": return "\\v"
    case "\\": return "\\\\"
    default: break
    }
    if Character(r) == quote { return "\\" + String(quote) }
    if isGoPrintable(r) { return String(Character(r)) }
    let hex = String(r.value, radix: 16)
    if r.value < 0x80 { return "\\x" + String(repeating: "0", count: 2 - hex.count) + hex }
    if r.value < 0x10000 { return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex }
    return "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
}

/// Go's `%v`/`%g` of a float64 with shortest precision: `1`, `0.5`, `1e+06`, `1e-05`, `+Inf`, `NaN`.
func goFormatG(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    if v == 0 { return v.sign == .minus ? "-0" : "0" }
    // Swift's description gives the shortest round-trip digits; the exponent is placed as Go places it.
    let shortest = "\(abs(v))"
    var digits = ""
    var exp10 = 0
    if let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        let mant = shortest[..<e]
        exp10 = Int(shortest[shortest.index(after: e)...]) ?? 0
        let parts = mant.split(separator: ".", omittingEmptySubsequences: false)
        digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        exp10 += parts[0].count - 1
    } else {
        let parts = shortest.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0]), frac = parts.count > 1 ? String(parts[1]) : ""
        let all = intPart + frac
        let firstNonZero = all.firstIndex(where: { $0 != "0" }) ?? all.startIndex
        digits = String(all[firstNonZero...])
        exp10 = intPart.count - 1 - all.distance(from: all.startIndex, to: firstNonZero)
    }
    while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
    let sign = v < 0 ? "-" : ""
    if exp10 < -4 || exp10 >= 6 {
        var m = String(digits.first!)
        if digits.count > 1 { m += "." + digits.dropFirst() }
        let e = abs(exp10) < 10 ? "0\(abs(exp10))" : "\(abs(exp10))"
        return sign + m + "e" + (exp10 < 0 ? "-" : "+") + e
    }
    return sign + formatPrometheusFloat(abs(v))
}
