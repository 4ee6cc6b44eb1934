import OspreyCore

/// Alertmanager's single-matcher syntax as written in `matchers:` lists: `name="value"`, `name!="value"`,
/// `name=~"regex"`, `name!~"regex"`; the value may be unquoted (`severity=critical`) and a quoted value
/// takes `\"`, `\\` and `\n` escapes. The on-call configuration's own minimal reader of it.
enum OnCallMatcherSyntax {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ text: String) throws -> LabelMatcher {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard let opStart = s.firstIndex(where: { $0 == "=" || $0 == "!" }) else {
            throw Failure(description: "\"\(text)\" is not a matcher; write name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\"")
        }
        let name = s[..<opStart].trimmingCharacters(in: .whitespaces)
        guard isLabelName(name) else { throw Failure(description: "\"\(name)\" is not a valid label name in matcher \"\(text)\"") }
        let rest = s[opStart...]
        let kind: LabelMatcher.Kind
        let op: Int
        if rest.hasPrefix("=~") { kind = .regexMatch; op = 2 }
        else if rest.hasPrefix("!~") { kind = .regexNoMatch; op = 2 }
        else if rest.hasPrefix("!=") { kind = .notEqual; op = 2 }
        else if rest.hasPrefix("=") { kind = .equal; op = 1 }
        else { throw Failure(description: "unknown operator in matcher \"\(text)\"") }
        let raw = rest.dropFirst(op).trimmingCharacters(in: .whitespaces)
        let value = try unquote(raw, text)
        do { return try LabelMatcher(kind, name, value) } catch {
            throw Failure(description: "matcher \"\(text)\": \(error)")
        }
    }

    static func isLabelName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    private static func unquote(_ raw: String, _ text: String) throws -> String {
        guard raw.hasPrefix("\"") else {
            guard !raw.contains("\"") else { throw Failure(description: "unbalanced quotes in matcher \"\(text)\"") }
            return raw
        }
        guard raw.count >= 2, raw.hasSuffix("\"") else { throw Failure(description: "unterminated quoted value in matcher \"\(text)\"") }
        var out = ""
        var escaped = false
        for c in raw.dropFirst().dropLast() {
            if escaped {
                switch c {
                case "n": out.append("\n")
                case "\\", "\"": out.append(c)
                default: out.append("\\"); out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                throw Failure(description: "unescaped quote inside the value of matcher \"\(text)\"")
            } else {
                out.append(c)
            }
        }
        guard !escaped else { throw Failure(description: "value of matcher \"\(text)\" ends in a lone backslash") }
        return out
    }
}
