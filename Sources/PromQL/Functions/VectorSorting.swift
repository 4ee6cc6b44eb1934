import OspreyCore

/// `sort`, `sort_desc`, `sort_by_label`, `sort_by_label_desc` on an instant vector's elements.
public enum VectorSorting {
    /// `sort` (ascending) or `sort_desc` by value; NaN sorts last either way. Equal values keep their order.
    public static func byValue(_ elements: inout [VectorElement], descending: Bool) {
        elements = stableSorted(elements) { a, b in
            if b.v.isNaN { return !a.v.isNaN }
            if a.v.isNaN { return false }
            return descending ? a.v > b.v : a.v < b.v
        }
    }

    /// `sort_by_label` (or `_desc`): by the values of `labels` in turn (absent ones read as ""), compared in
    /// natural order (`cpu="2"` before `cpu="10"`), then by the whole label set.
    public static func byLabels(_ elements: inout [VectorElement], labels names: [String], descending: Bool) {
        elements = stableSorted(elements) { a, b in
            for name in names {
                let x = a.labels[name] ?? "", y = b.labels[name] ?? ""
                if x == y { continue }
                // Natural order is not total ("" is before nothing; "01" and "1" are each before the other):
                // where it cannot decide, byte order does.
                var less = naturalLess(x, y)
                if less == naturalLess(y, x) { less = x.utf8.lexicographicallyPrecedes(y.utf8) }
                return less != descending
            }
            return descending ? b.labels < a.labels : a.labels < b.labels
        }
    }

    /// Natural order as Prometheus uses for `sort_by_label`: both strings are split into runs of ASCII digits
    /// and runs of other characters; runs compare as integers when both are numbers (that fit 64 bits), else
    /// byte-wise; when one string runs out of runs first it sorts first.
    public static func naturalLess(_ a: String, _ b: String) -> Bool {
        let x = chunks(a), y = chunks(b)
        for i in x.indices {
            if i >= y.count { return false }
            if let m = UInt64(x[i]), let n = UInt64(y[i]), m <= UInt64(Int64.max), n <= UInt64(Int64.max) {
                if m != n { return m < n }
            } else if x[i] != y[i] {
                return x[i].utf8.lexicographicallyPrecedes(y[i].utf8)
            }
            if i == x.count - 1 { return true }
            if i == y.count - 1 { return false }
        }
        return false
    }

    /// Alternating runs of ASCII digits and of other characters.
    static func chunks(_ s: String) -> [Substring] {
        var out: [Substring] = []
        var start = s.startIndex
        var inDigits: Bool?
        for i in s.unicodeScalars.indices {
            let digit = ("0"..."9").contains(s.unicodeScalars[i])
            if let current = inDigits, current != digit {
                out.append(s[start..<i])
                start = i
            }
            inDigits = digit
        }
        if start < s.endIndex { out.append(s[start...]) }
        return out
    }

    private static func stableSorted(_ elements: [VectorElement], by less: (VectorElement, VectorElement) -> Bool) -> [VectorElement] {
        elements.enumerated().sorted { a, b in
            if less(a.element, b.element) { return true }
            if less(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }
}
