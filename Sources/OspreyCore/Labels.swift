/// A label: one name/value pair of a series identity.
public struct Label: Hashable, Sendable, Comparable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (a: Label, b: Label) -> Bool {
        a.name != b.name ? a.name.utf8.lexicographicallyPrecedes(b.name.utf8) : a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
    }
}

/// A series identity: labels sorted by name (byte order), names unique, no empty values.
///
/// The canonical byte form (`encoded`) is what the stores key series by:
/// for each label in order, `uvarint(len(name)) name uvarint(len(value)) value`.
public struct Labels: Hashable, Sendable, Sequence, Comparable, CustomStringConvertible {
    public private(set) var labels: [Label]

    public static let metricNameLabel = "__name__"

    /// Sorts `labels` and drops empty values (an empty value means "no such label", as in Prometheus).
    public init(_ labels: [Label]) {
        self.labels = labels.filter { !$0.value.isEmpty }.sorted()
    }

    public init(_ pairs: KeyValuePairs<String, String>) {
        self.init(pairs.map { Label($0.key, $0.value) })
    }

    public init(_ dict: [String: String]) {
        self.init(dict.map { Label($0.key, $0.value) })
    }

    /// Labels already sorted, unique and without empty values (checked in debug builds).
    public init(sorted: [Label]) {
        assert(zip(sorted, sorted.dropFirst()).allSatisfy { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
        self.labels = sorted
    }

    public var count: Int { labels.count }
    public var isEmpty: Bool { labels.isEmpty }
    public func makeIterator() -> IndexingIterator<[Label]> { labels.makeIterator() }

    public subscript(name: String) -> String? {
        labels.first { $0.name == name }?.value
    }

    public var metricName: String? { self[Labels.metricNameLabel] }

    public var description: String {
        var out = ""
        var rest = labels[...]
        if let first = rest.first, first.name == Labels.metricNameLabel {
            out = first.value
            rest = rest.dropFirst()
        }
        return out + "{" + rest.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ", ") + "}"
    }

    /// The canonical byte form used as a series key.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(labels.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 })
        for label in labels {
            appendUVarint(&out, UInt64(label.name.utf8.count))
            out.append(contentsOf: label.name.utf8)
            appendUVarint(&out, UInt64(label.value.utf8.count))
            out.append(contentsOf: label.value.utf8)
        }
        return out
    }

    /// Decodes the canonical byte form; nil when the bytes are not a valid encoding.
    public init?(encoded bytes: some Collection<UInt8>) {
        var result: [Label] = []
        let array = Array(bytes)
        var offset = 0
        func readString() -> String? {
            guard let (len, n) = readUVarint(array, at: offset), offset + n + Int(len) <= array.count else { return nil }
            offset += n
            let s = String(decoding: array[offset..<offset + Int(len)], as: UTF8.self)
            offset += Int(len)
            return s
        }
        while offset < array.count {
            guard let name = readString(), let value = readString() else { return nil }
            result.append(Label(name, value))
        }
        self.labels = result
    }

    /// A copy with `name` set to `value` (or removed when `value` is empty).
    public func setting(_ name: String, _ value: String) -> Labels {
        var copy = labels.filter { $0.name != name }
        copy.append(Label(name, value))
        return Labels(copy)
    }

    /// Prometheus's label-set order: by label pairs, name then value, byte-wise; a prefix sorts first.
    public static func < (a: Labels, b: Labels) -> Bool {
        for (x, y) in zip(a.labels, b.labels) {
            if x.name != y.name { return x.name.utf8.lexicographicallyPrecedes(y.name.utf8) }
            if x.value != y.value { return x.value.utf8.lexicographicallyPrecedes(y.value.utf8) }
        }
        return a.count < b.count
    }

    public func removing(_ names: Set<String>) -> Labels {
        Labels(sorted: labels.filter { !names.contains($0.name) })
    }
}

/// A label value escaped for the text exposition format and PromQL selectors (`\\`, `\"`, `\n`).
public func escapeLabelValue(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.append(c)
        }
    }
    return out
}

/// Appends `v` as an unsigned LEB128 varint.
@inlinable
public func appendUVarint(_ out: inout [UInt8], _ v: UInt64) {
    var v = v
    while v >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: v) | 0x80)
        v >>= 7
    }
    out.append(UInt8(v))
}

/// Reads an unsigned LEB128 varint at `offset`; returns the value and the bytes it took, or nil if truncated or overlong.
@inlinable
public func readUVarint(_ bytes: [UInt8], at offset: Int) -> (UInt64, Int)? {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    var i = offset
    while i < bytes.count {
        let b = bytes[i]
        i += 1
        if shift == 63 && b > 1 { return nil }
        result |= UInt64(b & 0x7f) << shift
        if b < 0x80 { return (result, i - offset) }
        shift += 7
        if shift > 63 { return nil }
    }
    return nil
}

@inlinable
public func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
@inlinable
public func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }
