import OspreyCore
import Testing

@testable import Ingest


/// Builds protobuf messages field by field, for requests the encoder would never produce.
private struct Proto {
    var bytes: [UInt8] = []

    mutating func tag(_ field: Int, _ wireType: Int) {
        appendUVarint(&bytes, UInt64(field << 3 | wireType))
    }
    mutating func varint(_ field: Int, _ value: UInt64) {
        tag(field, 0)
        appendUVarint(&bytes, value)
    }
    mutating func fixed64(_ field: Int, _ value: UInt64) {
        tag(field, 1)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
    }
    mutating func fixed32(_ field: Int, _ value: UInt32) {
        tag(field, 5)
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
    }
    mutating func data(_ field: Int, _ value: [UInt8]) {
        tag(field, 2)
        appendUVarint(&bytes, UInt64(value.count))
        bytes += value
    }
    mutating func string(_ field: Int, _ value: String) {
        data(field, Array(value.utf8))
    }
    mutating func message(_ field: Int, _ build: (inout Proto) -> Void) {
        var inner = Proto()
        build(&inner)
        data(field, inner.bytes)
    }

    // Remote write shapes.
    mutating func series(_ build: (inout Proto) -> Void) { message(1, build) }
    mutating func label(_ name: String, _ value: String) {
        message(1) { $0.string(1, name); $0.string(2, value) }
    }
    mutating func rawLabel(_ name: [UInt8], _ value: [UInt8]) {
        message(1) { $0.data(1, name); $0.data(2, value) }
    }
    mutating func sample(_ t: Int64, _ v: Double) {
        message(2) { $0.fixed64(1, v.bitPattern); $0.varint(2, UInt64(bitPattern: t)) }
    }
}

private func decode(_ protobuf: [UInt8], _ limits: RemoteWriteLimits = RemoteWriteLimits()) throws(RemoteWriteError) -> DecodedWriteRequest {
    try protobuf.withUnsafeBytes { raw in
        Result { () throws(RemoteWriteError) in try RemoteWriteDecoder.decode(protobuf: raw, limits: limits) }
    }.get()
}

private func decodeError(_ protobuf: [UInt8], _ limits: RemoteWriteLimits = RemoteWriteLimits()) -> String? {
    do {
        _ = try decode(protobuf, limits)
        return nil
    } catch {
        return error.message
    }
}

private func samples(_ request: DecodedWriteRequest, _ i: Int) -> [Sample] {
    let s = request.series[i]
    return (Int(s.sampleStart)..<Int(s.sampleEnd)).map { Sample(request.timestamps[$0], request.values[$0]) }
}

private func key(_ request: DecodedWriteRequest, _ i: Int) -> [UInt8] {
    Array(request.keyBytes[Int(request.series[i].keyStart)..<Int(request.series[i].keyEnd)])
}

/// Every range in a decoded request lies inside its buffers, in order, and every key is a valid Labels encoding.
private func checkInvariants(_ request: DecodedWriteRequest) {
    var keyEnd: Int32 = 0, sampleEnd: Int32 = 0
    for (i, s) in request.series.enumerated() {
        #expect(s.keyStart == keyEnd && s.keyStart < s.keyEnd && Int(s.keyEnd) <= request.keyBytes.count)
        #expect(s.sampleStart == sampleEnd && s.sampleStart <= s.sampleEnd && Int(s.sampleEnd) <= request.sampleCount)
        keyEnd = s.keyEnd
        sampleEnd = s.sampleEnd
        let labels = request.labels(of: i)
        #expect(labels.encoded == key(request, i))
        #expect(!labels.isEmpty)
    }
    #expect(Int(keyEnd) == request.keyBytes.count)
    #expect(Int(sampleEnd) == request.sampleCount && request.values.count == request.sampleCount)
}

private let specialValues: [Double] = [
    .nan, -.nan, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF), StaleNaN.value, .infinity, -.infinity, 0, -0.0,
    .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-300, -42.5,
]
private let specialTimestamps: [Int64] = [0, -1, -1_700_000_000_000, 1, 1_700_000_000_000, .max, .min]

