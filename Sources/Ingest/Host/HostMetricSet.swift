/// The type a host metric family announces on its `# TYPE` line (text format 0.0.4 spelling).
enum HostMetricType: String, Sendable {
    case counter, gauge, untyped
}

/// One series of a host metric family: label pairs sorted by name, and a value.
struct HostSample: Sendable {
    var labels: [(name: String, value: String)]
    var value: Double
}

/// A metric family as node_exporter exposes it: name, HELP, TYPE and its series.
struct HostFamily: Sendable {
    let name: String
    let help: String
    let type: HostMetricType
    var samples: [HostSample] = []
}

/// The families one collector produced in one scrape. A collector fills its own set; the set is
/// merged into the scrape's output only when the collector finished without error.
struct HostMetricSet: Sendable {
    private(set) var families: [String: HostFamily] = [:]

    /// Adds one series. `labels` may come in any order; they are stored sorted by name, the order
    /// the exposition prints them in.
    mutating func add(
        _ name: String, _ type: HostMetricType, _ help: String, _ value: Double,
        _ labels: [(name: String, value: String)] = []
    ) {
        var sorted = labels
        if sorted.count > 1 { sorted.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) } }
        if families[name] == nil {
            families[name] = HostFamily(name: name, help: help, type: type)
        }
        families[name]!.samples.append(HostSample(labels: sorted, value: value))
    }

    /// Moves every family of `other` into this set (the scrape's set takes a collector's output).
    mutating func merge(_ other: HostMetricSet) {
        for (name, family) in other.families {
            if families[name] == nil {
                families[name] = family
            } else {
                families[name]!.samples.append(contentsOf: family.samples)
            }
        }
    }

    /// Renders the set as Prometheus text format 0.0.4, ordered as client_golang's registry
    /// orders a gather: families by name, series by their label values (byte order), one series
    /// kept where two carry the same labels.
    func render() -> String {
        var out = ""
        out.reserveCapacity(families.count * 160)
        for name in families.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let family = families[name]!
            guard !family.samples.isEmpty else { continue }
            out += "# HELP \(name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(name) \(family.type.rawValue)\n"
            var previous: HostSample?
            for sample in family.samples.sorted(by: samplePrecedes) {
                if let p = previous, sameLabels(p, sample) { continue }
                previous = sample
                out += name
                if !sample.labels.isEmpty {
                    out += "{"
                    for (i, label) in sample.labels.enumerated() {
                        if i > 0 { out += "," }
                        out += label.name
                        out += "=\""
                        out += escapeLabelValue(label.value)
                        out += "\""
                    }
                    out += "}"
                }
                out += " "
                out += formatGoFloat(sample.value)
                out += "\n"
            }
        }
        return out
    }
}

private func samplePrecedes(_ a: HostSample, _ b: HostSample) -> Bool {
    if a.labels.count != b.labels.count { return a.labels.count < b.labels.count }
    for i in a.labels.indices where a.labels[i].value != b.labels[i].value {
        return a.labels[i].value.utf8.lexicographicallyPrecedes(b.labels[i].value.utf8)
    }
    return false
}

private func sameLabels(_ a: HostSample, _ b: HostSample) -> Bool {
    guard a.labels.count == b.labels.count else { return false }
    for i in a.labels.indices where a.labels[i] != b.labels[i] { return false }
    return true
}

private func escapeHelp(_ s: String) -> String {
    guard s.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") }) else { return s }
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

private func escapeLabelValue(_ s: String) -> String {
    guard s.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\"") })
    else { return s }
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\"": out += "\\\""
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// Formats a sample value exactly as client_golang's text encoder does: `0`, `1`, `-1`, `NaN`,
/// `+Inf`, `-Inf` spelled out, everything else as Go's `strconv.FormatFloat(v, 'g', -1, 64)`:
/// shortest round-trip digits, exponent form when the decimal exponent is below -4 or at least 6
/// (`2.466183e+06`, `1e-05`), plain decimals otherwise (`2884.07`).
func formatGoFloat(_ v: Double) -> String {
    if v == 0 { return "0" }
    if v == 1 { return "1" }
    if v == -1 { return "-1" }
    if v.isNaN { return "NaN" }
    if v == .infinity { return "+Inf" }
    if v == -.infinity { return "-Inf" }

    // Swift's description gives the same shortest round-trip digits as Go; only the layout differs.
    let text = v.magnitude.description
    var digits: [UInt8] = []
    digits.reserveCapacity(20)
    var pointAt = -1  // number of mantissa digits before the '.'
    var exponent = 0
    var bytes = text.utf8.makeIterator()
    var count = 0
    while let b = bytes.next() {
        if b == UInt8(ascii: ".") {
            pointAt = count
        } else if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
            var rest = ""
            while let r = bytes.next() { rest.unicodeScalars.append(Unicode.Scalar(r)) }
            exponent = Int(rest) ?? 0
            break
        } else {
            digits.append(b)
            count += 1
        }
    }
    if pointAt < 0 { pointAt = count }
    // dp: position of the decimal point relative to the first digit, after dropping leading zeros.
    var dp = pointAt + exponent
    var start = 0
    while start < digits.count - 1 && digits[start] == UInt8(ascii: "0") {
        start += 1
        dp -= 1
    }
    var end = digits.count
    while end > start + 1 && digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
    let significant = digits[start..<end]
    let nd = significant.count

    var out: [UInt8] = []
    out.reserveCapacity(nd + 8)
    if v < 0 { out.append(UInt8(ascii: "-")) }
    let exp10 = dp - 1
    if exp10 < -4 || exp10 >= 6 {
        out.append(significant.first!)
        if nd > 1 {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: significant.dropFirst())
        }
        out.append(UInt8(ascii: "e"))
        out.append(exp10 < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let e = exp10.magnitude
        if e < 10 { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: String(e).utf8)
    } else {
        if dp <= 0 {
            out.append(UInt8(ascii: "0"))
        } else {
            for i in 0..<dp {
                out.append(i < nd ? significant[significant.startIndex + i] : UInt8(ascii: "0"))
            }
        }
        if nd > dp {
            out.append(UInt8(ascii: "."))
            for i in dp..<nd {
                out.append(i < 0 ? UInt8(ascii: "0") : significant[significant.startIndex + i])
            }
        }
    }
    return String(decoding: out, as: UTF8.self)
}
