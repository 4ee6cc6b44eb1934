import OspreyCore

/// Applies relabel rules to a label set, with Prometheus's semantics.
public enum Relabeling {
    /// `labels` after each rule of `configs` in order, or nil when a rule drops the series/target.
    ///
    /// Missing source labels count as empty strings; setting a label to an empty value removes it.
    /// The result may hold label names a `labelmap` produced that are not valid label names (as in
    /// Prometheus); callers that store series validate names.
    public static func process(_ labels: Labels, _ configs: [RelabelConfig]) -> Labels? {
        if configs.isEmpty { return labels }
        var builder = LabelBuilder(labels.labels)
        for config in configs where !apply(config, &builder) { return nil }
        return builder.changed ? Labels(sorted: builder.labels) : labels
    }

    /// Applies one rule; false when it drops the series.
    static func apply(_ config: RelabelConfig, _ b: inout LabelBuilder) -> Bool {
        let value = joinedSourceValues(config, b)
        switch config.action {
        case .drop: return !config.compiled.matches(value)
        case .keep: return config.compiled.matches(value)
        case .dropEqual: return !sameBytes(b.get(config.targetLabel), value)
        case .keepEqual: return sameBytes(b.get(config.targetLabel), value)
        case .replace:
            guard let match = config.compiled.match(value) else { return true }
            let target = config.target.expand(match)
            guard RelabelConfig.isValidLabelName(target) else { return true }  // Prometheus skips the rule
            b.set(target, config.replacementTemplate.expand(match))
        case .lowercase: b.set(config.targetLabel, CaseMapping.lower(value))
        case .uppercase: b.set(config.targetLabel, CaseMapping.upper(value))
        case .hashMod: b.set(config.targetLabel, String(hashMod(value, config.modulus)))
        case .labelMap:
            for label in b.labels {  // a snapshot: names set here are not matched again
                guard let match = config.compiled.match(label.name) else { continue }
                b.set(config.replacementTemplate.expand(match), label.value)
            }
        case .labelDrop:
            b.removeAll { config.compiled.matches($0.name) }
        case .labelKeep:
            b.removeAll { !config.compiled.matches($0.name) }
        }
        return true
    }

    /// Prometheus's hashmod: the low 8 bytes of md5(value), read big-endian, mod `modulus`.
    static func hashMod(_ value: String, _ modulus: UInt64) -> UInt64 {
        let digest = MD5.digest(value.utf8)
        var n: UInt64 = 0
        for byte in digest[8..<16] { n = n << 8 | UInt64(byte) }
        return n % modulus
    }

    private static func joinedSourceValues(_ config: RelabelConfig, _ b: LabelBuilder) -> String {
        switch config.sourceLabels.count {
        case 0: return ""
        case 1: return b.get(config.sourceLabels[0])
        default: return config.sourceLabels.map { b.get($0) }.joined(separator: config.separator)
        }
    }
}

/// A label set being edited in place, kept sorted by name so the result needs no sort.
struct LabelBuilder {
    private(set) var labels: [Label]
    private(set) var changed = false

    init(_ labels: [Label]) { self.labels = labels }

    /// The value of `name`, "" when absent.
    func get(_ name: String) -> String {
        for l in labels where sameBytes(l.name, name) { return l.value }
        return ""
    }

    /// Sets `name` to `value`; an empty value removes the label.
    mutating func set(_ name: String, _ value: String) {
        if let i = labels.firstIndex(where: { sameBytes($0.name, name) }) {
            if value.isEmpty {
                labels.remove(at: i)
                changed = true
            } else if !sameBytes(labels[i].value, value) {
                labels[i].value = value
                changed = true
            }
            return
        }
        guard !value.isEmpty else { return }
        let at = labels.firstIndex { name.utf8.lexicographicallyPrecedes($0.name.utf8) } ?? labels.endIndex
        labels.insert(Label(name, value), at: at)
        changed = true
    }

    mutating func removeAll(where shouldRemove: (Label) -> Bool) {
        let before = labels.count
        labels.removeAll(where: shouldRemove)
        if labels.count != before { changed = true }
    }
}

/// Byte equality, as Prometheus compares label names and values (Swift's `==` also equates
/// canonically equivalent Unicode, e.g. precomposed and decomposed accents).
@inline(__always)
func sameBytes(_ a: String, _ b: String) -> Bool {
    a == b && (a.utf8.allSatisfy { $0 < 0x80 } || a.utf8.elementsEqual(b.utf8))
}
