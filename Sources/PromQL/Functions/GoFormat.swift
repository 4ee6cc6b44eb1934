import Foundation

// Prometheus's messages format numbers and names with Go's fmt verbs; these reproduce the ones its
// function messages use, so Osprey's text matches byte for byte.

/// Go's `%g` of a float64: shortest round-trip digits, exponent form (`1e+06`, `1.5e-05`) when the decimal
/// exponent is below -4 or at least 6.
func formatGoG(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
    if v == 0 { return v.sign == .minus ? "-0" : "0" }
    let (digits, pointPosition) = shortestDigits(abs(v))
    let sign = v < 0 ? "-" : ""
    let exp = pointPosition - 1
    if exp < -4 || exp >= 6 {
        var mantissa = String(digits.first!)
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let e = abs(exp) < 10 ? "0\(abs(exp))" : "\(abs(exp))"
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + e
    }
    if pointPosition <= 0 { return sign + "0." + String(repeating: "0", count: -pointPosition) + digits }
    if pointPosition >= digits.count { return sign + digits + String(repeating: "0", count: pointPosition - digits.count) }
    let i = digits.index(digits.startIndex, offsetBy: pointPosition)
    return sign + digits[..<i] + "." + digits[i...]
}

/// Go's `%f`: six decimals.
func formatGoFixed(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
    return String(format: "%f", v)
}

/// The shortest round-trip decimal digits of a positive finite `v` (no leading/trailing zeros) and where the
/// decimal point goes: value = 0.digits × 10^pointPosition.
private func shortestDigits(_ v: Double) -> (String, Int) {
    let s = "\(v)"  // Swift prints the shortest round-trip form, e.g. "1234.5", "1e-05", "1.5e+20"
    var mantissa = Substring(s)
    var exp = 0
    if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = s[..<e]
        exp = Int(s[s.index(after: e)...]) ?? 0
    }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    let intPart = String(parts[0])
    let fracPart = parts.count > 1 ? String(parts[1]) : ""
    var digits = intPart + fracPart
    var point = intPart.count + exp
    while digits.hasPrefix("0") && digits.count > 1 {
        digits.removeFirst()
        point -= 1
    }
    while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
    return (digits, point)
}
