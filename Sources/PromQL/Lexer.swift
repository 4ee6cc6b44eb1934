/// PromQL words with a meaning of their own. The lexer recognises them in any letter case.
enum Keyword: String, CaseIterable {
    case and, or, unless, atan2
    case sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk, count_values, quantile, limitk, limit_ratio
    case offset, smoothed, anchored, by, without, on, ignoring, group_left, group_right, fill, fill_left, fill_right, bool
    case start, end, step, range, max_of, min_of

    static let byLowercased: [String: Keyword] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    var aggregateOp: AggregateOp? { AggregateOp(rawValue: rawValue) }
    var binaryOp: BinaryOp? {
        switch self {
        case .and: return .and
        case .or: return .or
        case .unless: return .unless
        case .atan2: return .atan2
        default: return nil
        }
    }
    /// Keywords Prometheus accepts as a metric name where an expression starts (`sum`, `offset`, `by` …).
    var canBeMetricName: Bool { ![.bool, .on, .ignoring, .group_left, .group_right, .atan2].contains(self) }
    /// `start`, `end`, `step`, `range`, `max_of`, `min_of`: names of functions as well.
    var isPreprocessor: Bool { [.start, .end, .step, .range, .max_of, .min_of].contains(self) }
    var isOperatorLike: Bool { [.and, .or, .unless, .atan2].contains(self) }
}

enum TokenKind: Equatable {
    case eof, error
    case comma, leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket, colon, at, assign
    case add, sub, mul, div, mod, pow, eqlc, neq, lss, lte, gtr, gte, eqlRegex, neqRegex, trimUpper, trimLower
    case identifier, metricIdentifier, number, duration, string
    case keyword(Keyword)
}

struct Token {
    var kind: TokenKind
    /// Byte offsets into the query.
    var start: Int
    var end: Int
    /// The token's text, or the message of an `.error` token.
    var text: String

    var binaryOp: BinaryOp? {
        switch kind {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .mod: return .mod
        case .pow: return .pow
        case .eqlc: return .eql
        case .neq: return .neq
        case .lss: return .lss
        case .lte: return .lte
        case .gtr: return .gtr
        case .gte: return .gte
        case .keyword(let k): return k.binaryOp
        default: return nil
        }
    }

    /// How Prometheus names a token in "unexpected …" messages: `<op:*>`, `<by>`, `"("`, `identifier "foo"`.
    var describedForError: String {
        switch kind {
        case .eof: return "end of input"
        case .error: return text
        case .identifier: return "identifier \(goQuote(text))"
        case .metricIdentifier: return "metric identifier \(goQuote(text))"
        case .number: return "number \(goQuoteTruncated(text))"
        case .duration: return "duration \(goQuoteTruncated(text))"
        case .string: return "string \(goQuoteTruncated(text))"
        case .add, .sub, .mul, .div, .mod, .pow, .eqlc, .neq, .lss, .lte, .gtr, .gte, .eqlRegex, .neqRegex,
             .trimUpper, .trimLower, .at:
            return "<op:\(text)>"
        case .keyword(let k):
            if k.isOperatorLike { return "<op:\(text)>" }
            if k.aggregateOp != nil { return "<aggr:\(text)>" }
            if k.isPreprocessor { return goQuote(text) }
            return "<\(text)>"
        default: return goQuote(text)
        }
    }

    private func goQuoteTruncated(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        if scalars.count > 10 {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars[0..<10])
            return goQuote(String(v)) + "..."
        }
        return goQuote(s)
    }
}

/// Splits a query into tokens with the same modes Prometheus's lexer has: statements, inside `{…}`, and the
/// duration expressions of `[…]`. A lexical error becomes an `.error` token, after which only `.eof` follows.
struct Lexer {
    let bytes: [UInt8]
    private(set) var tokens: [Token] = []
    private var pos = 0
    private var parenDepth = 0
    private var braceOpen = false
    private var bracketOpen = false
    /// In `[` before the first number: Prometheus lexes a restricted duration grammar there.
    private var durationMode = false
    private var gotColon = false
    private var gotDuration = false

    init(_ input: String) {
        bytes = Array(input.utf8)
        run()
    }

    private mutating func run() {
        while true {
            let t = next()
            tokens.append(t)
            if t.kind == .eof || t.kind == .error { break }
        }
        if tokens.last?.kind == .error { tokens.append(Token(kind: .eof, start: bytes.count, end: bytes.count, text: "")) }
    }

    private func peek(_ offset: Int = 0) -> UInt8? { pos + offset < bytes.count ? bytes[pos + offset] : nil }
    private func text(_ a: Int, _ b: Int) -> String { String(decoding: bytes[a..<b], as: UTF8.self) }
    private func token(_ kind: TokenKind, _ start: Int) -> Token { Token(kind: kind, start: start, end: pos, text: text(start, pos)) }
    private func error(_ message: String, at start: Int) -> Token { Token(kind: .error, start: start, end: bytes.count, text: message) }

