import Foundation

/// A label matcher with Prometheus semantics: `=`, `!=`, `=~`, `!~`; regexes are fully anchored
/// and `.` matches a newline too. A matcher that matches the empty string also matches series
/// that lack the label.
public struct LabelMatcher: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case regexMatch = "=~"
        case regexNoMatch = "!~"
    }

    public let kind: Kind
    public let name: String
    public let value: String
    private let regex: StringMatcher?

    public init(_ kind: Kind, _ name: String, _ value: String) throws {
        self.kind = kind
        self.name = name
        self.value = value
        switch kind {
        case .equal, .notEqual: regex = nil
        case .regexMatch, .regexNoMatch: regex = try StringMatcher(regex: value)
        }
    }

    public static func equal(_ name: String, _ value: String) -> LabelMatcher {
        try! LabelMatcher(.equal, name, value)
    }

    public func matches(_ s: String) -> Bool {
        switch kind {
        case .equal: return s == value
        case .notEqual: return s != value
        case .regexMatch: return regex!.matches(s)
        case .regexNoMatch: return !regex!.matches(s)
        }
    }

    /// True when a series without this label (value "") matches.
    public var matchesEmpty: Bool { matches("") }

    /// The exact values this matcher accepts, when it is a finite set (`=`, or a regex of literal alternatives).
    public var setMatches: [String]? {
        switch kind {
        case .equal: return [value]
        case .regexMatch: return regex!.literalSet
        default: return nil
        }
    }

    public var description: String {
        let quoted = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\(name)\(kind.rawValue)\"\(quoted)\""
    }
}

public struct RegexError: Error, CustomStringConvertible {
    public let pattern: String
    public let reason: String
    public var description: String { "invalid regular expression \"\(pattern)\": \(reason)" }
}

/// An anchored regular expression with fast paths for the shapes label matchers usually take.
struct StringMatcher: @unchecked Sendable {
    private enum Plan {
        case any            // .*
        case nonEmpty       // .+
        case literals(Set<String>)
        case prefix(String, nonEmptyRest: Bool)
        case regex(Regex<AnyRegexOutput>)
    }
    private let plan: Plan

    init(regex pattern: String) throws {
        if pattern == ".*" { plan = .any; return }
        if pattern == ".+" { plan = .nonEmpty; return }
        if let set = StringMatcher.literalAlternatives(pattern) { plan = .literals(Set(set)); return }
        for (suffix, nonEmpty) in [(".*", false), (".+", true)] where pattern.hasSuffix(suffix) {
            let head = String(pattern.dropLast(2))
            if let lits = StringMatcher.literalAlternatives(head), lits.count == 1 {
                plan = .prefix(lits[0], nonEmptyRest: nonEmpty)
                return
            }
        }
        do {
            let re = try Regex("(?:" + pattern + ")").dotMatchesNewlines()
            plan = .regex(re)
        } catch {
            throw RegexError(pattern: pattern, reason: "\(error)")
        }
    }

    var literalSet: [String]? {
        if case .literals(let s) = plan { return s.sorted() }
        return nil
    }

    func matches(_ s: String) -> Bool {
        switch plan {
        case .any: return true
        case .nonEmpty: return !s.isEmpty
        case .literals(let set): return set.contains(s)
        case .prefix(let p, let nonEmpty): return s.hasPrefix(p) && (!nonEmpty || s.utf8.count > p.utf8.count)
        case .regex(let re): return (try? re.wholeMatch(in: s)) != nil
        }
    }

    /// `a|b|c` where each alternative is a plain literal (escaped metacharacters allowed); nil otherwise.
    static func literalAlternatives(_ pattern: String) -> [String]? {
        var out: [String] = []
        var cur = ""
        var escaped = false
        for c in pattern {
            if escaped {
                guard "\\.+*?()|[]{}^$-/".contains(c) else { return nil }
                cur.append(c)
                escaped = false
                continue
            }
            switch c {
            case "\\": escaped = true
            case "|": out.append(cur); cur = ""
            case ".", "+", "*", "?", "(", ")", "[", "]", "{", "}", "^", "$": return nil
            default: cur.append(c)
            }
        }
        if escaped { return nil }
        out.append(cur)
        return out
    }
}
