/// One relabeling rule, as in prometheus.yml's `relabel_configs` / `metric_relabel_configs`,
/// validated and with its regex compiled when made.
///
/// ```swift
/// let rule = try RelabelConfig(action: .labelMap, regex: "__meta_kubernetes_pod_label_(.+)")
/// let out = Relabeling.process(labels, [rule])
/// ```
///
/// `regex` is RE2 syntax, fully anchored; `replacement` and `target_label` expand `$1`, `${1}`,
/// `$name`, `${name}` and `$$` by Go's rules (`$1x` is the group named `1x`).
public struct RelabelConfig: Sendable {
    /// What the rule does; the raw value is the spelling in YAML (read case-insensitively).
    public enum Action: String, Sendable, CaseIterable {
        /// Match `regex` against the joined source values; if it matches, set `target_label` (expanded)
        /// to `replacement` (expanded); an empty result deletes the label.
        case replace
        /// Drop the series unless `regex` matches the joined source values.
        case keep
        /// Drop the series if `regex` matches the joined source values.
        case drop
        /// Drop the series unless `target_label`'s value equals the joined source values.
        case keepEqual = "keepequal"
        /// Drop the series if `target_label`'s value equals the joined source values.
        case dropEqual = "dropequal"
        /// Set `target_label` to md5(joined source values) mod `modulus`.
        case hashMod = "hashmod"
        /// For every label whose name matches `regex`, copy its value to the name `replacement` expands to.
        case labelMap = "labelmap"
        /// Remove every label whose name matches `regex`.
        case labelDrop = "labeldrop"
        /// Remove every label whose name does not match `regex`.
        case labelKeep = "labelkeep"
        /// Set `target_label` to the joined source values in lower case.
        case lowercase
        /// Set `target_label` to the joined source values in upper case.
        case uppercase
    }

    public static let defaultSeparator = ";"
    public static let defaultRegex = "(.*)"
    public static let defaultReplacement = "$1"

    public let action: Action
    public let sourceLabels: [String]
    public let separator: String
    public let targetLabel: String
    /// The regex as written (without the anchors Osprey adds).
    public let regex: String
    /// Zero unless `action` is `hashMod`.
    public let modulus: UInt64
    public let replacement: String

    let compiled: RelabelRegex
    let target: ExpansionTemplate
    let replacementTemplate: ExpansionTemplate

    /// Validates the rule the way Prometheus does when it loads a config, and compiles the regex.
    ///
    /// `regex: nil` and `sourceLabels: nil` mean "not given": Prometheus refuses an explicit `regex`
    /// on `keepequal`/`dropequal`, and explicit `source_labels` (even empty) on `labeldrop`/`labelkeep`.
    public init(
        action: Action = .replace,
        sourceLabels: [String]? = nil,
        separator: String = RelabelConfig.defaultSeparator,
        targetLabel: String = "",
        regex: String? = nil,
        modulus: UInt64 = 0,
        replacement: String = RelabelConfig.defaultReplacement
    ) throws(RelabelConfigError) {
        self.action = action
        self.sourceLabels = sourceLabels ?? []
        self.separator = separator
        self.targetLabel = targetLabel
        self.regex = regex ?? RelabelConfig.defaultRegex
        self.modulus = modulus
        self.replacement = replacement
        do {
            compiled = try RelabelRegex(self.regex)
        } catch {
            throw RelabelConfigError(field: .regex, message: "invalid regular expression \"\(self.regex)\": \(error.reason)")
        }
        target = ExpansionTemplate(targetLabel)
        replacementTemplate = ExpansionTemplate(replacement)
        try validate(regexGiven: regex != nil, sourceLabelsGiven: sourceLabels != nil)
    }

