/// A relabel regex compiled once: fully anchored (`^(?:regex)$`, as Prometheus wraps it), RE2 syntax
/// (see `RE2Syntax`), matched on Unicode scalars with ASCII-only `\d`, `\w`, `\s`, `\b` as RE2 does.
///
/// The shapes real configs use most skip the regex engine: a literal, literal alternatives
/// (`a|b|c`), and a literal prefix followed by `.*`, `.+`, `(.*)` or `(.+)` — which covers the
/// default `(.*)`, `__meta_.*` and `__meta_kubernetes_pod_label_(.+)`.
///
/// PromQL's `label_replace` uses the same regexes with `.` matching newlines too (`dotMatchesNewline`), as
/// Prometheus wraps those as `^(?s:regex)$`.
public struct RelabelRegex: @unchecked Sendable {
    private enum Plan {
        case literals(Set<String>)
        /// `prefix` then any run of characters (other than `\n` unless `newlines`; at least one when
        /// `nonEmpty`); group 1 is that run when `captured`.
        case prefix(String, nonEmpty: Bool, captured: Bool, newlines: Bool)
        case regex(Regex<AnyRegexOutput>)
    }

    /// The pattern as written in the config.
    public let pattern: String
    private let plan: Plan

    public init(_ pattern: String, dotMatchesNewline: Bool = false) throws(RE2Syntax.Problem) {
        self.pattern = pattern
        if let plan = RelabelRegex.fastPlan(pattern, newlines: dotMatchesNewline) { self.plan = plan; return }
        let translated: String
        switch RE2Syntax.translate(pattern, dotMatchesNewline: dotMatchesNewline) {
        case .success(let t): translated = t
        case .failure(let problem): throw problem
        }
        do {
            let re = try Regex((dotMatchesNewline ? "(?s:" : "(?:") + translated + ")")
                .matchingSemantics(.unicodeScalar)
                .asciiOnlyCharacterClasses()
                .wordBoundaryKind(.simple)
            plan = .regex(re)
        } catch {
            throw RE2Syntax.Problem(reason: "\(error)")
        }
    }

    /// True when the whole of `s` matches.
    public func matches(_ s: String) -> Bool {
        switch plan {
        case .literals(let set):
            // Set lookup compares canonically equivalent strings as equal; RE2 compares code points.
            guard let i = set.firstIndex(of: s) else { return false }
            return set[i].utf8.elementsEqual(s.utf8)
        case .prefix(let p, let nonEmpty, _, let newlines):
            guard s.utf8.starts(with: p.utf8) else { return false }
            let rest = s.utf8.dropFirst(p.utf8.count)
            return !(nonEmpty && rest.isEmpty) && (newlines || !rest.contains(UInt8(ascii: "\n")))
        case .regex(let re): return (try? re.wholeMatch(in: s)) != nil
        }
    }

    /// The capture groups when the whole of `s` matches; group 0 is all of `s`.
    public func match(_ s: String) -> Match? {
        switch plan {
        case .literals:
            return matches(s) ? Match(subject: s, groups: [s.startIndex..<s.endIndex], names: [nil]) : nil
        case .prefix(let p, _, let captured, _):
            guard matches(s) else { return nil }
            let whole = s.startIndex..<s.endIndex
            guard captured else { return Match(subject: s, groups: [whole], names: [nil]) }
            let restStart = s.utf8.index(s.startIndex, offsetBy: p.utf8.count)
            return Match(subject: s, groups: [whole, restStart..<s.endIndex], names: [nil, nil])
        case .regex(let re):
            guard let m = try? re.wholeMatch(in: s) else { return nil }
            let output = m.output
            var groups: [Range<String.Index>?] = []
            var names: [String?] = []
            groups.reserveCapacity(output.count)
            for element in output {
                groups.append(element.range)
                names.append(element.name)
            }
            return Match(subject: s, groups: groups, names: names)
        }
    }

    public struct Match {
        let subject: String
        /// Ranges on Unicode scalar boundaries: read them through `subject.unicodeScalars`.
        let groups: [Range<String.Index>?]
        let names: [String?]
    }

    private static func fastPlan(_ pattern: String, newlines: Bool) -> Plan? {
        if let alternatives = literalAlternatives(Substring(pattern)) { return .literals(Set(alternatives)) }
        for (tail, nonEmpty, captured) in [(".*", false, false), (".+", true, false), ("(.*)", false, true), ("(.+)", true, true)]
        where pattern.hasSuffix(tail) {
            let head = pattern.dropLast(tail.count)
            if let lits = literalAlternatives(head), lits.count == 1 {
                return .prefix(lits[0], nonEmpty: nonEmpty, captured: captured, newlines: newlines)
            }
        }
        return nil
    }

    /// `a|b|c` where each alternative is plain text (backslash-escaped ASCII punctuation allowed); nil otherwise.
    static func literalAlternatives(_ pattern: Substring) -> [String]? {
        var out: [String] = []
        var current = ""
        var escaped = false
        for c in pattern.unicodeScalars {
            if escaped {
                guard c.isASCII, "\\.+*?()|[]{}^$-/".unicodeScalars.contains(c) else { return nil }
                current.unicodeScalars.append(c)
                escaped = false
                continue
            }
            switch c {
            case "\\": escaped = true
            case "|": out.append(current); current = ""
            case ".", "+", "*", "?", "(", ")", "[", "]", "{", "}", "^", "$": return nil
            default: current.unicodeScalars.append(c)
            }
        }
        if escaped { return nil }
        out.append(current)
        return out
    }
}
