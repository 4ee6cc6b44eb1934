import Foundation
import MetricStore
import OspreyCore
import Testing

@testable import Ingest

@Suite("Forward buffer")
struct ForwardBufferTests {
    @Test("a record decodes to exactly the batch it was made from, NaN bits and negative times included")
    func recordRoundTrip() throws {
        var batch = makeBatch(series: 3, perSeries: 4, t0: -5_000)
        batch.values[1] = StaleNaN.value
        batch.values[2] = -0.0
        let records = ForwardRecord.encode(batch)
        #expect(records.count == 1)
        let payload = Array(records[0][ForwardRecord.headerBytes...])
        let decoded = try #require(ForwardRecord.decode(payload))
        #expect(decoded.keyBytes == batch.keyBytes)
        #expect(decoded.timestamps == batch.timestamps)
        #expect(decoded.values.map(\.bitPattern) == batch.values.map(\.bitPattern))
        #expect(ForwardRecord.decode(Array(payload.dropLast())) == nil, "a truncated payload must not decode")
    }

    @Test("records are read back in order, and a reopened buffer resumes after the committed cursor")
    func appendReadCommitRestart() async throws {
        try await withForwardDirectory { dir in
            var ends: [ForwardPosition] = []
            do {
                let buffer = try ForwardBuffer(directory: dir, bytesMax: 1 << 30, logger: quietLogger)
                for i in 0..<5 { buffer.append(ForwardRecord.encode(makeBatch(series: 1, perSeries: 2, t0: Int64(i) * 10_000))[0]) }
                let read = buffer.read(bytesMax: 1 << 20)
                #expect(read.count == 5)
                #expect(read.map(\.samples) == [2, 2, 2, 2, 2])
                #expect(buffer.isDrained)
                ends = read.map(\.end)
                buffer.commit(ends[1])  // the remote has the first two
                buffer.close()
            }
            let reopened = try ForwardBuffer(directory: dir, bytesMax: 1 << 30, logger: quietLogger)
            let again = reopened.read(bytesMax: 1 << 20)
            #expect(again.count == 3, "records 3 to 5 were not acknowledged and must be sent again")
            let firstTimes = again.compactMap { ForwardRecord.decode($0.payload)?.timestamps.first }
            #expect(firstTimes == [20_000, 30_000, 40_000])
            reopened.append(ForwardRecord.encode(makeBatch(series: 1, perSeries: 1, t0: 99_000))[0])
            #expect(reopened.read(bytesMax: 1 << 20).compactMap { ForwardRecord.decode($0.payload)?.timestamps } == [[99_000]])
        }
    }

    @Test("a torn tail after a crash is skipped; the intact records before it are read")
    func tornTail() async throws {
        try await withForwardDirectory { dir in
            do {
                let buffer = try ForwardBuffer(directory: dir, bytesMax: 1 << 30, logger: quietLogger)
                for i in 0..<3 { buffer.append(ForwardRecord.encode(makeBatch(series: 2, perSeries: 3, t0: Int64(i) * 10_000))[0]) }
            }  // no close: as after kill -9
            let segment = try #require(try segmentFiles(dir).last { try fileSize($0) > 0 })
            let size = try fileSize(segment)
            #expect(truncate(segment, off_t(size - 5)) == 0)
            let reopened = try ForwardBuffer(directory: dir, bytesMax: 1 << 30, logger: quietLogger)
            let read = reopened.read(bytesMax: 1 << 20)
            #expect(read.count == 2)
            #expect(read.compactMap { ForwardRecord.decode($0.payload)?.timestamps.first } == [0, 10_000])
        }
    }

    @Test("a record with a bad checksum is skipped with the rest of its segment; later segments are read")
    func badChecksum() async throws {
        try await withForwardDirectory { dir in
            do {
                let buffer = try ForwardBuffer(directory: dir, bytesMax: 1 << 30, logger: quietLogger)
                for i in 0..<3 { buffer.append(ForwardRecord.encode(makeBatch(series: 1, perSeries: 3, t0: Int64(i) * 10_000))[0]) }
            }
            let segment = try #require(try segmentFiles(dir).last { try fileSize($0) > 0 })
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
            let recordBytes = bytes.count / 3
            bytes[recordBytes + ForwardRecord.headerBytes + 3] ^= 0xFF  // inside the second record's payload
            try Data(bytes).write(to: URL(fileURLWithPath: segment))
            let reopened = try ForwardBuffer(directory: dir, bytesMax: 1 << 30, logger: quietLogger)
            reopened.append(ForwardRecord.encode(makeBatch(series: 1, perSeries: 1, t0: 77_000))[0])
            let read = reopened.read(bytesMax: 1 << 20)
            #expect(read.compactMap { ForwardRecord.decode($0.payload)?.timestamps.first } == [0, 77_000])
        }
    }

    @Test("over the bound the oldest segments go, their unsent samples are counted, the newest stay in order")
    func boundEnforcement() async throws {
        try await withForwardDirectory { dir in
            let dropped = Counted()
            let bytesMax: Int64 = 64 << 10
            let buffer = try ForwardBuffer(directory: dir, bytesMax: bytesMax, logger: quietLogger) { dropped.add($0) }
            let records = 400
            for i in 0..<records { buffer.append(ForwardRecord.encode(makeBatch(series: 2, perSeries: 5, t0: Int64(i) * 100_000))[0]) }
            #expect(buffer.bytes <= bytesMax)
            let onDisk = try segmentFiles(dir).reduce(Int64(0)) { $0 + (try fileSize($1)) }
            #expect(onDisk == buffer.bytes)
            var read: [ForwardBufferRecord] = []
            while true {
                let more = buffer.read(bytesMax: 1 << 20)
                if more.isEmpty { break }
                read += more
            }
            #expect(read.count < records)
            #expect(dropped.value + read.reduce(0) { $0 + $1.samples } == records * 10, "every sample is either readable or counted as dropped")
            let starts = read.compactMap { ForwardRecord.decode($0.payload)?.timestamps.first }
            #expect(starts.last == Int64(records - 1) * 100_000, "the newest record survives")
            #expect(starts == starts.sorted() && Set(starts).count == starts.count, "what survives is in order, without gaps inside")
            #expect(starts.count == Int(((starts.last! - starts.first!) / 100_000) + 1))
        }
    }
}

final class Counted: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) { lock.withLock { total += n } }
    var value: Int { lock.withLock { total } }
}

func segmentFiles(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".seg") }.sorted().map { dir + "/" + $0 }
}

func fileSize(_ path: String) throws -> Int64 {
    (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
}
