import OspreyCore

/// What an index answers so matchers can be resolved from postings, not by scanning series.
/// Series ids are dense, sorted UInt32s local to that index.
protocol PostingsSource {
    /// Sorted series ids carrying label `name`=`value`.
    func postings(_ name: String, _ value: String) -> [UInt32]
    /// Every value label `name` takes, sorted.
    func labelValues(_ name: String) -> [String]
    /// Every series id, sorted.
    func allPostings() -> [UInt32]
}

enum Postings {
    static func intersect(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(min(a.count, b.count))
        var i = 0, j = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { out.append(x); i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return out
    }

    static func subtract(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        guard !b.isEmpty else { return a }
        var out: [UInt32] = []
        out.reserveCapacity(a.count)
        var j = 0
        for x in a {
            while j < b.count && b[j] < x { j += 1 }
            if j < b.count && b[j] == x { continue }
            out.append(x)
        }
        return out
    }

    /// Union of many sorted lists, by pairwise merging smallest first.
    static func union(_ lists: [[UInt32]]) -> [UInt32] {
        var lists = lists.filter { !$0.isEmpty }
        if lists.isEmpty { return [] }
        if lists.count == 1 { return lists[0] }
        if lists.count > 8 {
            // Many lists: concatenating and sorting beats repeated merges.
            var all = lists.flatMap { $0 }
            all.sort()
            var out: [UInt32] = []
            out.reserveCapacity(all.count)
            for x in all where out.last != x { out.append(x) }
            return out
        }
        lists.sort { $0.count < $1.count }
        var acc = lists[0]
        for l in lists.dropFirst() { acc = merge(acc, l) }
        return acc
    }

    static func merge(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { out.append(x); i += 1; j += 1 } else if x < y { out.append(x); i += 1 } else { out.append(y); j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    /// Series ids matching every matcher, resolved from the postings index, as Prometheus does:
    /// matchers that do not match "" select, matchers that do match "" subtract.
    static func select(_ matchers: [LabelMatcher], in index: some PostingsSource) -> [UInt32] {
        var positive: [[UInt32]] = []
        var negative: [[UInt32]] = []
        for m in matchers {
            if !m.matchesEmpty {
                if let set = m.setMatches {
                    positive.append(union(set.map { index.postings(m.name, $0) }))
                } else {
                    let values = index.labelValues(m.name).filter { m.matches($0) }
                    positive.append(union(values.map { index.postings(m.name, $0) }))
                }
            } else {
                // Series whose value of m.name fails m are excluded; series without the label match.
                let inverse: [String]
                switch m.kind {
                case .notEqual: inverse = m.value.isEmpty ? [] : [m.value]
                default: inverse = index.labelValues(m.name).filter { !m.matches($0) }
                }
                negative.append(union(inverse.map { index.postings(m.name, $0) }))
            }
        }
        var result: [UInt32]
        if positive.isEmpty {
            result = index.allPostings()
        } else {
            positive.sort { $0.count < $1.count }
            result = positive[0]
            for p in positive.dropFirst() where !result.isEmpty { result = intersect(result, p) }
        }
        for n in negative where !result.isEmpty { result = subtract(result, n) }
        return result
    }
}