@Suite("Remote write decoding")
struct RemoteWriteDecoderTests {
    static func manySeries(_ count: Int) -> [(labels: Labels, samples: [Sample])] {
        var rng = SplitMix64(seed: 42)
        return (0..<count).map { i in
            var labels = [
                Label("__name__", "metric_\(i % 17)"), Label("job", "job-\(i % 5)"), Label("instance", "host-\(i):9100"),
            ]
            if i % 3 == 0 { labels.append(Label("zone", "eu-\(i % 4)")) }
            if i % 7 == 0 { labels.append(Label("ünïcode", "värde €𝄞")) }
            if i % 11 == 0 { labels.append(Label("long", String(repeating: "x", count: 300))) }
            let sampleCount = i % 13 == 0 ? 0 : Int.random(in: 1...5, using: &rng)
            let samples = (0..<sampleCount).map { k in
                Sample(
                    specialTimestamps[(i + k) % specialTimestamps.count] &+ Int64(k),
                    k % 2 == 0 ? specialValues[(i + k) % specialValues.count] : Double(i * 100 + k))
            }
            return (Labels(labels), samples)
        }
    }

    @Test func roundTripsManySeriesBitExactly() throws {
        let input = Self.manySeries(2000)
        let viaSnappy = try RemoteWriteDecoder.decode(snappyBody: RemoteWriteEncoder.encodeSnappy(input), limits: RemoteWriteLimits())
        let viaProtobuf = try decode(RemoteWriteEncoder.encode(input))
        for request in [viaSnappy, viaProtobuf] {
            #expect(request.series.count == input.count)
            #expect(request.sampleCount == input.reduce(0) { $0 + $1.samples.count })
            checkInvariants(request)
            for (i, expected) in input.enumerated() {
                #expect(request.labels(of: i) == expected.labels)
                #expect(key(request, i) == expected.labels.encoded)
                let got = samples(request, i)
                #expect(got.count == expected.samples.count)
                for (a, b) in zip(got, expected.samples) {
                    #expect(a.isIdentical(to: b), "series \(i): \(a) != \(b) (bits \(a.v.bitPattern) vs \(b.v.bitPattern))")
                }
            }
        }
        #expect(viaSnappy.keyBytes == viaProtobuf.keyBytes)
    }

    @Test func keepsStaleMarkerBits() throws {
        let input = [(labels: Labels(["__name__": "up"]), samples: [Sample(-5, StaleNaN.value), Sample(0, 1)])]
        let request = try decode(RemoteWriteEncoder.encode(input))
        #expect(StaleNaN.isStale(request.values[0]))
        #expect(request.timestamps == [-5, 0])
        #expect(!StaleNaN.isStale(request.values[1]))
    }

    @Test func emptyRequestDecodesToNothing() throws {
        let request = try decode([])
        #expect(request.series.isEmpty && request.sampleCount == 0 && request.keyBytes.isEmpty)
        let viaSnappy = try RemoteWriteDecoder.decode(snappyBody: Snappy.compress([]), limits: RemoteWriteLimits())
        #expect(viaSnappy.series.isEmpty)
    }

    @Test func seriesWithoutSamplesIsKeptWithEmptyRange() throws {
        var p = Proto()
        p.series { $0.label("__name__", "a"); $0.sample(1, 1) }
        p.series { $0.label("__name__", "b") }
        p.series { $0.label("__name__", "c"); $0.sample(2, 2) }
        let request = try decode(p.bytes)
        #expect(request.series.count == 3)
        #expect(request.series[1].sampleStart == 1 && request.series[1].sampleEnd == 1)
        #expect(samples(request, 2).map(\.t) == [2])
    }

    @Test func sortsLabelsAndDropsEmptyValues() throws {
        var p = Proto()
        p.series {
            $0.label("zone", "z")
            $0.label("job", "j")
            $0.label("empty", "")
            $0.label("__name__", "m")
            $0.label("a", "1")
            $0.label("Z", "upper sorts first")
        }
        let request = try decode(p.bytes)
        let labels = request.labels(of: 0)
        #expect(labels.labels.map(\.name) == ["Z", "__name__", "a", "job", "zone"])
        #expect(key(request, 0) == Labels(["zone": "z", "job": "j", "__name__": "m", "a": "1", "Z": "upper sorts first"]).encoded)
    }

