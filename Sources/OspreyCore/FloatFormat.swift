/// Formats floats the way the Prometheus API does (Go's `strconv.FormatFloat(v, 'f', -1, 64)`):
/// shortest round-trip digits, no exponent; `NaN`, `+Inf`, `-Inf`.
public func formatPrometheusFloat(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v == .infinity { return "+Inf" }
    if v == -.infinity { return "-Inf" }
    let s = "\(v)"
    guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }
    let mantissa = String(s[..<e])
    guard let exp = Int(s[s.index(after: e)...]) else { return s }
    let negative = mantissa.hasPrefix("-")
    let digitsPart = negative ? String(mantissa.dropFirst()) : mantissa
    let parts = digitsPart.split(separator: ".", omittingEmptySubsequences: false)
    let intDigits = String(parts[0])
    var frac = parts.count > 1 ? String(parts[1]) : ""
    if frac == "0" { frac = "" }
    let digits = intDigits + frac
    let point = intDigits.count + exp  // position of the decimal point within digits
    var out: String
    if point <= 0 {
        out = "0." + String(repeating: "0", count: -point) + digits
    } else if point >= digits.count {
        out = digits + String(repeating: "0", count: point - digits.count)
    } else {
        let idx = digits.index(digits.startIndex, offsetBy: point)
        out = String(digits[..<idx]) + "." + String(digits[idx...])
    }
    return negative ? "-" + out : out
}
