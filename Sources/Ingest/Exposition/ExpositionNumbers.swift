/// Prometheus's canonical NaN for sample values ("normal NaN"); distinct from the staleness marker.
let normalNaN = Double(bitPattern: 0x7FF8_0000_0000_0001)

/// Exact powers of ten as Doubles (10^22 is the largest exactly representable).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// Parses a float the way Prometheus's text parsers accept it (Go's ParseFloat without hex floats or
/// underscores): `[+-]digits[.digits][e[+-]digits]`, `[+-]Inf`/`Infinity` and `NaN` in any case.
/// Nil for anything else, and for a finite number beyond the float64 range (Go reports a range error).
func parseExpositionFloat(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Double? {
    var i = r.lowerBound
    let end = r.upperBound
    guard i < end else { return nil }
    var negative = false
    let signed = buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-")
    if signed {
        negative = buf[i] == UInt8(ascii: "-")
        i += 1
        guard i < end else { return nil }
    }
    let first = buf[i] | 0x20
    if first == UInt8(ascii: "i") {
        return matchesIgnoringCase(buf, i..<end, "inf") || matchesIgnoringCase(buf, i..<end, "infinity")
            ? (negative ? -.infinity : .infinity) : nil
    }
    if first == UInt8(ascii: "n") {
        return !signed && matchesIgnoringCase(buf, i..<end, "nan") ? .nan : nil
    }

    // Decimal: mantissa digits (kept while they fit exactly), a decimal point, an exponent.
    var mantissa: UInt64 = 0
    var digits = 0, significant = 0, fractionDigits = 0
    var dropped = false
    var seenPoint = false
    while i < end {
        let c = buf[i]
        if isDigit(c) {
            digits += 1
            if seenPoint { fractionDigits += 1 }
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(c &- 0x30)
                if mantissa != 0 { significant += 1 }
            } else {
                dropped = true
            }
        } else if c == UInt8(ascii: "."), !seenPoint {
            seenPoint = true
        } else {
            break
        }
        i += 1
    }
    guard digits > 0 else { return nil }
    var exponent = 0
    if i < end {
        guard buf[i] | 0x20 == UInt8(ascii: "e") else { return nil }
        i += 1
        var expNegative = false
        if i < end && (buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-")) {
            expNegative = buf[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < end else { return nil }
        while i < end {
            guard isDigit(buf[i]) else { return nil }
            if exponent < 100_000 { exponent = exponent * 10 + Int(buf[i] &- 0x30) }
            i += 1
        }
        if expNegative { exponent = -exponent }
    }

    // Exact fast path: an integer mantissa below 2^53 times an exact power of ten is correctly rounded.
    let scale = exponent - (dropped ? 0 : fractionDigits)
    if !dropped, mantissa < 1 << 53, scale >= -22, scale <= 22 {
        let m = Double(mantissa)
        let v = scale >= 0 ? m * exactPowersOfTen[scale] : m / exactPowersOfTen[-scale]
        return negative ? -v : v
    }
    // Otherwise the standard library's correctly rounded conversion; the syntax is already checked.
    let text = String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self)
    guard let v = Double(text), v.isFinite else { return nil }
    return v
}

private func matchesIgnoringCase(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ word: StaticString) -> Bool {
    guard r.count == word.utf8CodeUnitCount else { return false }
    let p = word.utf8Start
    for k in 0..<r.count where buf[r.lowerBound + k] | 0x20 != p[k] { return false }
    return true
}

/// A 0.0.4 timestamp: decimal digits only (Prometheus's lexer takes no sign), within Int64.
func parseMillis(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int64? {
    guard !r.isEmpty else { return nil }
    var v: Int64 = 0
    for k in r {
        let c = buf[k]
        guard isDigit(c) else { return nil }
        let (times10, o1) = v.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(Int64(c &- 0x30))
        if o1 || o2 { return nil }
        v = sum
    }
    return v
}
