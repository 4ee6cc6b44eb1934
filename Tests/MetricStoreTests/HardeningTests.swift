import Foundation
import OspreyCore
import Testing
@testable import MetricStore

/// Inputs and histories that must not break the store: unit mistakes in timestamps, damaged WALs
/// that leave one label set under two refs, rewrites of persisted samples.
@Suite struct HardeningTests {
    @Test func timestampsFarInTheFutureOrPastAreRejectedAndDeleteNothing() throws {
        let dir = TempDir()
        let now = 1_700_000_000_000 as Int64
        let db = try openStore(dir, clock: ManualClock(now))
        let up = series("up")
        try write(db, up, [(now - hour, 1), (now, 2)])
        let app = db.appender()
        app.append(up, now * 1_000_000, 3)     // nanoseconds sent as milliseconds
        app.append(up, Int64.min, 4)
        app.append(up, Int64.max, 5)
        app.append(up, now + 1000, 6)           // a second of clock skew is fine
        let result = try app.commit()
        #expect(result.rejectedCount == 3)
        #expect(result.rejected.first?.reason.contains("ahead of the server clock") == true)
        try db.maintain()
        #expect(try read(db, up).map(\.v) == [1, 2, 6])
        let oldest = MetricStoreDB.timestampMin
        #expect(try write(db, series("old"), [(oldest, 1), (oldest + 1, 2), (0, 3)]).rejectedCount == 0)
        try db.cutHeadIfNeeded(force: true)
        #expect(try read(db, series("old")).map(\.v) == [1, 2, 3])
    }

    @Test func aLostTombstoneDoesNotLeaveOneLabelSetAsTwoSeries() throws {
        let dir = TempDir()
        let a = series("a")
        do {
            let db = try openStore(dir)
            try write(db, a, [(1000, 1)])
            try db.delete([.equal("__name__", "a")], mint: .min, maxt: .max)
            try write(db, a, [(2000, 2)])       // a new series (new ref) for the same labels
            db.close()
        }
        // Damage the tombstone record so replay sees both series records for `a`.
        let wal = dir.path + "/metrics/wal"
        let seg = wal + "/" + FileIO.list(wal).first { $0.count == 8 }!
        var bytes = try FileIO.readAll(seg)
        var o = 0
        while o < bytes.count {
            let len = Int(readLE32(bytes, o + 1))
            if bytes[o] == WALRecordType.tombstone.rawValue { bytes[o + WAL.headerBytes] ^= 0xFF }
            o += WAL.headerBytes + len
        }
        try FileIO.writeFileAtomically(seg, bytes)
        let db = try openStore(dir)
        #expect(db.walRepairs.count == 1)
        #expect(try db.series([.equal("__name__", "a")], mint: .min, maxt: .max).count == 1)
        #expect(try read(db, a).map(\.v) == [1, 2])
        try db.cutHeadIfNeeded(force: true)    // a duplicate series would trip the block writer here
        #expect(try read(db, a).map(\.v) == [1, 2])
    }

    @Test func theNewestWriteOfAPersistedTimestampWinsBeforeAndAfterCompaction() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        let x = series("x")
        try write(db, x, [(1000, 1), (2000, 1)])
        try db.cutHeadIfNeeded(force: true)
        try write(db, x, [(1000, 2)])           // the head no longer holds t=1000, so this is accepted
        #expect(try read(db, x).map(\.v) == [2, 1])
        try db.cutHeadIfNeeded(force: true)
        #expect(db.blocks.count == 2)
        #expect(try read(db, x).map(\.v) == [2, 1])
        while try db.compactBlocksIfNeeded() {}
        #expect(db.blocks.count == 1)
        #expect(try read(db, x).map(\.v) == [2, 1])
    }

    @Test func ulidsIncreaseEvenWithinOneMillisecond() {
        let ids = (0..<2000).map { _ in ULID.make(ms: 42) }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        #expect(ids.allSatisfy(ULID.isValid))
    }

    @Test func corruptBlockChunkBytesThrowInsteadOfTrapping() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<5000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var r = ByteReader(bytes[...])
            var out: [Sample] = []
            _ = try? DenseChunk.decode(&r, into: &out)
            var it = XORChunk(bytes: bytes).makeIterator()
            var n = 0
            while it.next() != nil { n += 1 }
            #expect(n <= 0xFFFF)
        }
    }
}

@Suite struct DirectoryLockTests {
    @Test func aSecondStoreOnTheSameDirectoryIsRefusedUntilTheFirstCloses() throws {
        let dir = TempDir()
        let first = try openStore(dir)
        #expect(throws: StoreError.self) { _ = try openStore(dir) }
        first.close()
        let second = try openStore(dir)
        second.close()
    }
}

@Suite struct BlockDamageTests {
    @Test func aDamagedChunkFrameIsAnErrorNamingItNotWrongData() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        try write(db, series("a"), (0..<500).map { (Int64($0) * 15_000, Double($0)) })
        try db.cutHeadIfNeeded(force: true)
        let block = db.blocks[0]
        db.close()
        let path = block.dir + "/chunks/000001"
        var bytes = try FileIO.readAll(path)
        bytes[bytes.count / 2] ^= 0x01
        try FileIO.writeFileAtomically(path, bytes)
        let reopened = try openStore(dir)
        #expect {
            _ = try reopened.select([.equal("__name__", "a")], mint: .min, maxt: .max)
        } throws: { error in
            "\(error)".contains("fails its checksum") && "\(error)".contains(block.meta.ulid)
        }
    }
}
