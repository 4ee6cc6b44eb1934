import Foundation
import OspreyCore
import Testing
@testable import MetricStore

@Suite struct CompactionTests {
    /// Writes `hours` of 15s samples for `n` series, starting at `start`.
    func fill(_ db: MetricStoreDB, n: Int = 10, from start: Int64, hours: Int64) throws {
        var t = start
        while t < start + hours * hour {
            let app = db.appender()
            for i in 0..<n { app.append(series("m", ["i": "\(i)"]), t, Double(t / 15_000 + Int64(i))) }
            let r = try app.commit()
            #expect(r.rejectedCount == 0)
            t += 15_000
        }
    }

    func expectComplete(_ db: MetricStoreDB, n: Int = 10, from start: Int64, hours: Int64) throws {
        for i in 0..<n {
            let got = try read(db, series("m", ["i": "\(i)"]))
            let want = stride(from: start, to: start + hours * hour, by: 15_000).map { Sample($0, Double($0 / 15_000 + Int64(i))) }
            #expect(got == want, "series \(i): \(got.count) samples, want \(want.count)")
        }
    }

    @Test func headIsCutIntoAlignedBlocksAndCheckpointed() throws {
        let dir = TempDir()
        let clock = ManualClock(0)
        let db = try openStore(dir, clock: clock)
        try fill(db, from: 0, hours: 2)
        try db.maintain()
        #expect(db.stats().blocks == 0, "head spans less than 1.5 ranges: nothing to cut")
        try fill(db, from: 2 * hour, hours: 2)  // head now spans 4h
        try db.maintain()
        let s = db.stats()
        #expect(s.blocks == 1)
        #expect(s.headMinT == 2 * hour)
        let block = db.blocks[0]
        #expect(block.minTime == 0 && block.maxTime == 2 * hour)
        #expect(block.meta.stats.numSamples == 10 * 480)
        #expect(FileIO.list(dir.path + "/metrics/wal").contains { $0.hasPrefix("checkpoint.") })
        try expectComplete(db, from: 0, hours: 4)
        db.close()
        // Blocks + checkpoint + remaining segments replay to the same data, without duplicates.
        let reopened = try openStore(dir, clock: clock)
        try expectComplete(reopened, from: 0, hours: 4)
        #expect(reopened.stats().headSamples == 10 * 480)
    }