    @Test func sortsLabelNamesByBytesWhenOneIsAPrefix() throws {
        var p = Proto()
        p.series { $0.label("abc", "3"); $0.label("ab", "2"); $0.label("abcd", "4"); $0.label("a", "1") }
        #expect(try decode(p.bytes).labels(of: 0).labels.map(\.name) == ["a", "ab", "abc", "abcd"])
    }

    @Test func skipsUnknownFieldsOfEveryWireTypeAndCountsIgnoredParts() throws {
        var p = Proto()
        p.varint(15, 7)
        p.fixed64(16, 1)
        p.fixed32(17, 2)
        p.string(18, "future")
        p.message(3) { $0.varint(1, 1); $0.string(2, "http_requests_total"); $0.string(4, "help text") }  // metadata
        p.series {
            $0.varint(9, 300)
            $0.label("__name__", "m")
            $0.message(1) { $0.fixed32(3, 9); $0.string(1, "job"); $0.varint(5, 1); $0.string(2, "x"); $0.fixed64(4, 0) }
            $0.message(3) { $0.label("trace_id", "abc"); $0.fixed64(2, 1); $0.varint(3, 5) }  // exemplar
            $0.message(3) { _ in }
            $0.message(4) { $0.varint(1, 5) }  // histogram
            $0.message(2) { $0.varint(7, 1); $0.fixed64(1, Double(2.5).bitPattern); $0.fixed32(9, 0); $0.varint(2, 99); $0.string(3, "?") }
            $0.fixed64(20, 3)
            $0.fixed32(21, 4)
        }
        p.varint(536_870_911, 1)  // largest field number: a 5-byte tag
        let request = try decode(p.bytes)
        #expect(request.series.count == 1)
        #expect(request.labels(of: 0) == Labels(["__name__": "m", "job": "x"]))
        #expect(samples(request, 0).count == 1)
        #expect(samples(request, 0).first.map { $0.isIdentical(to: Sample(99, 2.5)) } == true)
        #expect(request.exemplarsIgnored == 2)
        #expect(request.histogramsIgnored == 1)
    }

    @Test func missingSampleFieldsDefaultToZero() throws {
        var p = Proto()
        p.series { $0.label("__name__", "m"); $0.message(2) { _ in }; $0.message(2) { $0.varint(2, 5) } }
        let request = try decode(p.bytes)
        #expect(request.timestamps == [0, 5])
        #expect(request.values.map(\.bitPattern) == [0, 0])
    }

    @Test func readsSampleFieldsInAnyOrderAndAroundExtras() throws {
        var p = Proto()
        p.series {
            $0.label("__name__", "m")
            $0.message(2) { $0.fixed64(1, Double(1.5).bitPattern); $0.varint(2, 10); $0.varint(3, 1) }  // usual layout, then more
            $0.message(2) { $0.varint(2, 20); $0.fixed64(1, Double(2.5).bitPattern) }  // timestamp first
            $0.message(2) { $0.fixed64(1, 1); $0.varint(2, 30); $0.fixed64(1, Double(3.5).bitPattern) }  // value repeated: last wins
        }
        let request = try decode(p.bytes)
        #expect(request.timestamps == [10, 20, 30])
        #expect(request.values == [1.5, 2.5, 3.5])
    }

    @Test func laterFieldWinsWhenALabelRepeatsIt() throws {
        var p = Proto()
        p.series { $0.message(1) { $0.string(1, "first"); $0.string(2, "a"); $0.string(1, "job"); $0.string(2, "b") } }
        #expect(try decode(p.bytes).labels(of: 0) == Labels(["job": "b"]))
    }

