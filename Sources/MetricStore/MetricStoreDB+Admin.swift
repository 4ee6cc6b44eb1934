import Foundation
import OspreyCore
#if canImport(Glibc)
import Glibc
#endif

extension MetricStoreDB {
    /// Deletes samples of matching series in [mint, maxt]: at once from the head (logged in the WAL),
    /// as tombstones in blocks until `cleanTombstones()` or compaction rewrites them.
    public func delete(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws {
        try compactionLock.withLock {
            try lock.withLock {
                guard !closed else { throw StoreError.closed }
                try wal.log(.tombstone, WALRecords.encodeTombstone(matchers, mint, maxt))
                deleteFromHead(matchers, mint, maxt)
                var replaced: [Block] = []
                for b in blocks {
                    guard b.overlaps(mint, maxt) else { replaced.append(b); continue }
                    var t = b.tombstones
                    let iv = Interval(mint: max(mint, b.minTime), maxt: min(maxt, b.maxTime - 1))
                    let ids = Postings.select(matchers, in: b.index)
                    guard !ids.isEmpty else { replaced.append(b); continue }
                    for id in ids { t[id, default: []].append(iv) }
                    replaced.append(try b.with(tombstones: t))
                }
                blocks = replaced
                activeSeries.record(head.seriesCount)
            }
        }
        logger.info("series deleted", metadata: ["matchers": "\(matchers)", "mint": "\(mint)", "maxt": "\(maxt)"])
    }

    /// Removes head samples of matching series in [mint, maxt]. Caller holds `lock`.
    func deleteFromHead(_ matchers: [LabelMatcher], _ mint: Int64, _ maxt: Int64) {
        var changed = false
        for ref in Postings.select(matchers, in: head.index) {
            guard let s = head.series[ref] else { continue }
            let all = s.samples(mint: .min, maxt: .max)
            let kept = all.filter { $0.t < mint || $0.t > maxt }
            guard kept.count != all.count else { continue }
            changed = true
            if kept.isEmpty {
                head.remove(ref, s)
                continue
            }
            s.closed = []
            s.open = XORAppender()
            s.ooo = []
            for x in kept { _ = s.append(x.t, x.v) }
        }
        if changed {
            head.rebuildIndex()
            head.recomputeBounds()
        }
    }

    /// Rewrites every block that has tombstones without the deleted data.
    public func cleanTombstones() throws {
        try compactionLock.withLock {
            let withTombstones = lock.withLock { blocks.filter { !$0.tombstones.isEmpty } }
            for b in withTombstones { try merge([b]) }
        }
    }

    /// Writes a consistent copy of the store under `snapshots/<name>/`: hard links to every block and,
    /// unless `skipHead`, the head written as a block. Returns the name.
    public func snapshot(skipHead: Bool = false) throws -> String {
        try compactionLock.withLock {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            formatter.timeZone = TimeZone(identifier: "UTC")
            let when = Date(timeIntervalSince1970: Double(clock.nowMs()) / 1000)
            let name = formatter.string(from: when) + "-" + String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
            let dir = snapshotsDir + "/" + name
            try FileIO.makeDirectory(dir)
            let current = lock.withLock { blocks }
            for b in current { try hardLinkTree(b.dir, dir + "/" + b.meta.ulid) }
            if !skipHead {
                let series = lock.withLock { head.series.values.map { $0.snapshot() } }
                _ = try writeHead(series, before: .max, into: dir, level: 1)
            }
            FileIO.syncDirectory(dir)
            logger.info("snapshot written", metadata: ["dir": "\(dir)", "blocks": "\(current.count)", "head": "\(!skipHead)"])
            return name
        }
    }

    private func hardLinkTree(_ from: String, _ to: String) throws {
        try FileIO.makeDirectory(to)
        for name in FileIO.list(from) {
            let src = from + "/" + name, dst = to + "/" + name
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: src, isDirectory: &isDir), isDir.boolValue {
                try hardLinkTree(src, dst)
            } else if link(src, dst) != 0 {
                throw StoreError.io("link \(src) → \(dst): \(FileIO.errnoText())")
            }
        }
    }
}