    private func validate(regexGiven: Bool, sourceLabelsGiven: Bool) throws(RelabelConfigError) {
        func fail(_ field: RelabelConfigError.Field, _ message: String) -> RelabelConfigError {
            RelabelConfigError(field: field, message: message)
        }
        for name in sourceLabels where !RelabelConfig.isValidLabelName(name) {
            throw fail(.sourceLabels, "\"\(name)\" is not a valid label name (letters, digits and _, not starting with a digit)")
        }
        let a = action.rawValue
        switch action {
        case .replace, .hashMod, .lowercase, .uppercase, .keepEqual, .dropEqual:
            if targetLabel.isEmpty { throw fail(.targetLabel, "the \(a) action requires target_label") }
        default: break
        }
        if action == .hashMod && modulus == 0 { throw fail(.modulus, "the hashmod action requires a modulus above zero") }
        switch action {
        case .replace:
            let ok = targetLabel.contains("$") ? RelabelConfig.isValidTemplateName(targetLabel) : RelabelConfig.isValidLabelName(targetLabel)
            if !ok { throw fail(.targetLabel, "\"\(targetLabel)\" is not a valid target_label for replace (a label name, which may use $1, ${1}, $name)") }
        case .hashMod, .lowercase, .uppercase, .keepEqual, .dropEqual:
            if !RelabelConfig.isValidLabelName(targetLabel) {
                throw fail(.targetLabel, "\"\(targetLabel)\" is not a valid target_label for \(a) (a label name; no $ expansion for this action)")
            }
        case .labelMap:
            if !RelabelConfig.isValidTemplateName(replacement) {
                throw fail(.replacement, "\"\(replacement)\" is not a valid replacement for labelmap (a label name, which may use $1, ${1}, $name)")
            }
        default: break
        }
        switch action {
        case .lowercase, .uppercase, .keepEqual, .dropEqual:
            if replacement != RelabelConfig.defaultReplacement { throw fail(.replacement, "replacement cannot be set for the \(a) action") }
        default: break
        }
        if action == .keepEqual || action == .dropEqual {
            if regexGiven { throw fail(.regex, "the \(a) action takes only source_labels and target_label; remove regex") }
            if modulus != 0 { throw fail(.modulus, "the \(a) action takes only source_labels and target_label; remove modulus") }
            if separator != RelabelConfig.defaultSeparator {
                throw fail(.separator, "the \(a) action takes only source_labels and target_label; remove separator")
            }
        }
        if action == .labelDrop || action == .labelKeep {
            let extra: RelabelConfigError.Field? =
                sourceLabelsGiven ? .sourceLabels : !targetLabel.isEmpty ? .targetLabel : modulus != 0 ? .modulus
                : separator != RelabelConfig.defaultSeparator ? .separator : replacement != RelabelConfig.defaultReplacement ? .replacement : nil
            if let extra { throw fail(extra, "the \(a) action takes only regex; remove \(extra.rawValue)") }
        }
    }

    /// A label name Prometheus accepts: `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isValidLabelName(_ name: String) -> Bool {
        var first = true
        for b in name.utf8 {
            let ok = (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || (!first && b >= 0x30 && b <= 0x39)
            if !ok { return false }
            first = false
        }
        return !first
    }

    /// Prometheus's check of a name template: `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`, i.e. a run
    /// of letters, `_`, `$ref` and `${ref}` (refs of ASCII word characters), digits allowed except first.
    static func isValidTemplateName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func isWord(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
        guard let first = b.first, first == UInt8(ascii: "$") || (isWord(first) && !(first >= 0x30 && first <= 0x39)) else { return false }
        var i = 0
        while i < b.count {
            if isWord(b[i]) { i += 1; continue }
            guard b[i] == UInt8(ascii: "$"), i + 1 < b.count else { return false }
            if b[i + 1] == UInt8(ascii: "{") {
                var j = i + 2
                while j < b.count, isWord(b[j]) { j += 1 }
                guard j > i + 2, j < b.count, b[j] == UInt8(ascii: "}") else { return false }
                i = j + 1
            } else {
                guard isWord(b[i + 1]) else { return false }
                i += 2
            }
        }
        return true
    }
}

/// Why a relabel rule is invalid; `field` is the YAML field to point at.
public struct RelabelConfigError: Error, Sendable, CustomStringConvertible {
    public enum Field: String, Sendable {
        case sourceLabels = "source_labels"
        case separator, regex, modulus, replacement, action
        case targetLabel = "target_label"
    }

    public let field: Field
    public let message: String
    public var description: String { "\(field.rawValue): \(message)" }
}
