import OspreyCore

/// TEMPORARY until the Alertmanager matcher syntax parser lands: `name="value"` style only.
func parseFilterMatcher(_ text: String) throws -> LabelMatcher {
    let t = text.trimmingCharacters(in: .whitespaces)
    for op in ["=~", "!~", "!=", "="] {
        if let r = t.range(of: op) {
            let name = String(t[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
            var value = String(t[r.upperBound...]).trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return try LabelMatcher(LabelMatcher.Kind(rawValue: op)!, name, value)
        }
    }
    throw AMError.badRequest("\"\(text)\" is not a matcher")
}
