import OspreyCore

/// Finds the silences that may mute an alert without testing every silence. Each silence is filed under
/// the label values one of its matchers requires: `name="value"` (a non-empty value) files it under that
/// label, `name=~"a|b|c"` made of literal alternatives under each of them; any alert it mutes carries one
/// of those labels. Of its matchers, the one whose labels hold the fewest silences so far is used, so
/// silences that share a common label (`job="node"`) but differ in another (`instance=~"old-1|old-2"`) are
/// spread out. A silence without such a matcher (only other regexes, negative or empty-value matchers) is
/// tested for every alert.
struct SilenceIndex {
    private var byLabel: [Label: Set<String>] = [:]
    private var unindexed: Set<String> = []
    /// Where each indexed silence was filed, so removing it finds the same labels.
    private var filed: [String: [Label]] = [:]

    /// The labels a matcher requires one of, or nil when it requires none in particular.
    static func keys(_ m: SilenceMatcher) -> [Label]? {
        guard m.isEqual, !m.value.isEmpty else { return nil }
        if !m.isRegex { return [Label(m.name, m.value)] }
        return literalAlternatives(m.value).map { $0.map { Label(m.name, $0) } }
    }

    /// The alternatives of an RE2 pattern made only of literal text and top-level `|` (with `\`-escaped
    /// punctuation), each non-empty: `db-1|db-2|cache\.local`. Nil for anything else.
    static func literalAlternatives(_ pattern: String) -> [String]? {
        var out: [String] = []
        var current = ""
        var escaped = false
        for c in pattern.unicodeScalars {
            if escaped {
                // Only punctuation escapes stand for themselves (`\d`, `\b`… are classes and anchors).
                guard c.isASCII, !(c.properties.isAlphabetic || ("0"..."9").contains(c)) else { return nil }
                current.unicodeScalars.append(c)
                escaped = false
                continue
            }
            switch c {
            case "\\": escaped = true
            case "|":
                guard !current.isEmpty else { return nil }
                out.append(current)
                current = ""
            case ".", "+", "*", "?", "(", ")", "[", "]", "{", "}", "^", "$": return nil
            default: current.unicodeScalars.append(c)
            }
        }
        guard !escaped, !current.isEmpty else { return nil }
        out.append(current)
        return out
    }

    mutating func insert(_ s: Silence) {
        let options = s.matchers.compactMap(Self.keys)
        guard let best = options.min(by: { load($0) < load($1) }) else {
            unindexed.insert(s.id)
            return
        }
        filed[s.id] = best
        for key in best { byLabel[key, default: []].insert(s.id) }
    }

    mutating func remove(_ s: Silence) {
        guard let keys = filed.removeValue(forKey: s.id) else { unindexed.remove(s.id); return }
        for key in keys {
            byLabel[key]?.remove(s.id)
            if byLabel[key]?.isEmpty == true { byLabel[key] = nil }
        }
    }

    /// Silences filed under these labels, counting each label's as many times as it is used.
    private func load(_ keys: [Label]) -> Int { keys.reduce(0) { $0 + (byLabel[$1]?.count ?? 0) } }

    /// Ids of the silences that can match an alert with these labels (a superset of those that do).
    func candidates(_ labels: Labels) -> Set<String> {
        var out = unindexed
        for label in labels { if let ids = byLabel[label] { out.formUnion(ids) } }
        return out
    }
}
