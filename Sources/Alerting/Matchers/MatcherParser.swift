import OspreyCore

/// A matcher list that could not be parsed: names the input, the 1-based character column and what was expected.
public struct MatcherParseError: Error, CustomStringConvertible, Sendable {
    public let input: String
    /// 1-based character column where the problem starts.
    public let column: Int
    public let message: String

    public var description: String { "bad matcher \"\(input)\" at column \(column): \(message)" }
}

/// Alertmanager's matcher syntax, as written in `matchers:` of routes and inhibit rules, silences and
/// the API's `filter` parameters:
///
///     severity="critical"            {alertname=~"Disk.*", env!="dev"}
///     team=db, instance!~"test-.*",  {"service.name"="checkout"}
///
/// Braces are optional, a trailing comma is allowed, values may be unquoted (`foo=bar`, `foo=~[a-z]+`),
/// label names may be quoted to hold any UTF-8 text. Quoted strings take Go's escapes (`\n`, `\t`, `\"`,
/// `\\`, `\xHH`, `\uHHHH`); as in Alertmanager's fallback to its classic parser, a string whose escapes
/// are not all valid Go escapes keeps unknown ones literally (`"\d+"` is the regex `\d+`).
public enum AlertMatchers {
    /// Parses a list of matchers; empty input and `{}` give an empty list.
    public static func parse(_ text: String) throws -> [LabelMatcher] {
        var p = Parser(text)
        return try p.parseList()
    }

    /// Parses exactly one matcher (`foo="bar"`, optionally in braces).
    public static func parseOne(_ text: String) throws -> LabelMatcher {
        let list = try parse(text)
        guard list.count == 1 else {
            throw MatcherParseError(input: text, column: 1, message: list.isEmpty ? "no matchers" : "expected 1 matcher, found \(list.count)")
        }
        return list[0]
    }

    /// Whether every matcher accepts the labels; a missing label has the value "", as in Alertmanager.
    public static func matches(_ matchers: [LabelMatcher], _ labels: Labels) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }

    /// Alertmanager's order for a matcher list: by name, then value, then operator (`=`, `!=`, `=~`, `!~`).
    /// Routes sort their matchers this way, so route keys are stable.
    public static func sorted(_ matchers: [LabelMatcher]) -> [LabelMatcher] {
        matchers.sorted { a, b in
            if a.name != b.name { return a.name < b.name }
            if a.value != b.value { return a.value < b.value }
            return rank(a.kind) < rank(b.kind)
        }
    }

    /// One matcher as Alertmanager prints it: `name="value"` (value escaped as OpenMetrics does), or with a
    /// quoted name when the name holds a space or one of `{}!=~,\"'` and a backtick.
    public static func format(_ m: LabelMatcher) -> String {
        if m.name.unicodeScalars.contains(where: isReserved) {
            return goQuote(m.name) + m.kind.rawValue + goQuote(m.value)
        }
        var v = ""
        for c in m.value.unicodeScalars {
            switch c {
            case "\\": v += "\\\\"
            case "\n": v += "\\n"
            case "\"": v += "\\\""
            default: v.unicodeScalars.append(c)
            }
        }
        return m.name + m.kind.rawValue + "\"" + v + "\""
    }

    /// A matcher list as Alertmanager prints it: `{a="b",c=~"d"}` (no spaces, in the given order).
    public static func format(_ matchers: [LabelMatcher]) -> String {
        "{" + matchers.map(format).joined(separator: ",") + "}"
    }

    static func rank(_ k: LabelMatcher.Kind) -> Int {
        switch k {
        case .equal: return 0
        case .notEqual: return 1
        case .regexMatch: return 2
        case .regexNoMatch: return 3
        }
    }

    static func isReserved(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace || "{}!=~,\\\"'`".unicodeScalars.contains(c)
    }

    /// Go's `strconv.Quote` for the characters label text holds.
    static func goQuote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if c.value < 0x20 || c.value == 0x7f {
                    out += "\\x" + (c.value < 16 ? "0" : "") + String(c.value, radix: 16)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}

/// Hand-written scanner over the input's characters; positions in errors are 1-based columns.
private struct Parser {
    let text: String
    let chars: [Character]
    var i = 0

    init(_ text: String) {
        self.text = text
        self.chars = Array(text)
    }

    func fail(_ at: Int, _ message: String) -> MatcherParseError {
        MatcherParseError(input: text, column: at + 1, message: message)
    }

    var atEnd: Bool { i >= chars.count }

    mutating func skipSpace() {
        while i < chars.count, chars[i].isWhitespace { i += 1 }
    }

