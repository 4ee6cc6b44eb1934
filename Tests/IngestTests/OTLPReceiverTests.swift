import Foundation
import MetricStore
import OspreyCore
import Testing

@testable import Ingest

/// A sink that keeps batches in memory or refuses them. A stand-in for the store: the receiver only
/// sees the `SampleSink` protocol, and the store itself is covered end to end.
final class RecordingSink: SampleSink, @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [EncodedBatch] = []
    var ready = true
    var written: [EncodedBatch] { lock.withLock { batches } }

    func write(_ batch: EncodedBatch) throws -> CommitResult {
        guard ready else { throw SampleSinkError.notReady }
        lock.withLock { batches.append(batch) }
        var r = CommitResult()
        r.samplesAppended = batch.timestamps.count
        return r
    }
}

final class RecordingMetadata: MetadataSink, @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []
    var recorded: [String] { lock.withLock { entries } }
    func record(job: String?, instance: String?, family: String, type: MetricFamilyType, help: String, unit: String) {
        lock.withLock { entries.append("\(job ?? "-") \(family) \(type.rawValue) \(help) \(unit)") }
    }
}

/// gzip through the system's gzip tool, an independent implementation of the format.
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/gzip")
    p.arguments = ["-c", "-n"]
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try p.run()
    let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
    writer.start()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Array(out)
}

struct OTLPReceiverTests {
    static let body = OTLPProtoEncoder.encode(OTLPDecoderTests.sample)

    @Test("a valid request is stored whole except the exponential histogram, reported as a partial success")
    func partialSuccess() {
        let sink = RecordingSink(), meta = RecordingMetadata()
        let receiver = OTLPMetricsReceiver(sink: sink, metadata: meta)
        let result = receiver.export(Self.body, format: .protobuf, gzip: false)
        guard case .success(let rejected, let message) = result else { Issue.record("\(result)"); return }
        #expect(rejected == 2)
        #expect(message.contains("metric \"e\": exponential histograms are not supported yet"))
        #expect(sink.written.count == 1)
        let names = Set(sink.written[0].series.map { s in Labels(encoded: sink.written[0].keyBytes[Int(s.keyStart)..<Int(s.keyEnd)])!.metricName! })
        #expect(names == ["g_bytes", "c_total", "h_seconds_bucket", "h_seconds_sum", "h_seconds_count", "s", "s_sum", "s_count", "target_info"])
        #expect(meta.recorded.contains("shop g_bytes gauge a gauge bytes"))
        let response = OTLPResponse.export(rejectedPoints: rejected, message: message, format: .json)
        #expect(String(decoding: response, as: UTF8.self).hasPrefix("{\"partialSuccess\":{\"rejectedDataPoints\":\"2\",\"errorMessage\":\"metric \\\"e\\\""))
    }

    @Test("gzip bodies are inflated; bad gzip is a clear error and nothing is stored")
    func gzip() throws {
        let sink = RecordingSink()
        let receiver = OTLPMetricsReceiver(sink: sink)
        let compressed = try gzipped(Self.body)
        guard case .success = receiver.export(compressed, format: .protobuf, gzip: true) else { Issue.record("gzip body refused"); return }
        #expect(Self.invalidMessage(receiver.export(Self.body, format: .protobuf, gzip: true))?.hasPrefix("bad gzip body: corrupt gzip data at input offset") == true)
        #expect(Self.invalidMessage(receiver.export(Array(compressed.dropLast(12)), format: .protobuf, gzip: true))?.hasPrefix("bad gzip body: gzip stream is truncated") == true)
        var corrupt = compressed
        corrupt[12] ^= 0xFF
        corrupt[13] ^= 0xFF
        if case .invalid(let m) = receiver.export(corrupt, format: .protobuf, gzip: true) {
            // A flipped deflate byte breaks a block or the CRC-32 check, depending on where it lands.
            #expect(m.hasPrefix("bad gzip body: corrupt gzip data") || m.hasPrefix("bad gzip body: gzip stream is truncated"), "\(m)")
        } else { Issue.record("corrupt gzip accepted") }
        #expect(sink.written.count == 1)
    }

    @Test("a gzip body that inflates past decodedBytesMax is refused")
    func zipBomb() throws {
        var limits = OTLPLimits()
        limits.decodedBytesMax = 1 << 20
        let receiver = OTLPMetricsReceiver(sink: RecordingSink(), limits: limits)
        let bomb = try gzipped([UInt8](repeating: 0, count: 4 << 20))
        #expect(receiver.export(bomb, format: .protobuf, gzip: true) == .invalid("bad gzip body: decompressed body is over the limit of 1048576 bytes"))
    }

    static func invalidMessage(_ r: OTLPExportResult) -> String? {
        if case .invalid(let m) = r { return m }
        return nil
    }

    @Test("malformed requests store nothing; a store that is not ready is unavailable and delta totals do not advance")
    func invalidAndUnavailable() {
        let sink = RecordingSink()
        let deltas = OTLPDeltaTracker()
        let receiver = OTLPMetricsReceiver(sink: sink, deltas: deltas)
        #expect(receiver.export([0x0A, 0x80], format: .protobuf, gzip: false) == .invalid("truncated varint at byte 1"))
        sink.ready = false
        #expect(receiver.export(Self.body, format: .protobuf, gzip: false) == .unavailable(SampleSinkError.notReady.description))
        #expect(sink.written.isEmpty)
        #expect(deltas.trackedSeries == 0)
        sink.ready = true
        guard case .success = receiver.export(Self.body, format: .protobuf, gzip: false) else { Issue.record("not stored"); return }
        #expect(deltas.trackedSeries == 1)
    }

    @Test("a body over bodyBytesMax is refused before decoding")
    func bodyLimit() {
        var limits = OTLPLimits()
        limits.bodyBytesMax = 10
        let receiver = OTLPMetricsReceiver(sink: RecordingSink(), limits: limits)
        #expect(receiver.export(Self.body, format: .protobuf, gzip: false)
            == .invalid("request body is \(Self.body.count) bytes, over the limit of 10 bytes (bodyBytesMax); send smaller batches"))
    }

    @Test("responses: empty protobuf and {} JSON on success, partial_success and google.rpc.Status encodings")
    func responses() {
        #expect(OTLPResponse.export(rejectedPoints: 0, message: "", format: .protobuf) == [])
        #expect(OTLPResponse.export(rejectedPoints: 0, message: "", format: .json) == Array("{}".utf8))
        #expect(OTLPResponse.export(rejectedPoints: 3, message: "no", format: .protobuf) == [0x0A, 6, 0x08, 3, 0x12, 2, 0x6E, 0x6F])
        #expect(OTLPResponse.status(.invalidArgument, "bad", format: .protobuf) == [0x08, 3, 0x12, 3, 0x62, 0x61, 0x64])
        #expect(String(decoding: OTLPResponse.status(.unavailable, "wait", format: .json), as: UTF8.self) == "{\"code\":14,\"message\":\"wait\"}")
    }
}
