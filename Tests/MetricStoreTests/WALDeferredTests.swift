import Foundation
import OspreyCore
import Testing
@testable import MetricStore

/// Scrape commits may leave their WAL record in memory until the next maintenance pass; acknowledged
/// commits write it (and every deferred record before it, in order) before they return.
struct WALDeferredTests {
    private func walBytes(_ dir: TempDir) -> Int64 { FileIO.treeSize(dir.path + "/metrics/wal") }

    private func batch(_ labels: Labels, t: Int64, deferred: Bool) -> EncodedBatch {
        var b = SeriesHandleTests.batch([labels.encoded], t: t)
        b.deferWALWrite = deferred
        return b
    }

    @Test("a deferred commit reaches the WAL file at the next acknowledged commit or maintenance pass, and survives a restart")
    func deferredRecordsAreWrittenInOrder() throws {
        let dir = TempDir()
        let clock = ManualClock(10_000_000)
        let a = series("scraped"), b = series("pushed")
        do {
            let db = try openStore(dir, clock: clock) { $0.fsync = .batch(intervalMs: 1000) }
            let empty = walBytes(dir)
            _ = try db.commit(batch(a, t: 1000, deferred: true))
            #expect(walBytes(dir) == empty, "a deferred record is not written at once")
            #expect(try read(db, a).map(\.t) == [1000], "but it is visible to queries at once")
            _ = try db.commit(batch(b, t: 1000, deferred: false))
            let afterAck = walBytes(dir)
            #expect(afterAck > empty)
            _ = try db.commit(batch(a, t: 2000, deferred: true))
            #expect(walBytes(dir) == afterAck)
            try db.syncIfDue()
            #expect(walBytes(dir) > afterAck, "maintenance writes what waits")
            _ = try db.commit(batch(a, t: 3000, deferred: true))
            try db.close()
        }
        let reopened = try openStore(dir, clock: clock) { $0.fsync = .batch(intervalMs: 1000) }
        #expect(try read(reopened, a).map(\.t) == [1000, 2000, 3000], "closing writes the last deferred record")
        #expect(try read(reopened, b).map(\.t) == [1000])
        try reopened.close()
    }

    @Test("deferred records are written once enough of them gather, without a maintenance pass")
    func deferredBufferIsBounded() throws {
        let dir = TempDir()
        let db = try openStore(dir, clock: ManualClock(10_000_000)) { $0.fsync = .batch(intervalMs: 1000) }
        let empty = walBytes(dir)
        var written = false
        for i in 0..<20_000 where !written {
            _ = try db.commit(batch(series("m", ["i": "\(i)"]), t: 1000, deferred: true))
            written = walBytes(dir) > empty
        }
        #expect(written)
        #expect(walBytes(dir) >= Int64(WAL.deferredBytesMax))
        try db.close()
    }
}
