import Foundation
import OspreyCore
import Testing
@testable import MetricStore

@Suite struct AppendAndReadTests {
    @Test func outOfOrderAndBackfillMergeWithInOrderData() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        let up = series("up", ["job": "a"])
        try write(db, up, [(10 * hour, 1), (10 * hour + 15_000, 2)])
        try write(db, up, [(0, 5), (-30_000, 4), (5 * hour, 6), (10 * hour + 7_000, 1.5)])
        #expect(try read(db, up).map(\.t) == [-30_000, 0, 5 * hour, 10 * hour, 10 * hour + 7_000, 10 * hour + 15_000])
        #expect(try read(db, up, mint: 0, maxt: 5 * hour).map(\.v) == [5, 6])
    }

    @Test func duplicateTimestampWithOtherValueIsRejectedAloneAndSameValueIsAccepted() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        let a = series("a"), b = series("b")
        try write(db, a, [(1000, 1), (2000, 2)])
        let app = db.appender()
        app.append(a, 2000, 2)       // identical: fine
        app.append(a, 1000, 9)       // conflicts (out of order)
        app.append(a, 2000, 3)       // conflicts (in order)
        app.append(b, 1000, 7)       // unrelated: stored
        let result = try app.commit()
        #expect(result.rejectedCount == 2)
        #expect(result.rejected.first?.reason.contains("duplicate sample for timestamp") == true)
        #expect(result.rejected.first?.labels == a)
        #expect(try read(db, a).map(\.v) == [1, 2])
        #expect(try read(db, b).map(\.v) == [7])
    }

    @Test func limitsGiveClearErrors() throws {
        let dir = TempDir()
        let db = try openStore(dir) { o in
            o.limits.labelValueBytesMax = 8
            o.limits.labelsPerSeriesMax = 3
            o.limits.seriesMax = 2
        }
        var r = try write(db, series("x", ["k": "123456789"]), [(1, 1)])
        #expect(r.rejected.first?.reason.contains("over the limit of 8") == true)
        r = try write(db, series("x", ["a": "1", "b": "2", "c": "3"]), [(1, 1)])
        #expect(r.rejected.first?.reason.contains("more than the limit of 3") == true)
        try write(db, series("s1"), [(1, 1)])
        try write(db, series("s2"), [(1, 1)])
        r = try write(db, series("s3"), [(1, 1)])
        #expect(r.rejected.first?.reason.contains("limit") == true)
        #expect(try read(db, series("s3")).isEmpty)
        #expect(try read(db, series("s1")).count == 1)
    }

    @Test func labelQueries() throws {
        let dir = TempDir()
        let db = try openStore(dir)
        try write(db, series("up", ["job": "a", "zone": "z1"]), [(1000, 1)])
        try write(db, series("up", ["job": "b"]), [(5000, 1)])
        try write(db, series("other", ["job": "c"]), [(1000, 1)])
        #expect(try db.labelNames([], mint: .min, maxt: .max) == ["__name__", "job", "zone"])
        #expect(try db.labelValues("job", [.equal("__name__", "up")], mint: .min, maxt: .max) == ["a", "b"])
        #expect(try db.series([.equal("__name__", "up")], mint: 2000, maxt: 6000) == [series("up", ["job": "b"])])
    }
}

@Suite struct WALTests {
    @Test func replayRestoresEverythingAcknowledged() throws {
        let dir = TempDir()
        let labels = (0..<50).map { series("m", ["i": "\($0)"]) }
        do {
            let db = try openStore(dir)
            for (i, l) in labels.enumerated() {
                try write(db, l, (0..<300).map { (Int64($0) * 15_000, Double(i * 1000 + $0)) })
            }
            try write(db, labels[0], [(-15_000, -1), (StaleNaNTime, StaleNaN.value)])
            // No close(): like a crash, the WAL alone must carry the data.
        }
        let db = try openStore(dir)
        for (i, l) in labels.enumerated() {
            let got = try read(db, l)
            let want = (0..<300).map { Double(i * 1000 + $0) }
            #expect(got.filter { $0.t >= 0 && $0.t < StaleNaNTime }.map(\.v) == want)
        }
        let first = try read(db, labels[0])
        #expect(first.first?.t == -15_000)
        #expect(StaleNaN.isStale(first.last!.v))
    }

    let StaleNaNTime: Int64 = 10 * hour

    func segmentPath(_ dir: TempDir) -> String {
        let wal = dir.path + "/metrics/wal"
        let seg = FileIO.list(wal).filter { $0.count == 8 }.first { (try? FileIO.readAll(wal + "/" + $0).isEmpty) == false }!
        return wal + "/" + seg
    }

    func writeThreeBatches(_ dir: TempDir) throws {
        let db = try openStore(dir)
        try write(db, series("a"), [(1000, 1)])
        try write(db, series("a"), [(2000, 2)])
        try write(db, series("a"), [(3000, 3)])
        db.close()
    }

    @Test func tornTailIsTruncatedAndReported() throws {
        let dir = TempDir()
        try writeThreeBatches(dir)
        let path = segmentPath(dir)
        var bytes = try FileIO.readAll(path)
        bytes.removeLast(5)
        try FileIO.writeFileAtomically(path, bytes)
        let logs = LogCapture()
        let db = try openStore(dir, logs: logs)
        #expect(try read(db, series("a")).map(\.v) == [1, 2])
        #expect(db.walRepairs.count == 1)
        #expect(db.walRepairs[0].contains("torn record"))
        #expect(logs.all.contains { $0.contains("WAL repaired") })
        db.close()
        // The repair is on disk: a second start finds nothing to repair, and writes go on.
        let again = try openStore(dir)
        #expect(again.walRepairs.isEmpty)
        try write(again, series("a"), [(4000, 4)])
        #expect(try read(again, series("a")).map(\.v) == [1, 2, 4])
    }

    @Test func flippedBytesDropOnlyTheDamagedRecord() throws {
        let dir = TempDir()
        try writeThreeBatches(dir)
        let path = segmentPath(dir)
        var bytes = try FileIO.readAll(path)
        // Records: [series a][samples 1000] [samples 2000] [samples 3000]. Damage the last byte of the
        // value of the 2000 sample (inside the payload of the third record).
        var offsets: [Int] = []
        var o = 0
        while o < bytes.count { offsets.append(o); o += WAL.headerBytes + Int(readLE32(bytes, o + 1)) }
        #expect(offsets.count == 4)
        bytes[offsets[3] - 1] ^= 0xFF
        try FileIO.writeFileAtomically(path, bytes)
        let db = try openStore(dir)
        #expect(try read(db, series("a")).map(\.v) == [1, 3])
        #expect(db.walRepairs.count == 1)
        #expect(db.walRepairs[0].contains("fails its checksum"))
    }

    @Test func garbageHeaderTruncatesTheRest() throws {
        let dir = TempDir()
        try writeThreeBatches(dir)
        let path = segmentPath(dir)
        var bytes = try FileIO.readAll(path)
        bytes.append(contentsOf: [0xEE, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3, 4, 5, 6])
        try FileIO.writeFileAtomically(path, bytes)
        let db = try openStore(dir)
        #expect(try read(db, series("a")).map(\.v) == [1, 2, 3])
        #expect(db.walRepairs.first?.contains("dropped 11 bytes") == true)
    }
}
