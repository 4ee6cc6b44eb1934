import OspreyCore
import Pipeline

/// `label_replace` and `label_join` on one series' labels. The evaluator applies them to every series and then
/// checks the result for duplicate label sets (`vector cannot contain metrics with the same labelset`).
public enum LabelFunctions {
    /// `label_replace(v, dst, replacement, src, regex)`: when `regex` matches the whole value of `src` (an
    /// absent label reads as ""), sets `dst` to `replacement` with `$1`, `${name}` expanded; an empty result
    /// removes `dst`. Without a match the labels stay as they are.
    ///
    /// Throws an execution error for a regex that does not compile or a `dst` that is not a label name.
    public static func replace(_ labels: Labels, dst: String, replacement: String, src: String, regex: String) throws(PromQLError) -> Labels {
        try replacer(dst: dst, replacement: replacement, src: src, regex: regex)(labels)
    }

    /// `replace` with the regex compiled once, for applying to many series.
    public static func replacer(dst: String, replacement: String, src: String, regex: String) throws(PromQLError) -> @Sendable (Labels) -> Labels {
        let compiled: RelabelRegex
        do {
            compiled = try RelabelRegex(regex, dotMatchesNewline: true)
        } catch {
            throw PromQLError(.execution, "invalid regular expression in label_replace(): \(regex)")
        }
        guard isValidLabelName(dst) else {
            throw PromQLError(.execution, "invalid destination label name in label_replace(): \(dst)")
        }
        let template = ExpansionTemplate(replacement)
        return { labels in
            let value = labels[src] ?? ""
            guard let match = compiled.match(value) else { return labels }
            return labels.setting(dst, template.expand(match))
        }
    }

    /// `label_join(v, dst, separator, src…)`: sets `dst` to the values of the `src` labels (absent ones as "")
    /// joined by `separator`; an empty result removes `dst`.
    ///
    /// Throws an execution error when `dst` or a `src` is not a label name.
    public static func join(_ labels: Labels, dst: String, separator: String, src: [String]) throws(PromQLError) -> Labels {
        for name in src where !isValidLabelName(name) {
            throw PromQLError(.execution, "invalid source label name in label_join(): \(name)")
        }
        guard isValidLabelName(dst) else {
            throw PromQLError(.execution, "invalid destination label name in label_join(): \(dst)")
        }
        return labels.setting(dst, src.map { labels[$0] ?? "" }.joined(separator: separator))
    }

    /// Prometheus 3 accepts any non-empty UTF-8 label name. A query string escape that is not valid UTF-8
    /// (`"\xff"`) reaches Osprey as U+FFFD, so that character marks a name Prometheus would refuse.
    public static func isValidLabelName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains("\u{FFFD}")
    }
}
