import Foundation

/// String helpers shared by the Prometheus and Alertmanager function sets.
enum TextFunctions {
    /// Go's `strings.Title`: the first letter of every word upper-cased; a word starts after any character
    /// that is not a letter, digit, mark or `_`.
    static func goStringsTitle(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var previousSeparates = true
        for u in s.unicodeScalars {
            if previousSeparates && u.properties.isAlphabetic {
                out.append(contentsOf: u.properties.titlecaseMapping.unicodeScalars)
            } else {
                out.append(u)
            }
            previousSeparates = !isWordScalar(u)
        }
        return String(out)
    }

    private static func isWordScalar(_ u: Unicode.Scalar) -> Bool {
        if u == "_" { return true }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default: return false
        }
    }

    /// x/text `cases.Title` for English: words (letters and digits, joined by `'`, `.`, `:` between letters
    /// and `_`) get an upper-case first letter; with `lowerRest` the rest of each word is lower-cased
    /// (Alertmanager's `title`), without it the rest is kept (Prometheus's `title`).
    static func casesTitle(_ s: String, lowerRest: Bool) -> String {
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var inWord = false
        for (i, u) in scalars.enumerated() {
            let isWord = isWordScalar(u)
            let joiner = (u == "'" || u == "." || u == ":" || u == "’") && inWord && i + 1 < scalars.count
                && scalars[i + 1].properties.isAlphabetic && (i > 0 && scalars[i - 1].properties.isAlphabetic)
            if isWord && !inWord {
                out.append(contentsOf: u.properties.titlecaseMapping.unicodeScalars)
                inWord = true
            } else if isWord {
                if lowerRest { out.append(contentsOf: u.properties.lowercaseMapping.unicodeScalars) } else { out.append(u) }
            } else {
                out.append(u)
                inWord = joiner
            }
        }
        return String(out)
    }

    /// Go's `strings.ToUpper`: each character mapped on its own, so `ß` stays `ß` (Swift's would give `SS`).
    static func upper(_ s: String) -> String { mapScalars(s) { $0.properties.uppercaseMapping } }

    /// Go's `strings.ToLower`, character by character.
    static func lower(_ s: String) -> String { mapScalars(s) { $0.properties.lowercaseMapping } }

    private static func mapScalars(_ s: String, _ mapping: (Unicode.Scalar) -> String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let m = mapping(u).unicodeScalars
            out.append(m.count == 1 ? m.first! : u)
        }
        return String(out)
    }

    /// Go's `strings.TrimSpace`.
    static func trimSpace(_ s: String) -> String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace }
        let u = s.unicodeScalars
        guard let start = u.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = u.lastIndex(where: { !isSpace($0) })!
        return String(u[start...end])
    }

    static func compile(_ pattern: String, _ function: String) throws -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern)
        } catch {
            throw TemplateFunctionError("error parsing regexp: \(error): `\(pattern)`")
        }
    }

    /// Go's `regexp.MatchString`: true when the pattern matches anywhere in `text`.
    static func match(_ pattern: String, _ text: String) throws -> Bool {
        let re = try compile(pattern, "match")
        return (try? re.firstMatch(in: text)) != nil
    }

    /// Go's `Regexp.ReplaceAllString`: every non-overlapping match replaced by `replacement` with `$1`,
    /// `${1}`, `$name`, `${name}` expanded and `$$` a literal `$`; empty matches right after a match are skipped.
    static func replaceAll(_ pattern: String, _ replacement: String, _ text: String) throws -> String {
        let re = try compile(pattern, "reReplaceAll")
        var out = ""
        var last = text.startIndex
        var previousEnd: String.Index?
        for m in text.matches(of: re) {
            let r = m.range
            if r.isEmpty, r.lowerBound == previousEnd { continue }
            out += text[last..<r.lowerBound]
            out += expand(replacement, m)
            last = r.upperBound
            previousEnd = r.upperBound
            if out.utf8.count > Limits.outputBytesMax { throw TemplateFunctionError("result larger than \(Limits.outputBytesMax) bytes") }
        }
        out += text[last...]
        return out
    }

    /// Go's `Regexp.Expand` of one match: `$name` takes the longest run of letters, digits and `_`;
    /// a name of digits is a group number; unknown groups expand to nothing; a malformed `$` stays literal.
    static func expand(_ template: String, _ m: Regex<AnyRegexOutput>.Match) -> String {
        var out = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" { out += "$"; rest = rest.dropFirst(); continue }
            let braced = rest.first == "{"
            var body = braced ? rest.dropFirst() : rest
            let end = body.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? body.endIndex
            let name = body[..<end]
            body = body[end...]
            if name.isEmpty || (braced && body.first != "}") { out += "$"; continue }
            if braced { body = body.dropFirst() }
            rest = body
            let output = m.output
            var group: Int?
            if name.allSatisfy({ $0.isASCII && $0.isNumber }), !(name.count > 1 && name.first == "0"), let n = Int(name) {
                group = n
            } else {
                group = output.indices.first { output[$0].name == String(name) && output[$0].range != nil }
            }
            if let g = group, g < output.count, let sub = output[g].substring { out += sub }
        }
        out += rest
        return out
    }
}
