import Foundation
import OspreyCore

/// One value of a series description: a sample, an omitted step (`_`) or a staleness marker (`stale`).
enum SequenceValue: Equatable {
    case value(Double)
    case omitted
    /// A native-histogram sample (`{{…}}`), which the runner cannot evaluate.
    case native
}

/// Parses promqltest series lines: `metric{label="value"} 1 2+3x4 _ _x2 stale Inf`.
enum SeriesDescription {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// The labels and the values of a `<series> <points>` line.
    static func parse(_ line: String) throws -> (Labels, [SequenceValue]) {
        let chars = Array(line)
        var i = 0
        let labels = try parseLabels(chars, &i)
        let rest = String(chars[i...])
        return (labels, try parseValues(rest))
    }

    /// `metric{a="b", "quoted name"="v"}`, `{__name__="m"}` or a bare name.
    static func parseLabels(_ c: [Character], _ i: inout Int) throws -> Labels {
        var pairs: [Label] = []
        while i < c.count && c[i].isWhitespace { i += 1 }
        var name = ""
        while i < c.count && (c[i].isLetter || c[i].isNumber || c[i] == "_" || c[i] == ":") { name.append(c[i]); i += 1 }
        if !name.isEmpty { pairs.append(Label(Labels.metricNameLabel, name)) }
        var braces = false
        if i < c.count && c[i] == "{" {
            braces = true
            i += 1
            while true {
                while i < c.count && (c[i].isWhitespace || c[i] == ",") { i += 1 }
                guard i < c.count else { throw ParseError(description: "unterminated label set") }
                if c[i] == "}" { i += 1; break }
                var lname = ""
                if c[i] == "\"" || c[i] == "'" || c[i] == "`" {
                    lname = try quoted(c, &i)
                } else {
                    while i < c.count && (c[i].isLetter || c[i].isNumber || c[i] == "_") { lname.append(c[i]); i += 1 }
                }
                while i < c.count && c[i].isWhitespace { i += 1 }
                if i < c.count && (c[i] == "," || c[i] == "}") {
                    // A quoted name alone is the metric name.
                    pairs.append(Label(Labels.metricNameLabel, lname))
                    continue
                }
                guard i < c.count && c[i] == "=" else { throw ParseError(description: "expected '=' after label \(lname)") }
                i += 1
                while i < c.count && c[i].isWhitespace { i += 1 }
                let value = try quoted(c, &i)
                pairs.append(Label(lname, value))
            }
        }
        guard !pairs.isEmpty || braces else { throw ParseError(description: "missing series name or labels") }
        return Labels(pairs)
    }

    static func quoted(_ c: [Character], _ i: inout Int) throws -> String {
        guard i < c.count, let q = Optional(c[i]), q == "\"" || q == "'" || q == "`" else {
            throw ParseError(description: "expected a quoted string")
        }
        i += 1
        var out = ""
        while i < c.count && c[i] != q {
            if c[i] == "\\" && q != "`" && i + 1 < c.count {
                i += 1
                switch c[i] {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\\": out.append("\\")
                case "\"": out.append("\"")
                case "'": out.append("'")
                default: out.append("\\"); out.append(c[i])
                }
            } else {
                out.append(c[i])
            }
            i += 1
        }
        guard i < c.count else { throw ParseError(description: "unterminated string") }
        i += 1
        return out
    }

    static func parseValues(_ text: String) throws -> [SequenceValue] {
        var out: [SequenceValue] = []
        for t in tokens(text) {
            if t == "_" { out.append(.omitted); continue }
            if t == "stale" { out.append(.value(StaleNaN.value)); continue }
            if t.hasPrefix("_x") {
                guard let n = Int(t.dropFirst(2)) else { throw ParseError(description: "invalid value \(t)") }
                out += Array(repeating: .omitted, count: n)
                continue
            }
            if t.hasPrefix("{{") {
                // `{{…}}`, `{{…}}xN` or `{{…}}+{{…}}xN`: one or N+1 histogram samples.
                guard let close = t.range(of: "}}", options: .backwards) else { throw ParseError(description: "unterminated histogram \(t)") }
                let tail = t[close.upperBound...]
                var count = 1
                if tail.hasPrefix("x") {
                    guard let n = Int(tail.dropFirst()) else { throw ParseError(description: "invalid repeat count in \(t)") }
                    count = n + 1
                }
                out += Array(repeating: .native, count: count)
                continue
            }
            if let x = t.lastIndex(of: "x"), let n = Int(t[t.index(after: x)...]), x > t.startIndex {
                let head = String(t[..<x])
                var base = head, delta = "0", sign = 1.0
                if let op = opIndex(head) {
                    base = String(head[..<op])
                    delta = String(head[head.index(after: op)...])
                    sign = head[op] == "-" ? -1 : 1
                }
                guard let b = number(base), let d = number(delta) else { throw ParseError(description: "invalid value \(t)") }
                var v = b
                for _ in 0...n {
                    out.append(.value(v))
                    v += sign * d
                }
                continue
            }
            guard let v = number(t) else { throw ParseError(description: "invalid value \(t)") }
            out.append(.value(v))
        }
        return out
    }

    /// Splits a value sequence at blanks, keeping `{{…}}` histogram literals (which contain blanks) whole.
    static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            if ch == "{" { depth += 1 } else if ch == "}" { depth -= 1 }
            if depth == 0 && (ch == " " || ch == "\t") {
                if !current.isEmpty { out.append(current); current = "" }
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// The `+`/`-` between base and increment (not a leading sign or an exponent sign).
    private static func opIndex(_ s: String) -> String.Index? {
        var prev: Character?
        for i in s.indices where i != s.startIndex {
            let ch = s[i]
            if (ch == "+" || ch == "-") && prev != "e" && prev != "E" { return i }
            prev = ch
        }
        return nil
    }

    static func number(_ s: String) -> Double? {
        switch s.lowercased() {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default:
            if s.hasPrefix("0x") || s.hasPrefix("0X") { return UInt64(s.dropFirst(2), radix: 16).map(Double.init) }
            return Double(s)
        }
    }
}
