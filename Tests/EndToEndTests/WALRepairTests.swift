import Foundation
import Ingest
import OspreyCore
import Testing

/// A damaged WAL is repaired on start: the server becomes ready, logs what it dropped (file,
/// offset, bytes), keeps every record outside the damage, accepts writes, and starts cleanly again.
@Suite(.serialized)
struct WALRepairTests {
    static let metric = "osprey_e2e_wal"
    static let seriesCount = 4
    static let batchesCount = 10
    static let samplesPerSeries = 5
    /// The record whose payload is damaged: the samples of batch `damagedBatch`.
    static let damagedBatch = 4
    static let garbageBytes = 64

    enum Damage: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case flippedPayloadBytes, truncatedMidRecord, garbageTail, garbageTailLikeARecord
        var testDescription: String { rawValue }
        /// How the server is stopped before the damage: a crash, or a clean stop that flushed the WAL.
        var stopSignal: Int32 { self == .garbageTail ? SIGTERM : SIGKILL }
    }

    @Test("the WAL is repaired on start and the repair is stable", arguments: Damage.allCases)
    func repairsDamagedWAL(_ damage: Damage) throws {
        try withTemporaryDirectory("wal") { dir in
            let data = dir + "/data"
            let first = try OspreyServer.start(dataDir: data, logPath: dir + "/osprey-1.log")
            for b in 0..<Self.batchesCount {
                let response = try first.client.remoteWrite(Self.batch(b))
                try #require(response.status == 204, "writing batch \(b): HTTP \(response.status): \(response.text)")
            }
            if damage.stopSignal == SIGKILL { first.kill() } else { #expect(first.stop() == .exited(0)) }

            // The first batch creates the series, so the segment is: series record, then one samples record per batch.
            let segmentPath = data + "/metrics/wal/00000001"
            let segment = try WALSegment(path: segmentPath)
            try #require(segment.typeList == [1] + [UInt8](repeating: 2, count: Self.batchesCount),
                         "unexpected WAL layout, record types \(segment.typeList): the test's assumption about the format is out of date")
            let target = segment.records[1 + Self.damagedBatch]
            let (damaged, expectedDamage, lostBatches) = Self.apply(damage, to: segment, target: target)
            try WALSegment.write(damaged.bytes, to: segmentPath)

            // First start after the damage: repaired, logged, the rest readable, writes work.
            let second = try OspreyServer.start(dataDir: data, logPath: dir + "/osprey-2.log")
            let repairs = Self.repairLines(second.log)
            #expect(repairs.count == 1, "expected one `WAL repaired` line, got \(repairs.count):\n\(second.logTail())")
            #expect(repairs.first?.contains("damage=\"\(expectedDamage)\"") == true,
                    "expected damage=\"\(expectedDamage)\" in the repair log line, got: \(repairs.first ?? "(none)")")
            let kept = (0..<Self.batchesCount).filter { !lostBatches.contains($0) }
            try Self.expectStored(second.client, batches: kept, "after the repair")
            let fileBytes = (try? FileManager.default.attributesOfItem(atPath: segmentPath)[.size] as? Int) ?? -1
            #expect(fileBytes == damaged.keptBytes, "the repaired segment should hold only the intact records")

            let extra = Self.batchesCount + 100
            let written = try second.client.remoteWrite(Self.batch(extra))
            #expect(written.status == 204, "a write after the repair: HTTP \(written.status): \(written.text)")
            try Self.expectStored(second.client, batches: kept + [extra], "after the repair and a new write")
            #expect(second.stop() == .exited(0), "clean stop after the repair:\n\(second.logTail())")

            // Second start: nothing left to repair, same data.
            let third = try OspreyServer.start(dataDir: data, logPath: dir + "/osprey-3.log")
            defer { third.stop() }
            #expect(Self.repairLines(third.log).isEmpty, "the repair did not stick; the second start repaired again:\n\(third.logTail())")
            try Self.expectStored(third.client, batches: kept + [extra], "after a second restart")
        }
    }

    /// Damages `segment` as `damage` says. Returns the new file contents and how many of its bytes
    /// a correct repair keeps, the damage string the log must name, and the batches the damage destroys.
    static func apply(_ damage: Damage, to segment: WALSegment, target: WALSegment.Record)
        -> (damaged: (bytes: [UInt8], keptBytes: Int), expected: String, lost: Set<Int>)
    {
        var bytes = segment.bytes
        let name = segment.name
        switch damage {
        case .flippedPayloadBytes:
            let middle = target.payloadOffset + target.payloadBytes / 2
            for i in middle..<(middle + 3) { bytes[i] ^= 0xFF }
            let dropped = WALSegment.headerBytes + target.payloadBytes
            return ((bytes, bytes.count - dropped),
                    "\(name) at offset \(target.offset): record of type 2 fails its checksum; dropped \(dropped) bytes", [damagedBatch])
        case .truncatedMidRecord:
            let present = target.payloadBytes / 2
            bytes.removeSubrange((target.payloadOffset + present)...)
            return ((bytes, target.offset),
                    "\(name) at offset \(target.offset): torn record (\(target.payloadBytes)-byte payload, \(present) present); dropped \(bytes.count - target.offset) bytes",
                    Set(damagedBatch..<batchesCount))
        case .garbageTail:
            bytes += [UInt8](repeating: 0xA5, count: garbageBytes)
            return ((bytes, segment.bytes.count),
                    "\(name) at offset \(segment.bytes.count): unreadable record header (type 165, length \(0xA5A5_A5A5)); truncated the rest of the file; dropped \(garbageBytes) bytes", [])
        case .garbageTailLikeARecord:
            // A samples-record header that promises 1000 bytes, then less than that of noise.
            var garbage: [UInt8] = [2, 0xE8, 0x03, 0, 0, 0x12, 0x34, 0x56, 0x78]
            garbage += (0..<(garbageBytes - garbage.count)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
            bytes += garbage
            return ((bytes, segment.bytes.count),
                    "\(name) at offset \(segment.bytes.count): torn record (1000-byte payload, \(garbageBytes - WALSegment.headerBytes) present); dropped \(garbageBytes) bytes", [])
        }
    }

    static func labels(_ i: Int) -> Labels { Labels(["__name__": metric, "series": "w\(i)"]) }

    /// Batch b: every series, `samplesPerSeries` samples at b*10 s + j s, values unique to (b, series, j).
    static func batch(_ b: Int) -> [(labels: Labels, samples: [Sample])] {
        (0..<seriesCount).map { i in
            let samples = (0..<samplesPerSeries).map { j -> Sample in
                let t = Int64(b * 10_000 + j * 1_000)
                return Sample(t, Double(b * 100 + i * 10 + j) + 0.25)
            }
            return (labels(i), samples)
        }
    }

    static func expectStored(_ client: HTTPClient, batches: [Int], _ when: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stored = try client.rawSamples("{__name__=\"\(metric)\"}")
        for i in 0..<seriesCount {
            let expected = batches.sorted().flatMap { b in batch(b)[i].samples }.map { ReadSample(t: $0.t, value: formatExpected($0.v)) }
            #expect(stored[labels(i)] ?? [] == expected, "\(labels(i)) \(when)", sourceLocation: sourceLocation)
        }
        #expect(stored.count == seriesCount, "series \(when): \(stored.keys)", sourceLocation: sourceLocation)
    }

    /// The test's values are integers + 0.25, which Go prints as "%d.25".
    static func formatExpected(_ v: Double) -> String { "\(Int(v - 0.25)).25" }

    static func repairLines(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains("msg=\"WAL repaired\"") }
    }
}