    /// The character at `i` as Go's `%q` prints a rune: `'x'`.
    private func quotedRune(at i: Int) -> String {
        guard i < bytes.count else { return "'\\x00'" }
        let s = String(decoding: bytes[i..<min(bytes.count, i + 4)], as: UTF8.self)
        return goQuoteRune(s.unicodeScalars.first ?? "\u{FFFD}")
    }

    private mutating func skipSpaceAndComments() -> Bool {
        var skipped = false
        while let c = peek() {
            if isSpace(c) { pos += 1; skipped = true; continue }
            if c == UInt8(ascii: "#") && !durationMode {
                while let d = peek(), d != 0x0A, d != 0x0D { pos += 1 }
                skipped = true
                continue
            }
            break
        }
        return skipped
    }

    private mutating func next() -> Token {
        if braceOpen { return insideBraces() }
        if durationMode { return inDurationExpr() }
        _ = skipSpaceAndComments()
        let start = pos
        guard let c = peek() else {
            if parenDepth != 0 { return error("unclosed left parenthesis", at: pos) }
            if bracketOpen { return error("unclosed left bracket", at: pos) }
            return Token(kind: .eof, start: pos, end: pos, text: "")
        }
        pos += 1
        switch c {
        case UInt8(ascii: ","): return token(.comma, start)
        case UInt8(ascii: "*"): return token(.mul, start)
        case UInt8(ascii: "/"): return token(.div, start)
        case UInt8(ascii: "%"): return token(.mod, start)
        case UInt8(ascii: "+"): return token(.add, start)
        case UInt8(ascii: "-"): return token(.sub, start)
        case UInt8(ascii: "^"): return token(.pow, start)
        case UInt8(ascii: "@"): return token(.at, start)
        case UInt8(ascii: "="):
            if peek() == UInt8(ascii: "=") { pos += 1; return token(.eqlc, start) }
            if peek() == UInt8(ascii: "~") { return error("unexpected character after '=': '~'", at: start) }
            return token(.assign, start)
        case UInt8(ascii: "!"):
            if peek() == UInt8(ascii: "=") { pos += 1; return token(.neq, start) }
            return error("unexpected character after '!': \(quotedRune(at: pos))", at: start)
        case UInt8(ascii: "<"):
            if peek() == UInt8(ascii: "=") { pos += 1; return token(.lte, start) }
            if peek() == UInt8(ascii: "/") { pos += 1; return token(.trimUpper, start) }
            return token(.lss, start)
        case UInt8(ascii: ">"):
            if peek() == UInt8(ascii: "=") { pos += 1; return token(.gte, start) }
            if peek() == UInt8(ascii: "/") { pos += 1; return token(.trimLower, start) }
            return token(.gtr, start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return lexString(quote: c, start: start)
        case UInt8(ascii: "`"): return lexRawString(start: start)
        case UInt8(ascii: "("):
            parenDepth += 1
            return token(.leftParen, start)
        case UInt8(ascii: ")"):
            parenDepth -= 1
            if parenDepth < 0 { return error("unexpected right parenthesis ')'", at: pos) }
            return token(.rightParen, start)
        case UInt8(ascii: "{"):
            braceOpen = true
            return token(.leftBrace, start)
        case UInt8(ascii: "["):
            if bracketOpen { return error("unexpected left bracket '['", at: start) }
            gotColon = false
            gotDuration = false
            bracketOpen = true
            durationMode = true
            return token(.leftBracket, start)
        case UInt8(ascii: "]"):
            if !bracketOpen { return error("unexpected right bracket ']'", at: start) }
            bracketOpen = false
            return token(.rightBracket, start)
        default:
            if isDigit(c) || (c == UInt8(ascii: ".") && peek().map(isDigit) == true) {
                pos = start
                return lexNumberOrDuration(start: start)
            }
            if isAlpha(c) || c == UInt8(ascii: ":") {
                if !bracketOpen {
                    pos = start
                    return lexKeywordOrIdentifier(start: start)
                }
                if c == UInt8(ascii: ":") {
                    if gotColon { return error("unexpected colon ':'", at: start) }
                    gotColon = true
                    return token(.colon, start)
                }
                if let t = lexDurationKeyword(start: start) { return t }
                return error("unexpected character: \(quotedRune(at: start)), expected ':'", at: start)
            }
            return error("unexpected character: \(quotedRune(at: start))", at: start)
        }
    }

    private mutating func inDurationExpr() -> Token {
        if skipSpaceAndComments() { /* spaces only; no comments inside [ ] */ }
        let start = pos
        guard let c = peek() else { return error("unexpected end of input in duration expression", at: pos) }
        pos += 1
        switch c {
        case UInt8(ascii: "]"):
            durationMode = false
            bracketOpen = false
            gotColon = false
            return token(.rightBracket, start)
        case UInt8(ascii: ":"):
            if !gotDuration { return error("unexpected colon before duration in duration expression", at: pos) }
            if gotColon { return error("unexpected repeated colon in duration expression", at: pos) }
            gotColon = true
            return token(.colon, start)
        case UInt8(ascii: "("):
            parenDepth += 1
            return token(.leftParen, start)
        case UInt8(ascii: ")"):
            parenDepth -= 1
            if parenDepth < 0 { return error("unexpected right parenthesis ')'", at: pos) }
            return token(.rightParen, start)
        case UInt8(ascii: "+"): return token(.add, start)
        case UInt8(ascii: "-"): return token(.sub, start)
        case UInt8(ascii: "*"): return token(.mul, start)
        case UInt8(ascii: "/"): return token(.div, start)
        case UInt8(ascii: "%"): return token(.mod, start)
        case UInt8(ascii: "^"): return token(.pow, start)
        case UInt8(ascii: ","): return token(.comma, start)
        default:
            if isAlpha(c), let t = lexDurationKeyword(start: start) { return t }
            if isDigit(c) || (c == UInt8(ascii: ".") && peek().map(isDigit) == true) {
                pos = start
                gotDuration = true
                durationMode = false
                return lexNumberOrDuration(start: start)
            }
            return error("unexpected character in duration expression: \(quotedRune(at: start))", at: start)
        }
    }

    /// `step`, `range`, `max_of`, `min_of` inside brackets (any letter case); nil when the word is another one.
    private mutating func lexDurationKeyword(start: Int) -> Token? {
        pos = start
        while let c = peek(), isAlpha(c) { pos += 1 }
        let word = text(start, pos).lowercased()
        if let k = Keyword.byLowercased[word], [.step, .range, .max_of, .min_of].contains(k) {
            return token(.keyword(k), start)
        }
        pos = start + 1
        return nil
    }

    private mutating func insideBraces() -> Token {
        while let c = peek(), isSpace(c) { pos += 1 }
        if peek() == UInt8(ascii: "#") {
            while let d = peek(), d != 0x0A, d != 0x0D { pos += 1 }
            return insideBraces()
        }
        let start = pos
        guard let c = peek() else { return error("unexpected end of input inside braces", at: pos) }
        pos += 1
        switch c {
        case UInt8(ascii: ","): return token(.comma, start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return lexString(quote: c, start: start)
        case UInt8(ascii: "`"): return lexRawString(start: start)
        case UInt8(ascii: "="):
            if peek() == UInt8(ascii: "~") { pos += 1; return token(.eqlRegex, start) }
            return token(.assign, start)
        case UInt8(ascii: "!"):
            if peek() == UInt8(ascii: "~") { pos += 1; return token(.neqRegex, start) }
            if peek() == UInt8(ascii: "=") { pos += 1; return token(.neq, start) }
            return error("unexpected character after '!' inside braces: \(quotedRune(at: pos))", at: start)
        case UInt8(ascii: "{"): return error("unexpected left brace '{'", at: start)
        case UInt8(ascii: "}"):
            braceOpen = false
            return token(.rightBrace, start)
        default:
            if isAlpha(c) {
                while let d = peek(), isAlpha(d) || isDigit(d) { pos += 1 }
                return token(.identifier, start)
            }
            return error("unexpected character inside braces: \(quotedRune(at: start))", at: start)
        }
    }

    private mutating func lexKeywordOrIdentifier(start: Int) -> Token {
        while let c = peek(), isAlpha(c) || isDigit(c) || c == UInt8(ascii: ":") { pos += 1 }
        let word = text(start, pos)
        let lower = word.lowercased()
        if lower == "inf" || lower == "nan" { return token(.number, start) }
        if let k = Keyword.byLowercased[lower] {
            if [.fill, .fill_left, .fill_right].contains(k) && !followedByLeftParen() { return token(.identifier, start) }
            return token(.keyword(k), start)
        }
        return token(word.contains(":") ? .metricIdentifier : .identifier, start)
    }

    private func followedByLeftParen() -> Bool {
        var i = pos
        while i < bytes.count, isSpace(bytes[i]) { i += 1 }
        return i < bytes.count && bytes[i] == UInt8(ascii: "(")
    }

    private mutating func lexString(quote: UInt8, start: Int) -> Token {
        while let c = peek() {
            pos += 1
            if c == UInt8(ascii: "\\") {
                if let err = lexEscape(quote: quote, start: start) { return err }
                continue
            }
            if c == quote { return token(.string, start) }
            if c == 0x0A { break }
        }
        return error("unterminated quoted string", at: start)
    }

    /// Checks one escape sequence after a backslash; the value is decoded later by `unquote`.
    private mutating func lexEscape(quote: UInt8, start: Int) -> Token? {
        guard let c = peek() else { return error("escape sequence not terminated", at: start) }
        pos += 1
        var digits: Int
        var base: UInt32
        var maxValue: UInt32
        switch c {
        case UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"),
             UInt8(ascii: "t"), UInt8(ascii: "v"), UInt8(ascii: "\\"), quote:
            return nil
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            (digits, base, maxValue) = (3, 8, 255)
            pos -= 1
        case UInt8(ascii: "x"): (digits, base, maxValue) = (2, 16, 255)
        case UInt8(ascii: "u"): (digits, base, maxValue) = (4, 16, 0x10FFFF)
        case UInt8(ascii: "U"): (digits, base, maxValue) = (8, 16, 0x10FFFF)
        default:
            let scalar = String(decoding: bytes[(pos - 1)..<min(bytes.count, pos + 3)], as: UTF8.self).unicodeScalars.first!
            return error("unknown escape sequence \(goUnicodeName(scalar))", at: start)
        }
        var value: UInt32 = 0
        while digits > 0 {
            guard let d = peek() else { return error("escape sequence not terminated", at: start) }
            guard let v = hexValue(d), v < base else {
                let scalar = String(decoding: bytes[pos..<min(bytes.count, pos + 4)], as: UTF8.self).unicodeScalars.first!
                return error("illegal character \(goUnicodeName(scalar)) in escape sequence", at: start)
            }
            value = value * base + v
            pos += 1
            digits -= 1
        }
        if value > maxValue || (0xD800..<0xE000).contains(value) {
            return error("escape sequence is an invalid Unicode code point", at: start)
        }
        return nil
    }

    private mutating func lexRawString(start: Int) -> Token {
        while let c = peek() {
            pos += 1
            if c == UInt8(ascii: "`") { return token(.string, start) }
        }
        return error("unterminated raw string", at: start)
    }

    private mutating func lexNumberOrDuration(start: Int) -> Token {
        if scanNumber() { return token(.number, start) }
        if acceptRemainingDuration() {
            return token(.duration, start)
        }
        return error("bad number or duration syntax: \(goQuote(text(start, min(pos, bytes.count))))", at: start)
    }

    private mutating func accept(_ set: String) -> Bool {
        if let c = peek(), set.utf8.contains(c) { pos += 1; return true }
        return false
    }

    private func isNext(_ set: String) -> Bool { peek().map { set.utf8.contains($0) } ?? false }

    /// Prometheus's number syntax: decimal with `.`/exponent/`_` separators, or `0x` hex.
    private mutating func scanNumber() -> Bool {
        let initial = pos
        var digitSet = "0123456789"
        if accept("0") {
            if accept("xX") {
                _ = accept("_")
                digitSet = "0123456789abcdefABCDEF"
            }
        }
        _ = accept(".")
        _ = accept(digitSet)
        var dotSeen = false
        var exponentSeen = false
        while isNext(digitSet + "._eE") {
            if isNext(".") && dotSeen { _ = accept("."); return false }
            if isNext("eE") && exponentSeen && digitSet.count == 10 { _ = accept("eE"); return false }
            if digitSet.count == 10 && accept("eE") {
                exponentSeen = true
                _ = accept("+-")
                if accept("._eE") || peek() == nil { return false }
                continue
            }
            if accept(".") {
                dotSeen = true
                if accept("_.") { return false }
                if digitSet.count > 10 { return false }
                continue
            }
            if accept("_") {
                if accept("._eE") || peek() == nil { return false }
                continue
            }
            while accept(digitSet) {}
        }
        if pos == initial { return false }
        if let c = peek(), isAlpha(c) || isDigit(c) { return false }
        return true
    }

    private mutating func acceptRemainingDuration() -> Bool {
        guard accept("smhdwy") else { return false }
        _ = accept("s")
        while accept("0123456789") {
            while accept("0123456789") {}
            guard accept("smhdw") else { return false }
            _ = accept("s")
        }
        if let c = peek(), isAlpha(c) || isDigit(c) { pos += 1; return false }
        return true
    }
}

func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
func isAlpha(_ c: UInt8) -> Bool { c == UInt8(ascii: "_") || (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) }
func hexValue(_ c: UInt8) -> UInt32? {
    switch c {
    case 0x30...0x39: return UInt32(c - 0x30)
    case 0x61...0x66: return UInt32(c - 0x61 + 10)
    case 0x41...0x46: return UInt32(c - 0x41 + 10)
    default: return nil
    }
}
