import OspreyCore
import Testing
@testable import MetricStore

extension CommitResult {
    /// `previous` (a batch's handles, parallel to its `seriesCount` series) with the ones this commit resolved.
    func handles(updating previous: [SeriesHandle?], seriesCount: Int) -> [SeriesHandle?] {
        var out = previous + [SeriesHandle?](repeating: nil, count: max(0, seriesCount - previous.count))
        for (i, h) in handles { out[Int(i)] = h }
        return out
    }
}

/// Handles let a caller that commits the same series again and again (a scrape cache) skip the lookup by
/// key; a handle to a series that left the head falls back to the lookup and data lands the same.
struct SeriesHandleTests {
    static func batch(_ keys: [[UInt8]], t: Int64, handles: [SeriesHandle?] = []) -> EncodedBatch {
        var b = EncodedBatch()
        b.collectHandles = true
        b.handleTable = handles
        for (i, k) in keys.enumerated() {
            let start = Int32(b.keyBytes.count)
            b.keyBytes += k
            b.series.append(.init(keyStart: start, keyEnd: Int32(b.keyBytes.count), sampleStart: Int32(i), sampleEnd: Int32(i + 1),
                                  handle: i < handles.count ? Int32(i) : -1))
            b.timestamps.append(t)
            b.values.append(Double(t))
        }
        return b
    }

    @Test("a commit returns one handle per series; appending by handle stores into the same series")
    func appendByHandle() throws {
        let dir = TempDir()
        let db = try openStore(dir, clock: ManualClock(10_000_000))
        let a = series("a"), b = series("b", ["x": "1"])
        let first = try db.commit(Self.batch([a.encoded, b.encoded], t: 1000))
        let handles = first.handles(updating: [], seriesCount: 2)
        #expect(first.handles.map(\.series) == [0, 1] && handles.allSatisfy { $0 != nil })
        #expect(first.seriesCreated == 2)
        let second = try db.commit(Self.batch([a.encoded, b.encoded], t: 2000, handles: handles))
        #expect(second.seriesCreated == 0 && second.samplesAppended == 2)
        // Both series came with live handles: nothing new to hand back.
        #expect(second.handles.isEmpty)
        // Without handles, the commit finds the same series by key and returns handles to them.
        let third = try db.commit(Self.batch([a.encoded, b.encoded], t: 3000))
        #expect(third.handles(updating: [], seriesCount: 2).map { $0?.series.ref } == handles.map { $0?.series.ref })
        #expect(try read(db, a).map(\.t) == [1000, 2000, 3000])
        #expect(try read(db, b).map(\.t) == [1000, 2000, 3000])
    }

    @Test("a handle to a series a head cut removed is stale: the commit looks the key up and creates it again")
    func staleHandle() throws {
        let dir = TempDir()
        let clock = ManualClock(10_000_000)
        let db = try openStore(dir, clock: clock)
        let a = series("a")
        let first = try db.commit(Self.batch([a.encoded], t: 1000)).handles(updating: [], seriesCount: 1)
        // Everything is cut into a block; the now empty head series is dropped.
        _ = try db.cutHeadIfNeeded(force: true)
        #expect(first[0]?.series.live == false)
        let again = try db.commit(Self.batch([a.encoded], t: 5000, handles: first))
        #expect(again.samplesAppended == 1 && again.seriesCreated == 1)
        #expect(again.handles.count == 1 && again.handles[0].series == 0 && again.handles[0].handle.series.live)
        #expect(try read(db, a).map(\.t) == [1000, 5000])
    }

    /// `batch` with every series given by handle alone: no key bytes.
    static func keyless(_ handles: [SeriesHandle?], t: Int64) -> EncodedBatch {
        var b = EncodedBatch()
        b.collectHandles = true
        b.handleTable = handles
        for i in handles.indices {
            b.series.append(.init(keyStart: 0, keyEnd: 0, sampleStart: Int32(i), sampleEnd: Int32(i + 1), handle: Int32(i)))
            b.timestamps.append(t)
            b.values.append(Double(t))
        }
        return b
    }

    @Test("a series given by handle alone (no key bytes) is stored, also after its handle went stale; keys can be restored")
    func keylessByHandle() throws {
        let dir = TempDir()
        let clock = ManualClock(10_000_000)
        let db = try openStore(dir, clock: clock)
        let a = series("a"), b = series("b", ["x": "1"])
        let first = try db.commit(Self.batch([a.encoded, b.encoded], t: 1000)).handles(updating: [], seriesCount: 2)
        let second = Self.keyless(first, t: 2000)
        let filled = second.withKeysFilled()
        #expect(filled.series.map { Array(filled.keyBytes[Int($0.keyStart)..<Int($0.keyEnd)]) } == [a.encoded, b.encoded])
        #expect(try db.commit(second).samplesAppended == 2)
        #expect(try read(db, a).map(\.t) == [1000, 2000])
        #expect(try read(db, b).map(\.t) == [1000, 2000])
        _ = try db.cutHeadIfNeeded(force: true)
        #expect(first[0]?.series.live == false)
        let third = try db.commit(Self.keyless(first, t: 5000))
        #expect(third.samplesAppended == 2 && third.seriesCreated == 2)
        #expect(try read(db, a).map(\.t) == [1000, 2000, 5000])
        #expect(try read(db, b).map(\.t) == [1000, 2000, 5000])
    }
}

/// A query's sample budget stops the selection as soon as it is exceeded, in the head and in blocks.
struct SelectBudgetTests {
    @Test("select with samplesMax returns everything within the budget and throws a limit error past it")
    func selectStopsAtTheBudget() throws {
        let dir = TempDir()
        let clock = ManualClock(10_000_000)
        let db = try openStore(dir, clock: clock)
        for i in 0..<10 { _ = try write(db, series("m", ["i": "\(i)"]), (1...10).map { (Int64($0) * 1000, Double($0)) }) }
        let m = [LabelMatcher.equal("__name__", "m")]
        #expect(try db.select(m, mint: 0, maxt: .max, samplesMax: 100).count == 10)
        #expect(throws: StoreError.self) { try db.select(m, mint: 0, maxt: .max, samplesMax: 99) }
        _ = try db.cutHeadIfNeeded(force: true)
        #expect(try db.select(m, mint: 0, maxt: .max, samplesMax: 100).count == 10)
        #expect(throws: StoreError.self) { try db.select(m, mint: 0, maxt: .max, samplesMax: 50) }
    }
}