    mutating func parseList() throws -> [LabelMatcher] {
        var out: [LabelMatcher] = []
        skipSpace()
        var braced = false
        if !atEnd, chars[i] == "{" { braced = true; i += 1 }
        while true {
            skipSpace()
            if atEnd {
                if braced { throw fail(i, "end of input: expected a closing brace }") }
                return out
            }
            if chars[i] == "}" {
                // Like Alertmanager's classic parser, a closing brace at the very end needs no opening one.
                i += 1
                skipSpace()
                guard atEnd else { throw fail(i, "unexpected \"\(chars[i])\" after the closing brace") }
                return out
            }
            out.append(try parseMatcher())
            skipSpace()
            if atEnd { continue }
            switch chars[i] {
            case ",": i += 1
            case "}": continue
            default: throw fail(i, "unexpected \"\(chars[i])\": expected a comma or a closing brace")
            }
        }
    }

    mutating func parseMatcher() throws -> LabelMatcher {
        let start = i
        let name: String
        if chars[i] == "\"" {
            name = try quoted()
        } else {
            while i < chars.count, !chars[i].unicodeScalars.contains(where: AlertMatchers.isReserved) { i += 1 }
            name = String(chars[start..<i])
            if name.isEmpty { throw fail(start, "unexpected \"\(chars[start])\": expected a label name") }
        }
        guard !name.isEmpty else { throw fail(start, "the label name is empty") }
        skipSpace()
        let opStart = i
        let kind: LabelMatcher.Kind
        func peek(_ k: Int) -> Character? { i + k < chars.count ? chars[i + k] : nil }
        switch (peek(0), peek(1)) {
        case ("=", "~"): kind = .regexMatch; i += 2
        case ("!", "="): kind = .notEqual; i += 2
        case ("!", "~"): kind = .regexNoMatch; i += 2
        case ("=", _): kind = .equal; i += 1
        default:
            let found = atEnd ? "end of input" : "\"\(chars[i])\""
            throw fail(opStart, "\(found) after label name \"\(name)\": expected one of =, !=, =~, !~")
        }
        skipSpace()
        let valueStart = i
        let value: String
        if !atEnd, chars[i] == "\"" {
            value = try quoted()
        } else {
            while i < chars.count, chars[i] != ",", chars[i] != "}" {
                if chars[i] == "\"" { throw fail(i, "unescaped double quote in an unquoted value; quote the whole value") }
                i += 1
            }
            var end = i
            while end > valueStart, chars[end - 1].isWhitespace { end -= 1 }
            value = String(chars[valueStart..<end])
        }
        do {
            return try LabelMatcher(kind, name, value)
        } catch {
            throw fail(valueStart, "\(error)")
        }
    }

    /// A double-quoted string starting at `i`; leaves `i` after the closing quote.
    mutating func quoted() throws -> String {
        let open = i
        i += 1
        var raw = ""
        while true {
            guard i < chars.count else { throw fail(open, "unterminated quoted string") }
            let c = chars[i]
            if c == "\"" { i += 1; break }
            raw.append(c)
            if c == "\\", i + 1 < chars.count { raw.append(chars[i + 1]); i += 2 } else { i += 1 }
        }
        return QuotedText.goUnquote(raw) ?? QuotedText.classicUnescape(raw)
    }
}

/// Unescaping the inside of a double-quoted matcher string.
enum QuotedText {
    /// Go's escapes; nil when an escape is unknown or the bytes are not UTF-8.
    static func goUnquote(_ raw: String) -> String? {
        var bytes: [UInt8] = []
        let s = Array(raw.unicodeScalars)
        var i = 0
        func hex(_ n: Int) -> UInt32? {
            guard i + n <= s.count else { return nil }
            let digits = String(String.UnicodeScalarView(s[i..<i + n]))
            i += n
            return UInt32(digits, radix: 16)
        }
        while i < s.count {
            let c = s[i]
            i += 1
            guard c == "\\" else { bytes += Array(String(c).utf8); continue }
            guard i < s.count else { return nil }
            let e = s[i]
            i += 1
            switch e {
            case "a": bytes.append(7)
            case "b": bytes.append(8)
            case "f": bytes.append(12)
            case "n": bytes.append(10)
            case "r": bytes.append(13)
            case "t": bytes.append(9)
            case "v": bytes.append(11)
            case "\\": bytes.append(92)
            case "\"": bytes.append(34)
            case "x":
                guard let v = hex(2) else { return nil }
                bytes.append(UInt8(v))
            case "u", "U":
                guard let v = hex(e == "u" ? 4 : 8), let scalar = Unicode.Scalar(v) else { return nil }
                bytes += Array(String(scalar).utf8)
            case "0"..."7":
                guard i + 2 <= s.count, let v = UInt32(String(String.UnicodeScalarView([e, s[i], s[i + 1]])), radix: 8), v < 256 else { return nil }
                i += 2
                bytes.append(UInt8(v))
            default:
                return nil
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Alertmanager's classic rules: `\n`, `\"` and `\\` are escapes, any other backslash is literal.
    static func classicUnescape(_ raw: String) -> String {
        var out = ""
        var escaped = false
        for c in raw {
            if escaped {
                escaped = false
                switch c {
                case "n": out.append("\n")
                case "\"", "\\": out.append(c)
                default: out.append("\\"); out.append(c)
                }
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        if escaped { out.append("\\") }
        return out
    }
}
