import Foundation
import OspreyCore

/// How promtool prints the values in its unit-test failure messages, so a failure reads the same under Osprey.
enum RuleTestFormat {
    /// A label set as Prometheus prints one: `{__name__="up", job="a"}`, values Go-quoted.
    static func labels(_ ls: [Label]) -> String {
        "{" + ls.map { "\($0.name)=\(goQuote($0.value))" }.joined(separator: ", ") + "}"
    }

    /// Go's `strconv.Quote` for the characters label values hold.
    static func goQuote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += String(format: "\\x%02x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Go's `strconv.FormatFloat(v, 'E', -1, 64)`: the shortest digits that read back, as `2.5E+00`.
    static func floatE(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        let sign = v.sign == .minus ? "-" : ""
        if v == 0 { return sign + "0E+00" }
        // Swift's description is also the shortest round-tripping form; take its digits and exponent.
        let text = "\(abs(v))".lowercased()
        let parts = text.split(separator: "e", maxSplits: 1)
        var exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0]
        let point = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
        var digits = Array(mantissa.filter { $0 != "." })
        exponent += point - 1
        while digits.first == "0" {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        var out = sign + String(digits[0])
        if digits.count > 1 { out += "." + String(digits[1...]) }
        let magnitude = abs(exponent)
        return out + "E" + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") + String(magnitude)
    }

    /// A duration as Prometheus's `model.Duration` prints one: `1m30s`, `2h`, `1d12h`, `0s` (years and weeks
    /// only when they divide evenly).
    static func modelDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms
        var out = ""
        let units: [(String, Int64, Bool)] = [("y", 31_536_000_000, true), ("w", 604_800_000, true), ("d", 86_400_000, false),
                                              ("h", 3_600_000, false), ("m", 60_000, false), ("s", 1000, false), ("ms", 1, false)]
        for (unit, size, exact) in units {
            if exact && rest % size != 0 { continue }
            let n = rest / size
            if n > 0 {
                out += "\(n)\(unit)"
                rest -= n * size
            }
        }
        return out
    }

    /// A duration as Go's `time.Duration` prints one: `0s`, `1m0s`, `1h30m0s`, `1.5s`.
    static func goDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        let negative = ms < 0
        var rest = abs(ms)
        if rest < 1000 { return (negative ? "-" : "") + "\(rest)ms" }
        let hours = rest / 3_600_000
        rest %= 3_600_000
        let minutes = rest / 60_000
        rest %= 60_000
        var seconds = "\(rest / 1000)"
        if rest % 1000 != 0 {
            var fraction = String(format: "%03d", rest % 1000)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            seconds += "." + fraction
        }
        var out = negative ? "-" : ""
        if hours > 0 { out += "\(hours)h" }
        if hours > 0 || minutes > 0 { out += "\(minutes)m" }
        return out + seconds + "s"
    }

    /// Prefixes every line after the first with `indent`.
    static func indentLines(_ text: String, _ indent: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { $0 == 0 ? String($1) : indent + $1 }.joined(separator: "\n")
    }

    /// A list of alerts as promtool prints it: `[]`, or numbered `Labels:`/`Annotations:` entries.
    static func alerts(_ list: [UnitTestAlert]) -> String {
        if list.isEmpty { return "[]" }
        var s = "["
        for (i, a) in list.enumerated() {
            s += (i == 0 ? "\n" : ",\n") + "\(i):" + indentLines("\nLabels:" + labels(a.labels) + "\nAnnotations:" + labels(a.annotations), "  ")
        }
        return s + "\n]"
    }

    /// Samples as promtool prints them: `{…} 1E+00, {…} 2E+00`, or `nil` for none.
    static func samples(_ list: [(labels: Labels, value: Double)]) -> String {
        if list.isEmpty { return "nil" }
        return list.map { labels(Array($0.labels)) + " " + floatE($0.value) }.joined(separator: ", ")
    }
}

/// An alert as the unit tests compare it: sorted labels and sorted annotations (empty values kept).
struct UnitTestAlert: Equatable, Comparable {
    var labels: [Label]
    var annotations: [Label]

    static func < (a: UnitTestAlert, b: UnitTestAlert) -> Bool {
        let c = compare(a.labels, b.labels)
        return c != 0 ? c < 0 : compare(a.annotations, b.annotations) < 0
    }

    /// Prometheus's `labels.Compare`: pairwise by name then value, then the shorter set first.
    static func compare(_ a: [Label], _ b: [Label]) -> Int {
        for (x, y) in zip(a, b) {
            if x.name != y.name { return x.name.utf8.lexicographicallyPrecedes(y.name.utf8) ? -1 : 1 }
            if x.value != y.value { return x.value.utf8.lexicographicallyPrecedes(y.value.utf8) ? -1 : 1 }
        }
        return a.count - b.count
    }

    static func sortedLabels(_ d: [String: String]) -> [Label] {
        d.map { Label($0.key, $0.value) }.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
}
