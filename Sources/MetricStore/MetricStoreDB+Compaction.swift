import Foundation
import OspreyCore

extension MetricStoreDB {
    /// Periodic work, called by the server's maintenance loop (and by tests with an injected clock):
    /// fsync the WAL per the policy; cut the head into blocks once it holds samples older than the
    /// block boundary at or before (newest − half a block range), which for a head starting on a boundary
    /// is when it spans 1.5 ranges; compact blocks; apply retention.
    public func maintain() throws {
        try syncIfDue()
        while try cutHeadIfNeeded() {}
        while try compactBlocksIfNeeded() {}
        try applyRetention()
    }

    func syncIfDue() throws {
        try lock.withLock {
            guard !closed else { return }
            try wal.flush()
            if case .batch(let interval) = options.fsync, clock.nowMs() - lastSync >= interval {
                try wal.sync()
                lastSync = clock.nowMs()
            }
            noteFsyncs()
        }
    }

    /// Flushes the WAL to disk now, whatever the policy.
    public func sync() throws {
        try lock.withLock {
            guard !closed else { return }
            try wal.sync()
            noteFsyncs()
        }
    }

    /// Persists head data older than the cut point (aligned to the block range, at least half a range
    /// behind the newest sample) as blocks, one per range window, then truncates the head and checkpoints
    /// the WAL. Blocks are written without holding the store's lock, so writes and reads go on meanwhile;
    /// samples older than the cut that arrive during the write stay in the head.
    @discardableResult
    public func cutHeadIfNeeded(force: Bool = false) throws -> Bool {
        try compactionLock.withLock {
            let started = clock.nowMs()
            let plan: (cut: Int64, series: [SeriesSnapshot])? = try lock.withLock {
                guard !closed, head.maxT != .min else { return nil }
                let range = options.blockRangeMs
                let cut = force ? head.maxT + 1 : alignDown(head.maxT - range / 2, range)
                guard head.minT < cut else { return nil }
                cutInProgress = cut
                lateSamples = []
                return (cut, head.series.values.map { $0.snapshot() })
            }
            guard let plan else { return false }
            let written: [Block]
            do { written = try writeHead(plan.series, before: plan.cut, into: directory, level: 1) } catch {
                lock.withLock { cutInProgress = nil; lateSamples = [] }
                throw error
            }
            try lock.withLock {
                head.truncate(before: plan.cut)
                head.chunkFiles?.removeFiles(before: plan.cut)
                for late in lateSamples {
                    // Truncation may have removed the series; bring it back under the same ref, which
                    // the WAL segments after the cut refer to.
                    let s = head.series[late.ref] ?? head.create(key: late.key, hash: hashKey(late.key), ref: late.ref)
                    if case .appended = s.append(late.t, late.v) { head.noteAppended(late.t) }
                }
                cutInProgress = nil
                lateSamples = []
                blocks.append(contentsOf: written)
                blocks.sort { ($0.minTime, $0.meta.ulid) < ($1.minTime, $1.meta.ulid) }
                try checkpoint()
                activeSeries.record(head.seriesCount)
                updateBlockGauges()
            }
            headCuts.increment()
            logger.info("head cut into blocks", metadata: [
                "before": "\(plan.cut)", "blocks": "\(written.map(\.meta.ulid))",
                "samples": "\(written.reduce(0) { $0 + $1.meta.stats.numSamples })", "ms": "\(clock.nowMs() - started)",
            ])
            return true
        }
    }

    /// Writes the samples with t < `before` of `series` as blocks, one per block-range window.
    func writeHead(_ series: [SeriesSnapshot], before: Int64, into parent: String, level: Int) throws -> [Block] {
        let range = options.blockRangeMs
        var writers: [Int64: BlockWriter] = [:]
        let ordered = series.map { ($0.labels, $0) }.sorted { labelsLess($0.0, $1.0) }
        do {
            for (labels, s) in ordered {
                let samples = s.samples(mint: .min, maxt: before - 1)
                var start = 0
                while start < samples.count {
                    let window = alignDown(samples[start].t, range)
                    var end = start
                    while end < samples.count && samples[end].t < window + range { end += 1 }
                    if writers[window] == nil { writers[window] = try BlockWriter(parentDir: parent, ulid: ULID.make(ms: clock.nowMs())) }
                    try writers[window]!.add(labels, Array(samples[start..<end]))
                    start = end
                }
            }
            var out: [Block] = []
            for (window, w) in writers.sorted(by: { $0.key < $1.key }) {
                _ = try w.finish(level: level, sources: [], range: (window, window + range))
                out.append(try Block.open(w.finalDir))
            }
            return out
        } catch {
            for w in writers.values { w.abort() }
            throw error
        }
    }