    @Test func smallBlocksAreCompactedIntoLargerOnes() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        try fill(db, from: 0, hours: 11)
        try db.maintain()
        // The head keeps [8h, 11h); blocks [0,2h) [2h,4h) [4h,6h) fill the 6h window and are merged;
        // [6h,8h) waits for its window to fill.
        let ranges = db.blocks.map { ($0.minTime / hour, $0.maxTime / hour) }
        #expect(ranges.count == 2, "\(ranges)")
        #expect(ranges.first! == (0, 6))
        #expect(db.blocks.first!.meta.compaction.level == 2)
        #expect(db.blocks.first!.meta.compaction.sources.count == 3)
        try expectComplete(db, from: 0, hours: 11)
    }

    @Test func backfillIntoPersistedRangeIsMergedAndDeduplicated() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        try fill(db, n: 1, from: 0, hours: 4)
        try db.maintain()
        #expect(db.blocks.count == 1)
        // Backfill older data and rewrite some persisted samples with the same values.
        try write(db, series("m", ["i": "0"]), [(-hour, 42), (0, 0), (15_000, 1)])
        try db.cutHeadIfNeeded(force: true)
        while try db.compactBlocksIfNeeded() {}
        let got = try read(db, series("m", ["i": "0"]))
        #expect(got.first == Sample(-hour, 42))
        #expect(Set(got.map(\.t)).count == got.count, "no duplicate timestamps after merging")
        #expect(got.count == 4 * 240 + 1)
        #expect(!db.blocks.contains { a in db.blocks.contains { b in a !== b && a.overlaps(b.minTime, b.maxTime - 1) } })
    }

    @Test func retentionCountsFromNewestSampleNotWallClock() throws {
        let dir = TempDir()
        // Wall clock far in the future of the data: backfilled old data must survive.
        let clock = ManualClock(1_000 * 86_400_000)
        let db = try openStore(dir, clock: clock) { $0.retentionMs = 6 * hour }
        try fill(db, n: 2, from: 0, hours: 8)
        try db.maintain()
        #expect(!db.blocks.isEmpty)
        try expectComplete(db, n: 2, from: 0, hours: 8)
        // Newer data arrives: blocks ending more than 6h before the newest sample go.
        try fill(db, n: 2, from: 8 * hour, hours: 10)
        try db.maintain()
        let newest = db.stats().headMaxT
        #expect(db.blocks.allSatisfy { $0.maxTime > newest - 6 * hour })
        #expect(try read(db, series("m", ["i": "0"])).first!.t >= 10 * hour - 2 * hour)
    }

    @Test func retentionBySize() throws {
        let dir = TempDir()
        let db = try openStore(dir) { $0.retentionMs = 0 }
        try fill(db, n: 20, from: 0, hours: 12)
        try db.maintain()
        let before = db.blocks.count
        let total = db.blocks.reduce(0) { $0 + $1.diskBytes }
        #expect(before >= 2)
        let reopened: MetricStoreDB
        db.close()
        reopened = try openStore(dir) { o in
            o.retentionMs = 0
            o.retentionBytes = total - 1 + FileIO.treeSize(dir.path + "/metrics/wal")
        }
        try reopened.applyRetention()
        #expect(reopened.blocks.count == before - 1)
        #expect(reopened.blocks.first!.minTime > 0, "the oldest block went first")
    }

    @Test func deleteSeriesWithTombstonesThenClean() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        try fill(db, n: 3, from: 0, hours: 4)
        try db.maintain()
        #expect(db.blocks.count == 1)
        let victim = series("m", ["i": "1"])
        try db.delete([.equal("i", "1")], mint: hour, maxt: 3 * hour)
        let got = try read(db, victim)
        #expect(!got.contains { $0.t >= hour && $0.t <= 3 * hour })
        #expect(got.count == 4 * 240 - (2 * 240 + 1))
        #expect(!db.blocks[0].tombstones.isEmpty)
        try db.cleanTombstones()
        #expect(db.blocks.allSatisfy { $0.tombstones.isEmpty })
        #expect(try read(db, victim) == got)
        try expectComplete(db, n: 1, from: 0, hours: 4)
        // The deletion in the head survives a restart (it is in the WAL).
        db.close()
        let reopened = try openStore(dir)
        #expect(try read(reopened, victim) == got)
    }

    @Test func snapshotHoldsBlocksAndHeadAndReopensAsAStore() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        try fill(db, n: 3, from: 0, hours: 5)
        try db.maintain()
        #expect(db.blocks.count == 1)
        let name = try db.snapshot()
        let snap = dir.path + "/metrics/snapshots/" + name
        #expect(FileManager.default.fileExists(atPath: snap))
        // Copy the snapshot into a fresh store directory: it must hold all data.
        let restored = TempDir()
        try FileManager.default.copyItem(atPath: snap, toPath: restored.path + "/metrics")
        let back = try openStore(restored)
        try expectComplete(back, n: 3, from: 0, hours: 5)
    }

    @Test func overlappingSmallBlocksCountAsOneStoreOnRestart() throws {
        let dir = TempDir()
        do {
            let db = try openStore(dir)
            try fill(db, n: 2, from: 0, hours: 4)
            try db.maintain()
            db.close()
        }
        let db = try openStore(dir)
        try expectComplete(db, n: 2, from: 0, hours: 4)
    }
}

@Suite struct ConcurrentCutTests {
    @Test func writesDuringAHeadCutAreKept() throws {
        let dir = TempDir()
        let db = try openStore(dir) { $0.fsync = .never }
        // 10 series × 5h: the cut persists [0, 4h) while another thread backfills old samples,
        // writes new ones and creates series whose only samples are older than the cut.
        for t in stride(from: Int64(0), to: 5 * hour, by: 15_000) {
            let app = db.appender()
            for i in 0..<10 { app.append(series("m", ["i": "\(i)"]), t, 1) }
            _ = try app.commit()
        }
        let done = DispatchSemaphore(value: 0)
        let writer = Thread {
            defer { done.signal() }
            for k in 0..<400 {
                let app = db.appender()
                app.append(series("m", ["i": "\(k % 10)"]), -Int64(k + 1) * 1000, 2)       // backfill
                app.append(series("late", ["k": "\(k)"]), Int64(k) * 1000, 3)              // new series, old data
                app.append(series("m", ["i": "\(k % 10)"]), 5 * hour + Int64(k) * 1000, 4)  // new in-order data
                _ = try? app.commit()
            }
        }
        writer.start()
        try db.cutHeadIfNeeded()
        done.wait()
        func check(_ db: MetricStoreDB) throws {
            for i in 0..<10 {
                let got = try read(db, series("m", ["i": "\(i)"]))
                #expect(got.filter { $0.v == 1 }.count == 5 * 240)
                #expect(got.filter { $0.v == 2 }.count == 40)
                #expect(got.filter { $0.v == 4 }.count == 40)
            }
            #expect(try db.series([.equal("__name__", "late")], mint: .min, maxt: .max).count == 400)
        }
        try check(db)
        db.close()
        try check(try openStore(dir))
    }
}