    @Test func acceptsValidMultiByteUTF8() throws {
        var p = Proto()
        p.series { $0.label("ñame_€_𝄞", "日本語 ✓ \u{10FFFF}") }
        #expect(try decode(p.bytes).labels(of: 0).labels.first?.value == "日本語 ✓ \u{10FFFF}")
    }

    // MARK: Validation

    static let small = RemoteWriteLimits(labelNameBytesMax: 8, labelValueBytesMax: 16, labelsPerSeriesMax: 3)

    fileprivate static func oneSeries(_ build: @escaping (inout Proto) -> Void) -> [UInt8] {
        var p = Proto()
        p.series { $0.label("__name__", "ok"); $0.sample(1, 1) }
        p.series(build)
        return p.bytes
    }

    @Test("rejects invalid series with a message naming series, label and problem", arguments: [
        ("empty label name", oneSeries { $0.label("__name__", "m"); $0.label("", "v") },
         "timeseries[1] label[1]: label name is empty"),
        ("name not UTF-8", oneSeries { $0.rawLabel([0x6A, 0xFF], [0x61]) },
         "timeseries[1] label[0]: label name is not valid UTF-8 (byte 0xff at offset 1"),
        ("value not UTF-8", oneSeries { $0.label("__name__", "m"); $0.rawLabel(Array("job".utf8), [0x61, 0x62, 0xC3]) },
         "timeseries[1] label[1]: label \"job\": value is not valid UTF-8 (byte 0xc3 at offset 2"),
        ("overlong UTF-8", oneSeries { $0.rawLabel(Array("job".utf8), [0xC0, 0xAF]) }, "value is not valid UTF-8 (byte 0xc0 at offset 0"),
        ("UTF-8 surrogate", oneSeries { $0.rawLabel(Array("job".utf8), [0xED, 0xA0, 0x80]) }, "value is not valid UTF-8 (byte 0xed"),
        ("duplicate name", oneSeries { $0.label("job", "a"); $0.label("__name__", "m"); $0.label("job", "b") },
         "timeseries[1] label[2]: label name \"job\" appears twice"),
        ("duplicate name with an empty value", oneSeries { $0.label("job", "a"); $0.label("job", "") },
         "timeseries[1] label[1]: label name \"job\" appears twice"),
        ("name over limit", oneSeries { $0.label("__name__", "m"); $0.label("very_long_name", "v") },
         "timeseries[1] label[1]: label name \"very_long_name\" is 14 bytes, over the limit of 8 bytes (labelNameBytesMax)"),
        ("value over limit", oneSeries { $0.label("job", String(repeating: "v", count: 17)) },
         "timeseries[1] label[0]: label \"job\": value is 17 bytes, over the limit of 16 bytes (labelValueBytesMax)"),
        ("too many labels", oneSeries { $0.label("a", "1"); $0.label("b", "2"); $0.label("c", "3"); $0.label("d", "4") },
         "timeseries[1]: more than 3 labels (labelsPerSeriesMax)"),
        ("no labels", oneSeries { $0.sample(1, 1) }, "timeseries[1]: series has no labels"),
        ("only empty values", oneSeries { $0.label("job", ""); $0.label("zone", "") },
         "timeseries[1]: every label has an empty value, so the series has no labels left"),
    ] as [(String, [UInt8], String)])
    func rejectsInvalidSeries(_ name: String, _ protobuf: [UInt8], _ message: String) {
        let error = decodeError(protobuf, Self.small)
        #expect(error?.contains(message) == true, "got: \(error ?? "no error")")
    }

