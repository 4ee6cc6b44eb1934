import OspreyCore

extension MetricStoreDB: Querier {
    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamples] {
        try select(matchers, mint: mint, maxt: maxt, samplesMax: .max)
    }

    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64, samplesMax: Int) throws -> [SeriesSamples] {
        var merged: [Labels: [Sample]] = [:]
        var loaded = 0
        func count(_ n: Int) throws {
            loaded += n
            if loaded > samplesMax { throw StoreError.limit("the selection holds more than \(samplesMax) samples") }
        }
        let blocks: [Block] = try lock.withLock {
            for ref in Postings.select(matchers, in: head.index) {
                guard let s = head.series[ref] else { continue }
                let samples = s.samples(mint: mint, maxt: maxt)
                try count(samples.count)
                if !samples.isEmpty { merged[s.labels] = samples }
            }
            return self.blocks
        }
        let cache = FrameCache()
        // Newest block first: on a timestamp stored twice the newer write wins, as in compaction.
        for block in blocks.sorted(by: { $0.meta.ulid > $1.meta.ulid }) where block.overlaps(mint, maxt) {
            for id in Postings.select(matchers, in: block.index) {
                let samples = try block.samples(id, mint: mint, maxt: maxt, cache: cache)
                guard !samples.isEmpty else { continue }
                try count(samples.count)
                let labels = block.index.labels(of: Int(id))
                // Head data first: on a timestamp stored twice, the newer write wins.
                merged[labels] = mergeSorted(merged[labels] ?? [], samples)
            }
        }
        return merged.map { SeriesSamples(labels: $0.key, samples: $0.value) }.sorted { labelsLess($0.labels, $1.labels) }
    }

    public func series(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [Labels] {
        var found = Set<Labels>()
        let blocks: [Block] = lock.withLock {
            for ref in Postings.select(matchers, in: head.index) {
                guard let s = head.series[ref], s.minT <= maxt, s.maxT >= mint else { continue }
                if mint <= s.minT && maxt >= s.maxT || !s.samples(mint: mint, maxt: maxt).isEmpty { found.insert(s.labels) }
            }
            return self.blocks
        }
        let cache = FrameCache()
        for block in blocks where block.overlaps(mint, maxt) {
            for id in Postings.select(matchers, in: block.index) {
                let labels = block.index.labels(of: Int(id))
                guard !found.contains(labels) else { continue }
                let chunks = block.index.seriesChunks[Int(id)]
                let inRange = chunks.contains { $0.maxT >= mint && $0.minT <= maxt }
                guard inRange else { continue }
                let wholeBlockInRange = mint <= block.minTime && maxt >= block.maxTime
                let present = wholeBlockInRange && block.tombstones[id] == nil
                if try present || !block.samples(id, mint: mint, maxt: maxt, cache: cache).isEmpty {
                    found.insert(labels)
                }
            }
        }
        return found.sorted(by: labelsLess)
    }

    public func labelNames(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        var names = Set<String>()
        if matchers.isEmpty {
            let blocks = lock.withLock {
                names.formUnion(head.index.labelNames)
                return self.blocks
            }
            for b in blocks where b.overlaps(mint, maxt) { names.formUnion(b.index.labelNames) }
        } else {
            for l in try series(matchers, mint: mint, maxt: maxt) { names.formUnion(l.labels.map(\.name)) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func labelValues(_ name: String, _ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        var values = Set<String>()
        if matchers.isEmpty {
            let blocks = lock.withLock {
                values.formUnion(head.index.labelValues(name))
                return self.blocks
            }
            for b in blocks where b.overlaps(mint, maxt) { values.formUnion(b.index.labelValues(name)) }
        } else {
            for l in try series(matchers, mint: mint, maxt: maxt) { if let v = l[name] { values.insert(v) } }
        }
        return values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
