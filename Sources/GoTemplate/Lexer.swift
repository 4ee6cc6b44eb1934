/// Splits template text into tokens as Go's text/template lexer does: text outside `{{ }}`, and inside
/// actions identifiers, fields, variables, literals, keywords and punctuation. Trim markers (`{{- ` and
/// ` -}}`) remove the white space next to the action; comments (`{{/* … */}}`) produce no token.
struct Token: Equatable {
    enum Kind: Equatable {
        case text, leftDelim, rightDelim, space, identifier, field, variable
        case string, rawString, char, number, bool, `nil`, dot, pipe, leftParen, rightParen
        case assign, declare, comma, keyword, eof, error
    }
    var kind: Kind
    /// The token's text (for `error`, the message; for `text`, after trimming).
    var value: String
    /// Byte offset of the token in the source.
    var pos: Int
}

struct Lexer {
    static let keywords: Set<String> = ["block", "break", "continue", "define", "else", "end", "if", "range", "nil", "template", "with"]

    private let src: [UInt8]
    private var pos = 0
    private var parenDepth = 0
    private(set) var tokens: [Token] = []
    /// Set by ` -}}`: the next text loses its leading white space.
    private var trimNextText = false

    init(_ text: String) { src = Array(text.utf8) }

    static func tokenize(_ text: String) -> [Token] {
        var lexer = Lexer(text)
        lexer.run()
        return lexer.tokens
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    static func isAlphaNumeric(_ c: UInt8) -> Bool {
        c == 0x5F || (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c >= 0x80
    }

    private func at(_ s: StaticString, _ p: Int) -> Bool {
        let n = s.utf8CodeUnitCount
        guard p + n <= src.count else { return false }
        return s.withUTF8Buffer { u in
            for i in 0..<n where src[p + i] != u[i] { return false }
            return true
        }
    }

    private func string(_ a: Int, _ b: Int) -> String { String(decoding: src[a..<b], as: UTF8.self) }

    /// `{{- ` at p (the trim marker needs white space after it).
    private func leftTrimAt(_ p: Int) -> Bool { p + 2 < src.count && src[p] == UInt8(ascii: "-") && Lexer.isSpace(src[p + 1]) }

    /// At a right delimiter: (is, with trim marker).
    private func atRightDelim(_ p: Int) -> (Bool, Bool) {
        if p + 1 < src.count, Lexer.isSpace(src[p]), src[p + 1] == UInt8(ascii: "-"), at("}}", p + 2) { return (true, true) }
        return (at("}}", p), false)
    }

    private mutating func emit(_ kind: Token.Kind, _ start: Int) {
        tokens.append(Token(kind: kind, value: string(start, pos), pos: start))
    }

    private mutating func fail(_ message: String, _ p: Int) {
        tokens.append(Token(kind: .error, value: message, pos: p))
    }

    mutating func run() {
        while true {
            // Text up to the next "{{".
            let start = pos
            var next = pos
            while next < src.count && !at("{{", next) { next += 1 }
            var textEnd = next
            var actionStart = next + 2
            let trimLeft = next < src.count && leftTrimAt(next + 2)
            if trimLeft {
                actionStart += 2
                while textEnd > start && Lexer.isSpace(src[textEnd - 1]) { textEnd -= 1 }
            }
            var textStart = start
            if trimNextText {
                while textStart < textEnd && Lexer.isSpace(src[textStart]) { textStart += 1 }
                trimNextText = false
            }
            if textStart < textEnd { tokens.append(Token(kind: .text, value: string(textStart, textEnd), pos: textStart)) }
            if next >= src.count {
                tokens.append(Token(kind: .eof, value: "", pos: src.count))
                return
            }
            pos = actionStart
            // A comment takes the whole action.
            if at("/*", pos) {
                guard lexComment(actionStart: next) else { return }
                continue
            }
            tokens.append(Token(kind: .leftDelim, value: "{{", pos: next))
            parenDepth = 0
            guard lexInsideAction(actionStart: next) else { return }
        }
    }

    private mutating func lexComment(actionStart: Int) -> Bool {
        var p = pos + 2
        while p + 1 < src.count && !(src[p] == UInt8(ascii: "*") && src[p + 1] == UInt8(ascii: "/")) { p += 1 }
        guard p + 1 < src.count else { fail("unclosed comment", actionStart); return false }
        p += 2
        let (isDelim, trim) = atRightDelim(p)
        guard isDelim else { fail("comment ends before closing delimiter", actionStart); return false }
        pos = p + (trim ? 4 : 2)
        if trim { trimNextText = true }
        return true
    }

    /// Lexes one action after its "{{"; false after an error.
    private mutating func lexInsideAction(actionStart: Int) -> Bool {
        while true {
            let (isDelim, trim) = atRightDelim(pos)
            if isDelim && parenDepth == 0 {
                let p = pos + (trim ? 1 : 0)
                pos += trim ? 4 : 2
                tokens.append(Token(kind: .rightDelim, value: "}}", pos: p))
                if trim { trimNextText = true }
                return true
            }
            if isDelim {
                fail("unclosed left paren", pos)
                return false
            }
            guard pos < src.count else { fail("unclosed action", src.count); return false }
            let start = pos
            let c = src[pos]
            switch c {
            case _ where Lexer.isSpace(c):
                while pos < src.count && Lexer.isSpace(src[pos]) && !atRightDelim(pos).1 { pos += 1 }
                emit(.space, start)
            case UInt8(ascii: "="): pos += 1; emit(.assign, start)
            case UInt8(ascii: ":"):
                guard pos + 1 < src.count, src[pos + 1] == UInt8(ascii: "=") else { fail("expected :=", start); return false }
                pos += 2; emit(.declare, start)
            case UInt8(ascii: "|"): pos += 1; emit(.pipe, start)
            case UInt8(ascii: ","): pos += 1; emit(.comma, start)
            case UInt8(ascii: "\""):
                pos += 1
                while true {
                    guard pos < src.count, src[pos] != 0x0A else { fail("unterminated quoted string", start); return false }
                    if src[pos] == UInt8(ascii: "\\") {
                        pos += 1
                        guard pos < src.count, src[pos] != 0x0A else { fail("unterminated quoted string", start); return false }
                    } else if src[pos] == UInt8(ascii: "\"") { pos += 1; break }
                    pos += 1
                }
                emit(.string, start)
            case UInt8(ascii: "`"):
                pos += 1
                while pos < src.count && src[pos] != UInt8(ascii: "`") { pos += 1 }
                guard pos < src.count else { fail("unterminated raw quoted string", start); return false }
                pos += 1
                emit(.rawString, start)
            case UInt8(ascii: "'"):
                pos += 1
                while true {
                    guard pos < src.count, src[pos] != 0x0A else { fail("unterminated character constant", start); return false }
                    if src[pos] == UInt8(ascii: "\\") {
                        pos += 1
                        guard pos < src.count, src[pos] != 0x0A else { fail("unterminated character constant", start); return false }
                    } else if src[pos] == UInt8(ascii: "'") { pos += 1; break }
                    pos += 1
                }
                emit(.char, start)
            case UInt8(ascii: "$"):
                pos += 1
                while pos < src.count && Lexer.isAlphaNumeric(src[pos]) { pos += 1 }
                guard checkTerminator() else { return false }
                emit(.variable, start)
            case UInt8(ascii: "."):
                if pos + 1 < src.count, (0x30...0x39).contains(src[pos + 1]) {
                    guard lexNumber() else { return false }
                    continue
                }
                pos += 1
                if pos < src.count && Lexer.isAlphaNumeric(src[pos]) {
                    while pos < src.count && Lexer.isAlphaNumeric(src[pos]) { pos += 1 }
                    guard checkTerminator() else { return false }
                    emit(.field, start)
                } else {
                    guard checkTerminator() else { return false }
                    emit(.dot, start)
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"), 0x30...0x39:
                guard lexNumber() else { return false }
            case UInt8(ascii: "("):
                pos += 1; parenDepth += 1; emit(.leftParen, start)
            case UInt8(ascii: ")"):
                pos += 1; parenDepth -= 1
                guard parenDepth >= 0 else { fail("unexpected right paren", start); return false }
                emit(.rightParen, start)
            case _ where Lexer.isAlphaNumeric(c):
                while pos < src.count && Lexer.isAlphaNumeric(src[pos]) { pos += 1 }
                guard checkTerminator() else { return false }
                let word = string(start, pos)
                if word == "true" || word == "false" { emit(.bool, start) }
                else if word == "nil" { emit(.nil, start) }
                else if Lexer.keywords.contains(word) { emit(.keyword, start) }
                else { emit(.identifier, start) }
            default:
                let scalar = String(decoding: src[pos..<min(pos + 4, src.count)], as: UTF8.self).unicodeScalars.first ?? "?"
                fail("unrecognized character in action: \(Lexer.describe(scalar))", start)
                return false
            }
        }
    }

    /// Go's `%#U`: `U+0023 '#'`.
    static func describe(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return s.properties.isWhitespace || s.value < 0x20 ? code : "\(code) '\(Character(s))'"
    }

    /// After a word, field or variable: white space, the end, `.`, `,`, `|`, `:`, `(`, `)` or a delimiter.
    private mutating func checkTerminator() -> Bool {
        guard pos < src.count else { return true }
        let c = src[pos]
        if Lexer.isSpace(c) || ".,|:()=".utf8.contains(c) || at("}}", pos) { return true }
        let scalar = String(decoding: src[pos..<min(pos + 4, src.count)], as: UTF8.self).unicodeScalars.first ?? "?"
        fail("bad character \(Lexer.describe(scalar))", pos)
        return false
    }

    /// Go's number syntax: sign, 0x/0o/0b prefixes, `_` separators, fraction, exponent (validated later).
    private mutating func lexNumber() -> Bool {
        let start = pos
        if pos < src.count && (src[pos] == UInt8(ascii: "+") || src[pos] == UInt8(ascii: "-")) { pos += 1 }
        var digits = "0123456789_"
        if at("0", pos), pos + 1 < src.count, "xXoObB".utf8.contains(src[pos + 1]) {
            digits = "xX".utf8.contains(src[pos + 1]) ? "0123456789abcdefABCDEF_" : "01234567_"
            if "bB".utf8.contains(src[pos + 1]) { digits = "01_" }
            pos += 2
        }
        func run(_ set: String) { while pos < src.count && set.utf8.contains(src[pos]) { pos += 1 } }
        run(digits)
        if pos < src.count && src[pos] == UInt8(ascii: ".") { pos += 1; run(digits) }
        if digits.count == 11, pos < src.count, "eE".utf8.contains(src[pos]) {
            pos += 1
            if pos < src.count && "+-".utf8.contains(src[pos]) { pos += 1 }
            run("0123456789_")
        }
        if digits.count == 23, pos < src.count, "pP".utf8.contains(src[pos]) {
            pos += 1
            if pos < src.count && "+-".utf8.contains(src[pos]) { pos += 1 }
            run("0123456789_")
        }
        if pos < src.count && Lexer.isAlphaNumeric(src[pos]) {
            pos += 1
            fail("bad number syntax: \"\(string(start, pos))\"", start)
            return false
        }
        emit(.number, start)
        return true
    }
}
