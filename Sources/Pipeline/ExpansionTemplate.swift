/// A `replacement` or `target_label` template, parsed once, expanded with Go's `Regexp.Expand` rules
/// (what Prometheus uses):
/// - `$$` is a literal `$`;
/// - `$name` takes the longest run of letters, digits and `_` as the name, so `$1x` names the group
///   `1x` (usually absent, hence empty) — write `${1}x` for group 1 then `x`;
/// - `${name}` names the group between the braces;
/// - a name of ASCII digits without a leading zero is a group number, anything else a group name;
///   a group that does not exist or did not take part in the match expands to nothing;
/// - a `$` not followed by a valid name (e.g. `$-`, `${}`, `${x`) is kept as a literal `$`.
public struct ExpansionTemplate: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case text(String)
        case number(Int)
        case name(String)
    }

    let pieces: [Piece]

    /// Go stops reading a group number at this size and treats the name as a group name instead.
    static let groupNumberLimit = 100_000_000

    public init(_ template: String) {
        var pieces: [Piece] = []
        var text = String.UnicodeScalarView()
        var rest = template.unicodeScalars[...]
        while let dollar = rest.firstIndex(of: "$") {
            text.append(contentsOf: rest[..<dollar])
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                text.append("$")
                rest = rest.dropFirst()
                continue
            }
            guard let (piece, remaining) = ExpansionTemplate.reference(rest) else {
                text.append("$")
                continue
            }
            if !text.isEmpty { pieces.append(.text(String(text))); text = String.UnicodeScalarView() }
            pieces.append(piece)
            rest = remaining
        }
        text.append(contentsOf: rest)
        if !text.isEmpty { pieces.append(.text(String(text))) }
        self.pieces = pieces
    }

    /// True when the template has no group references: expanding gives the same text every time.
    var isLiteral: Bool { pieces.allSatisfy { if case .text = $0 { true } else { false } } }

    /// The text when `isLiteral`.
    var literal: String? {
        guard isLiteral else { return nil }
        return pieces.map { if case .text(let t) = $0 { t } else { "" } }.joined()
    }

    public func expand(_ match: RelabelRegex.Match) -> String {
        if pieces.count == 1, case .text(let t) = pieces[0] { return t }
        var out = String.UnicodeScalarView()
        let scalars = match.subject.unicodeScalars
        func append(_ group: Int) {
            if group < match.groups.count, let range = match.groups[group] { out.append(contentsOf: scalars[range]) }
        }
        for piece in pieces {
            switch piece {
            case .text(let t): out.append(contentsOf: t.unicodeScalars)
            case .number(let n): append(n)
            case .name(let name):
                // The first group of that name that took part in the match.
                if let i = match.names.indices.first(where: { match.names[$0] == name && match.groups[$0] != nil }) { append(i) }
            }
        }
        return String(out)
    }

    /// Reads `name`, `{name}` after a `$`; nil when malformed.
    private static func reference(_ s: Substring.UnicodeScalarView) -> (Piece, Substring.UnicodeScalarView)? {
        var rest = s
        let braced = rest.first == "{"
        if braced { rest = rest.dropFirst() }
        let end = rest.firstIndex { !isNameScalar($0) } ?? rest.endIndex
        let name = rest[..<end]
        guard !name.isEmpty else { return nil }
        rest = rest[end...]
        if braced {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        return (piece(String(name)), rest)
    }

    private static func piece(_ name: String) -> Piece {
        let utf8 = name.utf8
        guard utf8.allSatisfy({ (0x30...0x39).contains($0) }), !(utf8.first == 0x30 && utf8.count > 1) else { return .name(name) }
        var n = 0
        for b in utf8 {
            if n >= groupNumberLimit { return .name(name) }
            n = n * 10 + Int(b - 0x30)
        }
        return .number(n)
    }

    /// Go's `unicode.IsLetter || unicode.IsDigit || '_'`.
    private static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII {
            let v = c.value
            return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || v == 0x5F
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber: return true
        default: return false
        }
    }
}
