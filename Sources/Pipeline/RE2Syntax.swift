/// Checks a relabel regex, written in RE2 syntax as in prometheus.yml, before Swift `Regex` compiles it.
///
/// Swift's regex syntax is a superset that gives some RE2 spellings another meaning (`[a&&b]` is an
/// intersection, `a*+` possessive, `\v` any vertical space, `{,3}` a repetition) or accepts what RE2
/// rejects (lookaround, backreferences, atomic groups). Those are refused here with the reason, so a
/// pattern never silently means something other than what it means in Prometheus.
///
/// The one rewrite is `.`: RE2's dot excludes only `\n`, Swift's also `\r`, U+0085, U+2028 and U+2029.
/// When the pattern never turns on the `s` flag (and the caller does not wrap it in one), each `.` outside a
/// class becomes `[^\n]`.
public enum RE2Syntax {
    /// Why a pattern is refused.
    public struct Problem: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// RE2 refuses repetition counts above this.
    static let repeatCountMax = 1000

    /// The pattern to hand to Swift `Regex`, or a reason the RE2 pattern is refused.
    /// With `dotMatchesNewline` the caller compiles the result inside `(?s:…)`, so `.` is left as it is.
    static func translate(_ pattern: String, dotMatchesNewline: Bool = false) -> Result<String, Problem> {
        let s = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var afterRepeat = false  // the previous token was a repetition operator
        var afterLazy = false  // ... followed by `?`
        let usesSFlag = dotMatchesNewline || pattern.contains("(?") && flagGroups(s).contains { $0.contains("s") }
        func fail(_ why: String) -> Result<String, Problem> { .failure(Problem(reason: why)) }

        while i < s.count {
            let c = s[i]
            var isRepeat = false
            switch c {
            case "\\":
                guard i + 1 < s.count else { return fail("trailing backslash") }
                let e = s[i + 1]
                if e == "Q" {  // \Q...\E: literal text, same in both syntaxes
                    var j = i + 2
                    while j < s.count, !(s[j] == "\\" && j + 1 < s.count && s[j + 1] == "E") { j += 1 }
                    let end = min(j + 2, s.count)
                    out.append(contentsOf: s[i..<end])
                    if j >= s.count { out.append(contentsOf: "\\E".unicodeScalars) }
                    i = end
                    continue
                }
                if let why = escapeProblem(e, s, i + 1, inClass: false) { return fail(why) }
                out.append(c); out.append(e)
                i += 2
                if e == "p" || e == "P" || e == "x" { copyBraced(s, &i, &out) }
                afterRepeat = false; afterLazy = false
                continue
            case "[":
                guard let end = classEnd(s, i) else { return fail("missing closing ] of a character class") }
                var j = i + 1
                while j < end {
                    let x = s[j]
                    if x == "\\" {
                        if let why = escapeProblem(s[j + 1], s, j + 1, inClass: true) { return fail(why) }
                        j += 2
                        continue
                    }
                    if x == "[" {
                        guard j + 1 < end, s[j + 1] == ":" else { return fail("a [ inside a character class must be written \\[") }
                        j = (j + 2..<end).first { s[$0] == "]" }.map { $0 + 1 } ?? end
                        continue
                    }
                    if j + 1 < end, x == "&" || x == "~" || x == "-", s[j + 1] == x {
                        return fail("\"\(x)\(x)\" inside a character class is ambiguous; escape it as \\\(x)\\\(x)")
                    }
                    j += 1
                }
                if end == i + 1 || (end == i + 2 && s[i + 1] == "^") { return fail("a ] first in a character class must be written \\]") }
                out.append(contentsOf: s[i...end])
                i = end + 1
                afterRepeat = false; afterLazy = false
                continue
            case "(":
                if i + 1 < s.count, s[i + 1] == "?" {
                    switch groupOpener(s, i) {
                    case .success(let end):
                        out.append(contentsOf: s[i..<end])
                        i = end
                        afterRepeat = false; afterLazy = false
                        continue
                    case .failure(let problem): return .failure(problem)
                    }
                }
            case "*", "+", "?":
                if afterRepeat {
                    if c == "?" && !afterLazy { afterLazy = true; out.append(c); i += 1; continue }
                    return fail(c == "+" ? "possessive repetition (\"+\" after a repetition) is not RE2 syntax" : "repetition of a repetition is not allowed")
                }
                if i == 0 || s[i - 1] == "(" || s[i - 1] == "|" { return fail("missing argument to repetition operator \(c)") }
                isRepeat = true
            case "{":
                guard let (end, low, high) = repeatRange(s, i) else {
                    return fail("a literal { must be written \\{ (only {n}, {n,} and {n,m} are repetitions)")
                }
                if low > repeatCountMax || (high ?? 0) > repeatCountMax { return fail("repetition count above \(repeatCountMax)") }
                if let high, high < low { return fail("invalid repetition range {\(low),\(high)}") }
                if afterRepeat { return fail("repetition of a repetition is not allowed") }
                out.append(contentsOf: s[i...end])
                i = end + 1
                afterRepeat = true; afterLazy = false
                continue
            case ".":
                if !usesSFlag { out.append(contentsOf: "[^\\n]".unicodeScalars); i += 1; afterRepeat = false; continue }
            default:
                break
            }
            out.append(c)
            i += 1
            afterRepeat = isRepeat
            afterLazy = false
        }
        return .success(String(out))
    }

