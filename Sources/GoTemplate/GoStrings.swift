/// Go's `strconv.Quote`: double-quoted with Go escapes; printable Unicode is kept as is.
func goQuote(_ s: String, quote: Character = "\"", asciiOnly: Bool = false) -> String {
    var out = String(quote)
    for u in s.unicodeScalars {
        switch u {
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        case "\\": out += "\\\\"
        default:
            if Character(u) == quote { out += "\\" + String(quote); continue }
            if u.value < 0x20 || u.value == 0x7F {
                out += "\\x" + hex2(u.value)
            } else if u.value >= 0x80 && (asciiOnly || !isGoPrintable(u)) {
                let h = String(u.value, radix: 16)
                out += u.value > 0xFFFF ? "\\U" + String(repeating: "0", count: 8 - h.count) + h
                    : "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    out.append(quote)
    return out
}

private func hex2(_ v: UInt32) -> String {
    let h = String(v, radix: 16)
    return h.count < 2 ? "0" + h : h
}

/// Close to Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
func isGoPrintable(_ u: Unicode.Scalar) -> Bool {
    if u == " " { return true }
    switch u.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
        return false
    default: return true
    }
}

/// Go's `strconv.Unquote` for "…", `…` and '…' literals; nil when malformed.
func goUnquote(_ literal: String) -> String? {
    let s = Array(literal.unicodeScalars)
    guard s.count >= 2, let q = s.first, s.last == q else { return nil }
    let body = s[1..<(s.count - 1)]
    if q == "`" {
        guard !body.contains("`") else { return nil }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: body.filter { $0 != "\r" })
        return String(out)
    }
    guard q == "\"" || q == "'" else { return nil }
    var out = String.UnicodeScalarView()
    var bytes: [UInt8] = []  // \x and octal escapes make bytes, possibly invalid UTF-8 on their own
    func flushBytes() {
        if !bytes.isEmpty { out.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars); bytes = [] }
    }
    var i = body.startIndex
    var count = 0
    func hexValue(_ n: Int) -> UInt32? {
        guard i + n <= body.endIndex else { return nil }
        var v: UInt32 = 0
        for k in 0..<n {
            guard body[i + k].isASCII, let d = Int(String(body[i + k]), radix: 16) else { return nil }
            v = v * 16 + UInt32(d)
        }
        i += n
        return v
    }
    while i < body.endIndex {
        let c = body[i]
        count += 1
        if c == q || c == "\n" { return nil }
        guard c == "\\" else { flushBytes(); out.append(c); i += 1; continue }
        i += 1
        guard i < body.endIndex else { return nil }
        let e = body[i]
        i += 1
        switch e {
        case "a": flushBytes(); out.append("\u{07}")
        case "b": flushBytes(); out.append("\u{08}")
        case "f": flushBytes(); out.append("\u{0C}")
        case "n": flushBytes(); out.append("\n")
        case "r": flushBytes(); out.append("\r")
        case "t": flushBytes(); out.append("\t")
        case "v": flushBytes(); out.append("\u{0B}")
        case "\\": flushBytes(); out.append("\\")
        case "'", "\"":
            guard e == q else { return nil }
            flushBytes(); out.append(e)
        case "x":
            guard let v = hexValue(2) else { return nil }
            if q == "'" { out.append(Unicode.Scalar(UInt8(v))) } else { bytes.append(UInt8(v)) }
        case "u", "U":
            guard let v = hexValue(e == "u" ? 4 : 8), let u = Unicode.Scalar(v) else { return nil }
            flushBytes(); out.append(u)
        case "0"..."7":
            guard i + 2 <= body.endIndex else { return nil }
            var v = UInt32(e.value - 48)
            for k in 0..<2 {
                let d = body[i + k]
                guard ("0"..."7").contains(d) else { return nil }
                v = v * 8 + (d.value - 48)
            }
            i += 2
            guard v <= 255 else { return nil }
            if q == "'" { out.append(Unicode.Scalar(UInt8(v))) } else { bytes.append(UInt8(v)) }
        default: return nil
        }
    }
    flushBytes()
    if q == "'" && out.count != 1 { return nil }
    return String(out)
}

/// A Go numeric literal (ints with 0x/0o/0b/0 prefixes and `_`, floats, hex floats, char constants).
func parseNumber(_ text: String, char: Bool) -> NumberLiteral? {
    if char {
        guard let s = goUnquote(text), let u = s.unicodeScalars.first else { return nil }
        return NumberLiteral(text: text, value: .int(Int(u.value)))
    }
    var body = Substring(text)
    var negative = false
    if body.first == "+" || body.first == "-" { negative = body.first == "-"; body = body.dropFirst() }
    guard !body.isEmpty, !body.hasPrefix("_"), !body.hasSuffix("_"), !body.contains("__") else { return nil }
    let lower = body.lowercased()
    var radix = 10
    var digits = Substring(lower)
    if lower.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
    else if lower.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
    else if lower.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
    let clean = digits.replacingOccurrences(of: "_", with: "")
    guard !clean.isEmpty else { return nil }
    let isFloat: Bool = radix == 16 ? clean.contains(".") || clean.contains("p") : clean.contains(".") || clean.contains("e")
    if !isFloat {
        if radix == 10 && clean.count > 1 && clean.hasPrefix("0") {
            radix = 8  // Go's legacy octal: 017
            guard lower.replacingOccurrences(of: "_", with: "").allSatisfy({ ("0"..."7").contains($0) }) else { return nil }
        }
        if let v = Int(clean, radix: radix) {
            return NumberLiteral(text: text, value: .int(negative ? -v : v))
        }
        // Too big for an int: Go reads it as a float constant.
        guard radix == 10, let f = Double(clean) else { return nil }
        return NumberLiteral(text: text, value: .float(negative ? -f : f))
    }
    if radix == 8 || radix == 2 { return nil }
    let floatText = radix == 16 ? "0x" + clean : clean
    guard let f = Double(floatText), f.isFinite else { return nil }
    if radix == 10 {
        // Reject forms Swift accepts but Go does not (e.g. "inf", "nan" cannot reach here; ".e1" can).
        guard clean.first!.isNumber || (clean.first == "." && clean.dropFirst().first?.isNumber == true) else { return nil }
    }
    return NumberLiteral(text: text, value: .float(negative ? -f : f))
}
