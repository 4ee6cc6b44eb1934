/// Parses a series selector as the Prometheus API takes in `match[]`: `metric`, `metric{l="v",…}`
/// or `{l=~"v",…}`. Strings may use "…", '…' or `…` quotes with Go escapes.
public enum SeriesSelector {
    public struct ParseError: Error, CustomStringConvertible {
        public let input: String
        public let position: Int
        public let reason: String
        public var description: String { "parse error at char \(position + 1) of \"\(input)\": \(reason)" }
    }

    public static func parse(_ input: String) throws -> [LabelMatcher] {
        var p = Parser(input: Array(input.unicodeScalars), text: input)
        return try p.parse()
    }

    private struct Parser {
        let input: [Unicode.Scalar]
        let text: String
        var i = 0

        func fail(_ reason: String) -> ParseError { ParseError(input: text, position: i, reason: reason) }

        mutating func skipSpace() { while i < input.count, input[i].properties.isWhitespace { i += 1 } }

        static func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c == ":" || (c.isASCII && c.properties.isAlphabetic) }
        static func isNameChar(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || ("0"..."9").contains(c) }

        mutating func identifier(allowColon: Bool) -> String? {
            guard i < input.count, Parser.isNameStart(input[i]), allowColon || input[i] != ":" else { return nil }
            var s = String.UnicodeScalarView()
            while i < input.count, Parser.isNameChar(input[i]), allowColon || input[i] != ":" { s.append(input[i]); i += 1 }
            return String(s)
        }

        mutating func parse() throws -> [LabelMatcher] {
            skipSpace()
            var matchers: [LabelMatcher] = []
            if let name = identifier(allowColon: true) {
                matchers.append(.equal(Labels.metricNameLabel, name))
                skipSpace()
            }
            if i < input.count && input[i] == "{" {
                i += 1
                skipSpace()
                while i < input.count && input[i] != "}" {
                    let name: String
                    if i < input.count, input[i] == "\"" || input[i] == "'" {
                        name = try quoted()  // UTF-8 label names, as Prometheus 3 allows
                    } else if let n = identifier(allowColon: false) {
                        name = n
                    } else {
                        throw fail("expected a label name")
                    }
                    skipSpace()
                    let kind: LabelMatcher.Kind
                    if match("=~") { kind = .regexMatch } else if match("!~") { kind = .regexNoMatch } else if match("!=") { kind = .notEqual } else if match("=") { kind = .equal } else {
                        throw fail("expected one of =, !=, =~, !~ after label \(name)")
                    }
                    skipSpace()
                    let value = try quoted()
                    do { matchers.append(try LabelMatcher(kind, name, value)) } catch { throw fail("\(error)") }
                    skipSpace()
                    if i < input.count && input[i] == "," { i += 1; skipSpace() } else if i < input.count && input[i] != "}" {
                        throw fail("expected , or } after matcher")
                    }
                }
                guard i < input.count else { throw fail("unclosed {") }
                i += 1
                skipSpace()
            }
            guard i == input.count else { throw fail("unexpected character '\(input[i])'") }
            guard !matchers.isEmpty else { throw fail("empty selector") }
            return matchers
        }

        mutating func match(_ s: String) -> Bool {
            let scalars = Array(s.unicodeScalars)
            guard i + scalars.count <= input.count, Array(input[i..<i + scalars.count]) == scalars else { return false }
            i += scalars.count
            return true
        }

        mutating func quoted() throws -> String {
            guard i < input.count, ["\"", "'", "`"].contains(input[i]) else { throw fail("expected a quoted string") }
            let q = input[i]
            i += 1
            var out = String.UnicodeScalarView()
            while i < input.count {
                let c = input[i]
                i += 1
                if c == q { return String(out) }
                if c == "\\" && q != "`" {
                    guard i < input.count else { break }
                    let e = input[i]
                    i += 1
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "\\", "\"", "'": out.append(e)
                    case "a": out.append("\u{07}")
                    case "b": out.append("\u{08}")
                    case "f": out.append("\u{0C}")
                    case "v": out.append("\u{0B}")
                    case "u", "U", "x":
                        let n = e == "u" ? 4 : e == "U" ? 8 : 2
                        guard i + n <= input.count, let v = UInt32(String(String.UnicodeScalarView(input[i..<i + n])), radix: 16), let s = Unicode.Scalar(v) else {
                            throw fail("invalid escape \\\(e)")
                        }
                        out.append(s)
                        i += n
                    default: throw fail("unknown escape sequence \\\(e)")
                    }
                    continue
                }
                out.append(c)
            }
            throw fail("unterminated string")
        }
    }
}
