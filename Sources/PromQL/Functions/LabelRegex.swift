/// A `label_replace` regex: RE2 syntax, matched against the whole value with `.` matching newlines too
/// (Prometheus wraps it as `^(?s:regex)$`), on Unicode scalars with ASCII-only `\d`, `\w`, `\s`, `\b` as RE2 has them.
///
/// Swift's regex syntax is a superset of RE2's; the constructs RE2 refuses and Swift would accept
/// (lookaround, atomic groups, backreferences, possessive repetition, `\v`) are refused here too.
struct LabelRegex: @unchecked Sendable {
    struct Refused: Error { let reason: String }

    struct Match {
        let subject: String
        /// Group 0 is the whole value; nil for a group that took no part in the match.
        let groups: [Range<String.Index>?]
        let names: [String?]
    }

    private let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws {
        if let reason = LabelRegex.nonRE2Construct(pattern) { throw Refused(reason: reason) }
        regex = try Regex("(?s:" + pattern + ")")
            .matchingSemantics(.unicodeScalar)
            .asciiOnlyCharacterClasses()
            .wordBoundaryKind(.simple)
    }

    func wholeMatch(_ s: String) -> Match? {
        guard let m = try? regex.wholeMatch(in: s) else { return nil }
        var groups: [Range<String.Index>?] = []
        var names: [String?] = []
        for element in m.output {
            groups.append(element.range)
            names.append(element.name)
        }
        return Match(subject: s, groups: groups, names: names)
    }

    /// Why the pattern uses something RE2 does not have, or nil.
    static func nonRE2Construct(_ pattern: String) -> String? {
        let s = Array(pattern.unicodeScalars)
        var i = 0
        var inClass = false
        var afterRepeat = false
        while i < s.count {
            let c = s[i]
            var isRepeat = false
            switch c {
            case "\\":
                guard i + 1 < s.count else { return "trailing backslash" }
                let e = s[i + 1]
                if ("1"..."9").contains(e) { return "backreferences are not supported" }
                if e == "v" || e == "k" || e == "g" { return "\\\(e) is not RE2 syntax" }
                i += 2
                afterRepeat = false
                continue
            case "[" where !inClass: inClass = true
            case "]" where inClass: inClass = false
            case "(" where !inClass:
                if i + 2 < s.count, s[i + 1] == "?" {
                    let k = s[i + 2]
                    if k == "=" || k == "!" || k == ">" { return "lookaround and atomic groups are not supported" }
                    if k == "<", i + 3 < s.count, s[i + 3] == "=" || s[i + 3] == "!" { return "lookbehind is not supported" }
                }
            case "*", "+", "?":
                if inClass { break }
                if afterRepeat {
                    // Only a lazy `?` may follow a repetition operator.
                    if c != "?" { return c == "+" ? "possessive repetition is not supported" : "repetition of a repetition is not allowed" }
                } else {
                    isRepeat = true
                }
            default: break
            }
            afterRepeat = isRepeat
            i += 1
        }
        return nil
    }
}

/// A replacement with Go's `Regexp.Expand` rules: `$$` is `$`; `$name` takes the longest run of letters,
/// digits and `_`; `${name}` the name in braces; an all-digit name without a leading zero is a group number;
/// a missing group or one that did not take part expands to nothing; a `$` without a valid name stays literal.
struct ReplacementTemplate: Sendable {
    enum Piece: Sendable {
        case text(String)
        case number(Int)
        case name(String)
    }

    let pieces: [Piece]

    /// Go reads a run of at most this many digits as a group number; a longer run is a name (which no group has).
    static let groupNumberDigitsMax = 9

    init(_ template: String) {
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
            guard let (name, remaining) = ReplacementTemplate.reference(rest) else {
                text.append("$")
                continue
            }
            if !text.isEmpty { pieces.append(.text(String(text))); text = String.UnicodeScalarView() }
            pieces.append(ReplacementTemplate.piece(name))
            rest = remaining
        }
        text.append(contentsOf: rest)
        if !text.isEmpty { pieces.append(.text(String(text))) }
        self.pieces = pieces
    }

    func expand(_ match: LabelRegex.Match) -> String {
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
                if let i = match.names.indices.first(where: { match.names[$0] == name && match.groups[$0] != nil }) { append(i) }
            }
        }
        return String(out)
    }

    private static func piece(_ name: String) -> Piece {
        let isNumber = name.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } && !(name.hasPrefix("0") && name.count > 1)
        if isNumber, name.count <= groupNumberDigitsMax, let n = Int(name) { return .number(n) }
        return .name(name)
    }

    /// The name after a `$` (`name` or `{name}`) and what follows it; nil when malformed.
    private static func reference(_ s: Substring.UnicodeScalarView) -> (String, Substring.UnicodeScalarView)? {
        var rest = s
        let braced = rest.first == "{"
        if braced { rest = rest.dropFirst() }
        let end = rest.firstIndex { !($0.properties.isAlphabetic || $0.properties.numericType == .decimal || $0 == "_") } ?? rest.endIndex
        guard end != rest.startIndex else { return nil }
        let name = String(String.UnicodeScalarView(rest[..<end]))
        rest = rest[end...]
        if braced {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        return (name, rest)
    }
}