    /// Rewrites the WAL's history as one checkpoint of the head as it is now, and deletes the
    /// segments it replaces. Caller holds `lock`.
    func checkpoint() throws {
        let last = try wal.rotate()
        let path = walDir + "/" + WAL.checkpointName(last)
        var out: [UInt8] = []
        var seriesBatch: [(ref: UInt32, key: [UInt8])] = []
        func flushSeries() {
            if !seriesBatch.isEmpty { WAL.encodeRecord(.series, WALRecords.encodeSeries(seriesBatch), into: &out) }
            seriesBatch.removeAll(keepingCapacity: true)
        }
        let refs = head.series.keys.sorted()
        for ref in refs {
            seriesBatch.append((ref, head.series[ref]!.key))
            if seriesBatch.count == 1000 { flushSeries() }
        }
        flushSeries()
        for ref in refs {
            let s = head.series[ref]!
            for c in s.closed { WAL.encodeRecord(.chunk, WALRecords.encodeChunk(ref: ref, c), into: &out) }
            if s.open.count > 0 {
                let c = HeadChunk(minT: s.open.firstT, maxT: s.open.lastT, chunk: s.open.chunk)
                WAL.encodeRecord(.chunk, WALRecords.encodeChunk(ref: ref, c), into: &out)
            }
            if !s.ooo.isEmpty {
                var w = WALRecords.SamplesWriter(baseT: s.ooo[0].t)
                for x in s.ooo { w.add(ref: ref, x.t, x.v) }
                WAL.encodeRecord(.oooSamples, w.w.bytes, into: &out)
            }
        }
        try FileIO.writeFileAtomically(path, out)
        wal.deleteSegments(through: last)
        for name in FileIO.list(walDir) where name.hasPrefix("checkpoint.") && name != WAL.checkpointName(last) {
            try FileIO.removeTree(walDir + "/" + name)
        }
    }

    /// Ranges blocks are compacted into: 3×, 9×, 27×… the head block range, up to a tenth of
    /// retention or 31 days, as Prometheus does.
    var compactionRanges: [Int64] {
        let maxRange = min(options.retentionMs > 0 ? options.retentionMs / 10 : Int64.max, 31 * 86_400_000)
        var out: [Int64] = []
        var r = options.blockRangeMs * 3
        while r <= maxRange {
            out.append(r)
            r *= 3
        }
        return out
    }

    /// Merges overlapping blocks, or blocks that fill a larger range window. One merge per call.
    @discardableResult
    public func compactBlocksIfNeeded() throws -> Bool {
        try compactionLock.withLock {
            let (current, headMin): ([Block], Int64) = lock.withLock { (blocks, head.minT) }
            guard current.count >= 2 else { return false }
            if let group = overlappingGroup(current) {
                try merge(group)
                return true
            }
            let newest = max(current.map(\.maxTime).max()!, headMin == .max ? .min : headMin)
            for range in compactionRanges {
                var windows: [Int64: [Block]] = [:]
                for b in current {
                    let w = alignDown(b.minTime, range)
                    if b.maxTime <= w + range { windows[w, default: []].append(b) }
                }
                for (w, group) in windows.sorted(by: { $0.key < $1.key }) where group.count >= 2 && w + range <= newest {
                    try merge(group)
                    return true
                }
            }
            return false
        }
    }

    private func overlappingGroup(_ blocks: [Block]) -> [Block]? {
        let sorted = blocks.sorted { $0.minTime < $1.minTime }
        var group: [Block] = []
        var groupMax = Int64.min
        for b in sorted {
            if !group.isEmpty && b.minTime < groupMax {
                group.append(b)
                groupMax = max(groupMax, b.maxTime)
            } else {
                if group.count >= 2 { return group }
                group = [b]
                groupMax = b.maxTime
            }
        }
        return group.count >= 2 ? group : nil
    }