    @Test("rejects malformed protobuf with the byte offset", arguments: [
        ("truncated tag varint", [0x0A, 0x02, 0x0A, 0x80], "protobuf: timeseries[0]: truncated varint at byte 3"),
        ("varint over 10 bytes", [0x10] + [UInt8](repeating: 0xFF, count: 10) + [0x01], "protobuf: varint longer than 10 bytes at byte 1"),
        ("length past end", [0x0A, 0x05, 0x0A], "protobuf: length 5 of the field at byte 0 runs past the end of its enclosing message (1 bytes left)"),
        ("label length past its series", [0x0A, 0x03, 0x0A, 0x09, 0x0A, 0x01, 0x61, 0x12, 0x01, 0x62],
         "protobuf: timeseries[0]: length 9 of the field at byte 2 runs past the end of its enclosing message"),
        ("fixed64 past end", [0x0A, 0x0E, 0x0A, 0x06, 0x0A, 0x01, 0x61, 0x12, 0x01, 0x62, 0x12, 0x04, 0x09, 0x00, 0x00, 0x00],
         "protobuf: timeseries[0] sample[0]: fixed64 field 1 at byte 12 runs past the end of its enclosing message"),
        ("fixed32 past end", [0x15, 0x00, 0x00], "protobuf: fixed32 field 2 at byte 0 runs past the end"),
        ("start group", [0x0B, 0x0C], "protobuf: field 1 at byte 0 is a group (wire type 3)"),
        ("end group in a label", [0x0A, 0x04, 0x0A, 0x02, 0x0C, 0x00], "protobuf: timeseries[0] label[0]: field 1 at byte 4 is a group (wire type 4)"),
        ("wire type 7", [0x0F], "protobuf: invalid wire type 7 for field 1 at byte 0"),
        ("field number 0", [0x00, 0x00], "protobuf: field number 0 at byte 0"),
        ("timeseries as varint", [0x08, 0x01], "protobuf: field 1 (timeseries) at byte 0 has wire type 0 (varint), expected 2 (length-delimited)"),
        ("sample value as varint", [0x0A, 0x0C, 0x0A, 0x06, 0x0A, 0x01, 0x61, 0x12, 0x01, 0x62, 0x12, 0x02, 0x08, 0x01],
         "protobuf: timeseries[0] sample[0]: field 1 (value) at byte 12 has wire type 0 (varint), expected 1 (fixed64)"),
    ] as [(String, [UInt8], String)])
    func rejectsMalformedProtobuf(_ name: String, _ protobuf: [UInt8], _ message: String) {
        let error = decodeError(protobuf)
        #expect(error?.contains(message) == true, "got: \(error ?? "no error")")
    }

    @Test func acceptsAnUnboundedLabelLimit() throws {
        let input = Self.manySeries(20)
        let request = try decode(RemoteWriteEncoder.encode(input), RemoteWriteLimits(labelsPerSeriesMax: .max))
        #expect(request.series.count == 20)
    }

    @Test func rejectsBodyOverLimit() {
        let body = RemoteWriteEncoder.encodeSnappy(Self.manySeries(50))
        let limits = RemoteWriteLimits(bodyBytesMax: body.count - 1)
        #expect(throws: RemoteWriteError.self) { try RemoteWriteDecoder.decode(snappyBody: body, limits: limits) }
        do {
            _ = try RemoteWriteDecoder.decode(snappyBody: body, limits: limits)
        } catch {
            #expect(error.message.contains("request body is \(body.count) bytes, over the limit of \(body.count - 1) bytes (bodyBytesMax)"))
        }
        #expect(throws: Never.self) { try RemoteWriteDecoder.decode(snappyBody: body, limits: RemoteWriteLimits(bodyBytesMax: body.count)) }
    }

    @Test func rejectsDecodedSizeOverLimitBeforeDecompressing() {
        let protobuf = RemoteWriteEncoder.encode(Self.manySeries(50))
        let body = Snappy.compress(protobuf)
        do {
            _ = try RemoteWriteDecoder.decode(snappyBody: body, limits: RemoteWriteLimits(decodedBytesMax: protobuf.count - 1))
            Issue.record("accepted a body over decodedBytesMax")
        } catch {
            #expect(error.message == "snappy: body decompresses to \(protobuf.count) bytes, over the limit of \(protobuf.count - 1) bytes (decodedBytesMax); send fewer samples per request")
        }
        #expect(decodeError(protobuf, RemoteWriteLimits(decodedBytesMax: 10))?.contains("over the limit of 10 bytes (decodedBytesMax)") == true)
    }

