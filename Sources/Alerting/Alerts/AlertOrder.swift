import OspreyCore

/// Alertmanager's orders for what its API lists, so Osprey lists alerts and groups the same way.
public enum AlertOrder {
    /// Alertmanager's `LabelSet.Before`: fewer labels first; then, over the union of names in byte order, the
    /// set missing a name first, else the smaller value.
    public static func labelsBefore(_ a: Labels, _ b: Labels) -> Bool {
        if a.count != b.count { return a.count < b.count }
        let names = Set(a.map(\.name)).union(b.map(\.name)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for name in names {
            guard let x = a[name] else { return true }
            guard let y = b[name] else { return false }
            if x != y { return x.utf8.lexicographicallyPrecedes(y.utf8) }
        }
        return false
    }

    /// The order of alerts inside a group: by `job`, then `instance` (alerts lacking one go after those with
    /// it), then by `labelsBefore`.
    public static func alertBefore(_ a: Alert, _ b: Alert) -> Bool {
        for key in ["job", "instance"] {
            let x = a.labels[key], y = b.labels[key]
            if x == nil && y == nil { continue }
            guard let x else { return false }
            guard let y else { return true }
            if x != y { return x.utf8.lexicographicallyPrecedes(y.utf8) }
        }
        return labelsBefore(a.labels, b.labels)
    }

    /// The order of groups: by their labels (`labelsBefore`), equal labels by receiver name.
    public static func groupBefore(_ a: AlertGroupSnapshot, _ b: AlertGroupSnapshot) -> Bool {
        if a.labels == b.labels { return a.receiver < b.receiver }
        return labelsBefore(a.labels, b.labels)
    }
}