    /// Writes one block holding the union of `group` (later blocks win on equal timestamps, tombstones
    /// applied) and swaps it in. Caller holds `compactionLock`.
    func merge(_ group: [Block]) throws {
        let started = clock.nowMs()
        let ordered = group.sorted { $0.meta.ulid > $1.meta.ulid }  // newest first
        var members: [Labels: [(Block, UInt32)]] = [:]
        for b in ordered {
            for id in 0..<UInt32(b.index.seriesLabels.count) { members[b.index.labels(of: Int(id)), default: []].append((b, id)) }
        }
        let writer = try BlockWriter(parentDir: directory, ulid: ULID.make(ms: clock.nowMs()))
        do {
            let cache = FrameCache()
            for labels in members.keys.sorted(by: labelsLess) {
                var samples: [Sample] = []
                for (b, id) in members[labels]! { samples = mergeSorted(samples, try b.samples(id, mint: .min, maxt: .max, cache: cache)) }
                try writer.add(labels, samples)
            }
            let level = (group.map(\.meta.compaction.level).max() ?? 1) + 1
            let sources = group.flatMap(\.meta.compaction.sources)
            _ = try writer.finish(level: level, sources: sources, range: (group.map(\.minTime).min()!, group.map(\.maxTime).max()!))
        } catch {
            writer.abort()
            throw error
        }
        let merged = try Block.open(writer.finalDir)
        let ids = Set(group.map(\.meta.ulid))
        lock.withLock {
            blocks.removeAll { ids.contains($0.meta.ulid) }
            if merged.meta.stats.numSeries > 0 { blocks.append(merged) }
            blocks.sort { ($0.minTime, $0.meta.ulid) < ($1.minTime, $1.meta.ulid) }
            updateBlockGauges()
        }
        for b in group { try FileIO.removeTree(b.dir) }
        if merged.meta.stats.numSeries == 0 { try FileIO.removeTree(merged.dir) }
        compactions.increment()
        logger.info("blocks compacted", metadata: [
            "sources": "\(group.map(\.meta.ulid))", "into": "\(merged.meta.ulid)",
            "samples": "\(merged.meta.stats.numSamples)", "ms": "\(clock.nowMs() - started)",
        ])
    }

    /// Deletes blocks entirely older than retention (counted back from the newest sample in the
    /// store, so backfilled old data is not deleted on arrival), then the oldest blocks while the
    /// store is over its size limit.
    public func applyRetention() throws {
        try compactionLock.withLock {
            var doomed: [Block] = []
            lock.withLock {
                let newestBlock = blocks.map { $0.maxTime - 1 }.max() ?? .min
                let newest = max(head.maxT, newestBlock)
                if options.retentionMs > 0 && newest != .min {
                    let boundary = newest - options.retentionMs
                    doomed = blocks.filter { $0.maxTime <= boundary }
                }
                if options.retentionBytes > 0 {
                    var total = blocks.reduce(0) { $0 + $1.diskBytes } + wal.diskBytes
                    total -= doomed.reduce(0) { $0 + $1.diskBytes }
                    for b in blocks.sorted(by: { $0.minTime < $1.minTime }) where total > options.retentionBytes {
                        if doomed.contains(where: { $0 === b }) { continue }
                        doomed.append(b)
                        total -= b.diskBytes
                    }
                }
                let ids = Set(doomed.map(\.meta.ulid))
                blocks.removeAll { ids.contains($0.meta.ulid) }
                updateBlockGauges()
            }
            for b in doomed {
                try FileIO.removeTree(b.dir)
                retentionDeletions.increment()
                logger.info("retention deleted block", metadata: ["ulid": "\(b.meta.ulid)", "minTime": "\(b.minTime)", "maxTime": "\(b.maxTime)"])
            }
        }
    }
}

@inline(__always)
func alignDown(_ t: Int64, _ range: Int64) -> Int64 {
    let r = t % range
    return r < 0 ? t - r - range : t - r
}
