import OspreyCore

/// Finds the silences that may mute an alert without testing every silence: each silence is filed under one
/// of its `name="value"` matchers (non-empty value), a label every alert it mutes must carry; a silence without
/// such a matcher (only regex, negative or empty-value matchers) is tested for every alert.
struct SilenceIndex {
    private var byLabel: [Label: Set<String>] = [:]
    private var unindexed: Set<String> = []

    static func key(_ s: Silence) -> Label? {
        s.matchers.first { !$0.isRegex && $0.isEqual && !$0.value.isEmpty }.map { Label($0.name, $0.value) }
    }

    mutating func insert(_ s: Silence) {
        if let key = Self.key(s) { byLabel[key, default: []].insert(s.id) } else { unindexed.insert(s.id) }
    }

    mutating func remove(_ s: Silence) {
        guard let key = Self.key(s) else { unindexed.remove(s.id); return }
        byLabel[key]?.remove(s.id)
        if byLabel[key]?.isEmpty == true { byLabel[key] = nil }
    }

    /// Ids of the silences that can match an alert with these labels (a superset of those that do).
    func candidates(_ labels: Labels) -> [String] {
        var out = Array(unindexed)
        for label in labels { if let ids = byLabel[label] { out += ids } }
        return out
    }
}