    @Test func reportsSnappyErrorsWithPrefixAndOffset() {
        // Valid header (8 bytes), literal "abcd", then a copy 70000 bytes back.
        let body: [UInt8] = [8, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x0F, 0x70, 0x11, 0x01, 0x00]
        do {
            _ = try RemoteWriteDecoder.decode(snappyBody: body, limits: RemoteWriteLimits())
            Issue.record("accepted a corrupt body")
        } catch {
            #expect(error.message.hasPrefix("snappy: copy offset 70000 at input byte 6 points before the start of the output"))
        }
        do {
            _ = try RemoteWriteDecoder.decode(snappyBody: [], limits: RemoteWriteLimits())
            Issue.record("accepted an empty body")
        } catch {
            #expect(error.message.hasPrefix("snappy: bad uncompressed-length varint at input byte 0"))
        }
    }

    @Test func explainsSnappyFramingFormat() {
        let framed: [UInt8] = [0xFF, 0x06, 0x00, 0x00, 0x73, 0x4E, 0x61, 0x50, 0x70, 0x59, 0x01, 0x05, 0x00, 0x00]
        do {
            _ = try RemoteWriteDecoder.decode(snappyBody: framed, limits: RemoteWriteLimits())
            Issue.record("accepted a framed body")
        } catch {
            #expect(error.message.contains("framing (stream) format"))
        }
    }

    @Test func utf8ValidatorMatchesTheStandardLibrary() {
        var rng = SplitMix64(seed: 7)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x90, 0xA0, 0x9F, 0x8F]
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...12, using: &rng)
            let bytes = (0..<n).map { _ in interesting.randomElement(using: &rng)! }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            let got = bytes.withUnsafeBufferPointer { firstInvalidUTF8($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, n) == nil }
            #expect(got == expected, "\(bytes)")
            if got != expected { break }
        }
    }

    // MARK: Robustness

    /// Random edits of valid requests, both as protobuf and as snappy bodies: the decoder must return or
    /// throw, and whatever it returns must be internally consistent.
    @Test func survivesRandomMutations() {
        var rng = SplitMix64(seed: 0x05B7_E7)
        let inputs = [Self.manySeries(12), Self.manySeries(3), [(labels: Labels(["__name__": "x"]), samples: [Sample(1, 1)])]]
        let protobufs = inputs.map { RemoteWriteEncoder.encode($0) }
        let bodies = protobufs.map { Snappy.compress($0) }
        let limits = RemoteWriteLimits(labelValueBytesMax: 512, labelsPerSeriesMax: 8, decodedBytesMax: 1 << 20)
        var accepted = 0, rejected = 0

        for round in 0..<20_000 {
            let snappy = round % 2 == 1
            var bytes = snappy ? bodies[round % bodies.count] : protobufs[round % protobufs.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutate(&bytes, &rng)
            }
            let result: DecodedWriteRequest?
            if snappy {
                result = try? RemoteWriteDecoder.decode(snappyBody: bytes, limits: limits)
            } else {
                result = try? decode(bytes, limits)
            }
            if let result {
                accepted += 1
                checkInvariants(result)
            } else {
                rejected += 1
            }
        }
        // Both outcomes must actually be exercised, or the loop proves nothing.
        #expect(accepted > 100 && rejected > 100, "accepted \(accepted), rejected \(rejected)")
    }

    private func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        let n = bytes.count
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where n > 0: bytes[Int.random(in: 0..<n, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
        case 1 where n > 0: bytes[Int.random(in: 0..<n, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...n, using: &rng))
        case 3 where n > 0: bytes.remove(at: Int.random(in: 0..<n, using: &rng))
        case 4 where n > 0: bytes.removeLast(Int.random(in: 1...min(n, 16), using: &rng))
        case 5 where n > 8:
            // Duplicate a chunk: repeated fields and plausible-looking lengths.
            let start = Int.random(in: 0..<(n - 8), using: &rng)
            bytes.insert(contentsOf: bytes[start..<(start + Int.random(in: 1...8, using: &rng))], at: Int.random(in: 0...n, using: &rng))
        default: bytes.append(0x80)
        }
    }
}
