// libFuzzer target for the remote write decoder. Not part of the SwiftPM package: scripts/fuzz-remote-write.sh
// compiles this file together with Sources/Ingest/RemoteWrite/*.swift into one module.
//
// Every input is fed to both entry points, as a snappy body and as a bare protobuf. Besides "never crash,
// never read out of bounds" (ASan), it checks that whatever is accepted is consistent and round-trips.

import Foundation
import OspreyCore

/// Small enough that a hostile header cannot make one run allocate much; large enough for every seed.
let fuzzLimits = RemoteWriteLimits(labelNameBytesMax: 256, labelValueBytesMax: 1024, labelsPerSeriesMax: 32, decodedBytesMax: 1 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func remoteWriteFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)

    // Snappy alone: what decompresses must recompress and decompress to the same bytes, and the
    // compressor must round-trip arbitrary bytes.
    if let plain = try? Snappy.decompress(input, maxOutputBytes: fuzzLimits.decodedBytesMax) {
        checkSnappyRoundTrip(plain)
    }
    checkSnappyRoundTrip(Array(input))

    if let request = try? RemoteWriteDecoder.decode(snappyBody: Array(input), limits: fuzzLimits) {
        checkRequest(request)
    }
    if let request = try? RemoteWriteDecoder.decode(protobuf: input, limits: fuzzLimits) {
        checkRequest(request)
    }
    return 0
}

func checkSnappyRoundTrip(_ plain: [UInt8]) {
    let block = Snappy.compress(plain)
    precondition(block.count <= Snappy.maxCompressedLength(plain.count), "compressed size over the bound")
    let again = block.withUnsafeBytes { try? Snappy.decompress($0, maxOutputBytes: plain.count) }
    precondition(again == plain, "snappy round trip changed \(plain.count) bytes")
}

/// Ranges tile the buffers, keys are valid Labels encodings, and re-encoding then decoding gives the same request.
func checkRequest(_ request: DecodedWriteRequest) {
    precondition(request.values.count == request.timestamps.count, "value and timestamp columns differ in length")
    var keyEnd: Int32 = 0, sampleEnd: Int32 = 0
    var series: [(labels: Labels, samples: [Sample])] = []
    for (i, s) in request.series.enumerated() {
        precondition(s.keyStart == keyEnd && s.keyStart < s.keyEnd && Int(s.keyEnd) <= request.keyBytes.count, "bad key range \(s)")
        precondition(s.sampleStart == sampleEnd && s.sampleStart <= s.sampleEnd && Int(s.sampleEnd) <= request.sampleCount, "bad sample range \(s)")
        keyEnd = s.keyEnd
        sampleEnd = s.sampleEnd
        let labels = request.labels(of: i)
        precondition(labels.encoded == Array(request.keyBytes[Int(s.keyStart)..<Int(s.keyEnd)]), "key of series \(i) is not canonical")
        let samples = (Int(s.sampleStart)..<Int(s.sampleEnd)).map { Sample(request.timestamps[$0], request.values[$0]) }
        series.append((labels, samples))
    }
    precondition(Int(keyEnd) == request.keyBytes.count && Int(sampleEnd) == request.sampleCount, "ranges do not cover the buffers")

    let reencoded = RemoteWriteEncoder.encode(series)
    guard let again = reencoded.withUnsafeBytes({ try? RemoteWriteDecoder.decode(protobuf: $0, limits: fuzzLimits) }) else {
        preconditionFailure("re-encoded request was rejected")
    }
    precondition(again.keyBytes == request.keyBytes, "keys changed in a round trip")
    precondition(again.timestamps == request.timestamps, "timestamps changed in a round trip")
    precondition(again.values.map(\.bitPattern) == request.values.map(\.bitPattern), "value bits changed in a round trip")
}

/// With OSPREY_FUZZ_WRITE_SEEDS=<dir> set, writes the seed corpus there and exits (the script runs this once).
@_cdecl("LLVMFuzzerInitialize")
public func remoteWriteFuzzInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let dir = ProcessInfo.processInfo.environment["OSPREY_FUZZ_WRITE_SEEDS"] else { return 0 }
    for (name, bytes) in seeds() {
        let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
        do {
            try Data(bytes).write(to: url)
        } catch {
            FileHandle.standardError.write(Data("cannot write seed \(url.path): \(error)\n".utf8))
            exit(1)
        }
    }
    exit(0)
}

func seeds() -> [(String, [UInt8])] {
    let small: [(labels: Labels, samples: [Sample])] = [
        (Labels(["__name__": "up", "job": "node", "instance": "localhost:9100"]), [Sample(1_700_000_000_000, 1)]),
        (Labels(["__name__": "http_requests_total", "code": "200", "method": "GET"]), [Sample(-1, StaleNaN.value), Sample(0, -.infinity)]),
        (Labels(["__name__": "ünïcode_€", "le": "+Inf"]), []),
    ]
    let medium: [(labels: Labels, samples: [Sample])] = (0..<20).map { i in
        (Labels(["__name__": "metric_\(i % 3)", "job": "job", "instance": "host-\(i):9100", "zone": i % 2 == 0 ? "a" : ""]),
         (0..<(i % 4)).map { Sample(1_700_000_000_000 + Int64($0) * 15_000, Double(i) + 0.5) })
    }

    // Fields the encoder never writes: unsorted labels, unknown fields of every wire type, an exemplar,
    // a histogram, metadata.
    var odd: [UInt8] = []
    func field(_ n: Int, _ wireType: Int, into out: inout [UInt8]) { appendUVarint(&out, UInt64(n << 3 | wireType)) }
    func bytesField(_ n: Int, _ value: [UInt8], into out: inout [UInt8]) {
        field(n, 2, into: &out)
        appendUVarint(&out, UInt64(value.count))
        out += value
    }
    func label(_ name: String, _ value: String) -> [UInt8] {
        var l: [UInt8] = []
        bytesField(1, Array(name.utf8), into: &l)
        bytesField(2, Array(value.utf8), into: &l)
        return l
    }
    var ts: [UInt8] = []
    bytesField(1, label("zone", "b"), into: &ts)
    bytesField(1, label("__name__", "odd"), into: &ts)
    var sample: [UInt8] = []
    field(1, 1, into: &sample)
    sample += [0, 0, 0, 0, 0, 0, 0xF8, 0x3F]
    field(2, 0, into: &sample)
    appendUVarint(&sample, 1234)
    field(9, 5, into: &sample)
    sample += [1, 2, 3, 4]
    bytesField(2, sample, into: &ts)
    bytesField(3, label("trace_id", "abc"), into: &ts)
    bytesField(4, [0x08, 0x01], into: &ts)
    field(7, 0, into: &ts)
    appendUVarint(&ts, 300)
    bytesField(1, ts, into: &odd)
    bytesField(3, [0x08, 0x01, 0x12, 0x02, 0x75, 0x70], into: &odd)
    field(15, 1, into: &odd)
    odd += [1, 2, 3, 4, 5, 6, 7, 8]

    let small1 = RemoteWriteEncoder.encode(small), medium1 = RemoteWriteEncoder.encode(medium)
    return [
        ("small.pb", small1), ("small.snappy", Snappy.compress(small1)),
        ("medium.pb", medium1), ("medium.snappy", Snappy.compress(medium1)),
        ("odd.pb", odd), ("odd.snappy", Snappy.compress(odd)),
        ("empty.snappy", Snappy.compress([])),
    ]
}