    /// Why the escape `\e` (at `s[at]`) is refused, or nil when RE2 and Swift read it alike.
    private static func escapeProblem(_ e: Unicode.Scalar, _ s: [Unicode.Scalar], _ at: Int, inClass: Bool) -> String? {
        switch e {
        case "a", "f", "t", "n", "r", "x", "d", "D", "s", "S", "w", "W": return nil
        case "b", "B", "A", "z": return inClass ? "\\\(e) is not allowed inside a character class" : nil
        case "p", "P":
            return at + 1 < s.count && s[at + 1] == "{" ? nil : "write \\\(e){X} with braces; one-letter \\\(e)X is not supported"
        case "v": return "\\v means vertical tab in RE2 but any vertical space here; write \\x0B"
        case "0"..."9": return "backreferences and octal escapes are not supported; write \\x{..} for a character"
        default:
            if e.isASCII && !(e.properties.isAlphabetic || ("0"..."9").contains(e)) { return nil }  // escaped punctuation
            return "invalid escape sequence \\\(e)"
        }
    }

    /// The index just past a `(?:`, `(?P<name>`, `(?<name>`, `(?flags)` or `(?flags:` opener at `s[i]`
    /// (flags of `imsU`), or why the `(?` group is refused.
    private static func groupOpener(_ s: [Unicode.Scalar], _ i: Int) -> Result<Int, Problem> {
        func fail(_ why: String) -> Result<Int, Problem> { .failure(Problem(reason: why)) }
        var j = i + 2
        guard j < s.count else { return fail("missing closing )") }
        if s[j] == ":" { return .success(j + 1) }
        if s[j] == "P" {
            j += 1
            guard j < s.count, s[j] == "<" else { return fail("(?P\(j < s.count ? String(s[j]) : "") is not RE2 syntax (only (?P<name>...) is)") }
        }
        if s[j] == "<" {
            j += 1
            if j < s.count, s[j] == "=" || s[j] == "!" { return fail("lookbehind (?<\(s[j]) is not supported by RE2") }
            let start = j
            while j < s.count, s[j] == "_" || s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) { j += 1 }
            return j > start && j < s.count && s[j] == ">" ? .success(j + 1) : fail("invalid named capture group")
        }
        var sawFlag = false
        while j < s.count, "imsU-".unicodeScalars.contains(s[j]) { sawFlag = sawFlag || s[j] != "-"; j += 1 }
        if j < s.count, s[j] == ")" || s[j] == ":", sawFlag { return .success(j + 1) }
        guard j < s.count else { return fail("missing closing )") }
        switch s[j] {
        case "=", "!": return fail("lookahead (?\(s[j]) is not supported by RE2")
        case ">": return fail("atomic groups (?> are not supported by RE2")
        case "#": return fail("comments (?# are not supported by RE2")
        default: return fail("unsupported group or flag (?\(s[j]); RE2 knows (?:...), (?P<name>...) and the flags i, m, s, U")
        }
    }

    /// Flag strings of every `(?flags)` / `(?flags:` group.
    private static func flagGroups(_ s: [Unicode.Scalar]) -> [String] {
        var out: [String] = []
        var i = 0
        while i + 1 < s.count {
            if s[i] == "\\" { i += 2; continue }
            if s[i] == "(" && s[i + 1] == "?" {
                var j = i + 2
                var flags = ""
                while j < s.count, "imsU-".unicodeScalars.contains(s[j]) { flags.unicodeScalars.append(s[j]); j += 1 }
                if let on = flags.split(separator: "-", omittingEmptySubsequences: false).first, !on.isEmpty { out.append(String(on)) }
            }
            i += 1
        }
        return out
    }

    /// Index of the `]` closing the class opened at `s[open]` (RE2 rules: escapes and `[:name:]` inside).
    private static func classEnd(_ s: [Unicode.Scalar], _ open: Int) -> Int? {
        var j = open + 1
        if j < s.count, s[j] == "^" { j += 1 }
        if j < s.count, s[j] == "]" { return j }  // reported as a leading ] by the caller
        while j < s.count {
            switch s[j] {
            case "\\": j += 2
            case "[" where j + 1 < s.count && s[j + 1] == ":":
                guard let close = (j + 2..<s.count).first(where: { s[$0] == ":" && $0 + 1 < s.count && s[$0 + 1] == "]" }) else { return nil }
                j = close + 2
            case "]": return j
            default: j += 1
            }
        }
        return nil
    }

    /// `{n}`, `{n,}` or `{n,m}` at `s[open]`: the index of `}` and the bounds.
    private static func repeatRange(_ s: [Unicode.Scalar], _ open: Int) -> (Int, Int, Int?)? {
        var j = open + 1
        func number() -> Int? {
            let start = j
            var n = 0
            while j < s.count, ("0"..."9").contains(s[j]) { n = min(n * 10 + Int(s[j].value - 48), 1_000_000); j += 1 }
            return j > start ? n : nil
        }
        guard let low = number() else { return nil }
        var high: Int? = low
        if j < s.count, s[j] == "," { j += 1; high = number() }
        guard j < s.count, s[j] == "}" else { return nil }
        return (j, low, high)
    }

    /// Copies a `{...}` argument of `\p`, `\P` or `\x` unchanged.
    private static func copyBraced(_ s: [Unicode.Scalar], _ i: inout Int, _ out: inout String.UnicodeScalarView) {
        guard i < s.count, s[i] == "{", let close = s[i...].firstIndex(of: "}") else { return }
        out.append(contentsOf: s[i...close])
        i = close + 1
    }
}
