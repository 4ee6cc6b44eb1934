import Foundation
import OspreyCore
import Testing

@testable import Ingest


private func randomBytes(_ n: Int, seed: UInt64, alphabet: UInt8 = 255) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in UInt8.random(in: 0...alphabet, using: &rng) }
}

/// Text-like data: words from a small vocabulary, so there are repeats at short and long distances.
private func repetitiveText(_ n: Int, seed: UInt64) -> [UInt8] {
    let words = ["http_requests_total", "job", "instance", "10.0.0.1:9090", "GET", "POST", "200", "500", "{", "}", "=", ",", " "]
    var rng = SplitMix64(seed: seed)
    var out: [UInt8] = []
    while out.count < n { out += Array(words.randomElement(using: &rng)!.utf8) }
    return Array(out.prefix(n))
}

private func decompress(_ block: [UInt8], max: Int = 1 << 30) throws(SnappyError) -> [UInt8] {
    try block.withUnsafeBytes { raw in Result { () throws(SnappyError) in try Snappy.decompress(raw, maxOutputBytes: max) } }.get()
}

private func decompressError(_ block: [UInt8], max: Int = 1 << 20) -> SnappyError? {
    do {
        _ = try decompress(block, max: max)
        return nil
    } catch {
        return error
    }
}

/// Element counts of a block by tag kind (0 literal, 1/2/3 copy with 1/2/4-byte offset).
private func elementKinds(_ block: [UInt8]) -> [Int: Int] {
    var i = 0
    while block[i] & 0x80 != 0 { i += 1 }
    i += 1
    var kinds: [Int: Int] = [:]
    while i < block.count {
        let tag = Int(block[i])
        kinds[tag & 3, default: 0] += 1
        switch tag & 3 {
        case 0:
            var length = tag >> 2
            i += 1
            if length >= 60 {
                let extra = length - 59
                length = 0
                for k in 0..<extra { length |= Int(block[i + k]) << (8 * k) }
                i += extra
            }
            i += length + 1
        case 1: i += 2
        case 2: i += 3
        default: i += 5
        }
    }
    return kinds
}

/// Inputs by name, so test output lists names rather than megabytes of arguments.
enum SnappyTestPayload: String, CaseIterable, Sendable {
    case empty, oneByte, fourBytes, random1000, random70000CrossingAWindow, lowEntropy200000, oneByteRepeated100000
    case text300000, period3Pattern5000, period251Pattern1000000, period7Pattern200000

    var bytes: [UInt8] {
        switch self {
        case .empty: return []
        case .oneByte: return [0x42]
        case .fourBytes: return [1, 2, 3, 4]
        case .random1000: return randomBytes(1000, seed: 1)
        case .random70000CrossingAWindow: return randomBytes(70_000, seed: 2)
        case .lowEntropy200000: return randomBytes(200_000, seed: 3, alphabet: 3)
        case .oneByteRepeated100000: return [UInt8](repeating: 7, count: 100_000)
        case .text300000: return repetitiveText(300_000, seed: 4)
        case .period3Pattern5000: return (0..<5000).map { UInt8($0 % 3) }
        case .period251Pattern1000000: return (0..<1_000_000).map { UInt8($0 % 251) }
        case .period7Pattern200000: return (0..<200_000).map { UInt8($0 % 7) }
        }
    }
}

@Suite("Snappy block format")
struct SnappyTests {
    @Test("round trips", arguments: SnappyTestPayload.allCases)
    func roundTrip(_ payload: SnappyTestPayload) throws {
        let input = payload.bytes
        let block = Snappy.compress(input)
        #expect(block.count <= Snappy.maxCompressedLength(input.count))
        let length = try block.withUnsafeBytes { raw in Result { () throws(SnappyError) in try Snappy.uncompressedLength(raw) } }.get()
        #expect(length == input.count)
        #expect(try decompress(block, max: input.count) == input)
    }

    @Test func roundTripsEverySizeAroundWindowAndLiteralBoundaries() throws {
        for n in [2, 3, 5, 15, 16, 17, 59, 60, 61, 255, 256, 257, 65_535, 65_536, 65_537, 131_072, 131_073] {
            for input in [randomBytes(n, seed: UInt64(n)), repetitiveText(n, seed: UInt64(n))] {
                #expect(try decompress(Snappy.compress(input)) == input, "n = \(n)")
            }
        }
    }

    @Test func compressorEmitsCopiesWithOneAndTwoByteOffsets() {
        // Short repeats close together become copy-1 elements; long ones copy-2.
        var input: [UInt8] = []
        for i in 0..<2000 { input += Array("metric_\(i % 7) value ".utf8) }
        input += randomBytes(3000, seed: 9)
        input += input[0..<3000]
        let block = Snappy.compress(input)
        let kinds = elementKinds(block)
        #expect(kinds[1, default: 0] > 0, "no copy-1 elements: \(kinds)")
        #expect(kinds[2, default: 0] > 0, "no copy-2 elements: \(kinds)")
        #expect(block.count * 5 < input.count, "repetitive input compressed only to \(block.count) of \(input.count) bytes")
    }

    @Test func incompressibleInputGrowsOnlyByHeaderAndTags() {
        let input = randomBytes(200_000, seed: 11)
        #expect(Snappy.compress(input).count < input.count + input.count / 1000)
    }

    // Hand-built blocks for element forms the compressor never emits.
    @Test("decodes every element form", arguments: [
        ("literal, 1 length byte", [70, 0xF0, 69] + [UInt8](repeating: 0x61, count: 70), [UInt8](repeating: 0x61, count: 70)),
        ("literal, 2 length bytes", [0xAC, 0x02, 0xF4, 0x2B, 0x01] + [UInt8](repeating: 0x62, count: 300), [UInt8](repeating: 0x62, count: 300)),
        ("literal, 3 length bytes", [5, 0xF8, 4, 0, 0] + Array("hello".utf8), Array("hello".utf8)),
        ("literal, 4 length bytes", [5, 0xFC, 4, 0, 0, 0] + Array("hello".utf8), Array("hello".utf8)),
        ("copy-1 offset 1 (run)", [12, 0x00, 0x61, 0x1D, 0x01], [UInt8](repeating: 0x61, count: 12)),
        ("copy-2 overlapping, length 64", [67, 0x08] + Array("abc".utf8) + [0xFE, 0x03, 0x00], Array(String(repeating: "abc", count: 23).utf8.prefix(67))),
        ("copy-4", [12, 0x0C] + Array("abcd".utf8) + [0x1F, 0x04, 0x00, 0x00, 0x00], Array("abcdabcdabcd".utf8)),
    ] as [(String, [UInt8], [UInt8])])
    func decodesElementForm(_ name: String, _ block: [UInt8], _ expected: [UInt8]) throws {
        #expect(try decompress(block) == expected)
    }

    @Test("rejects malformed blocks", arguments: [
        ("empty input", [], SnappyError.Kind.badLengthHeader, 0, "bad uncompressed-length varint"),
        ("truncated header", [0x80], .badLengthHeader, 0, "bad uncompressed-length varint"),
        ("header longer than 5 bytes", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], .badLengthHeader, 0, "bad uncompressed-length varint"),
        ("header over 2^32-1", [0x80, 0x80, 0x80, 0x80, 0x10], .badLengthHeader, 0, "bad uncompressed-length varint"),
        ("declared length over limit", [0xC8, 0x10], .lengthOverLimit(declared: 2120, max: 1 << 10), 0, "over the limit of 1024"),
        ("literal past input", [5, 0x10, 0x61, 0x62], .literalPastInput(length: 5), 1, "runs past the end of the input"),
        ("literal length bytes past input", [70, 0xF0], .truncatedLiteralLength, 1, "literal at input byte 1 is truncated"),
        ("copy offset 0", [8, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x01, 0x00], .copyOffsetZero, 6, "copy offset 0 at input byte 6"),
        ("copy before output start", [8, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x0E, 0x05, 0x00], .copyBeforeStart(offset: 5, outputPosition: 4), 6,
         "copy offset 5 at input byte 6 points before the start of the output"),
        ("copy-4 far before start", [8, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x0F, 0x70, 0x11, 0x01, 0x00], .copyBeforeStart(offset: 70000, outputPosition: 4), 6,
         "copy offset 70000 at input byte 6 points before the start of the output"),
        ("copy-1 missing offset byte", [8, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x01], .truncatedCopy, 6, "copy at input byte 6 is truncated"),
        ("copy-2 missing offset byte", [8, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x0E, 0x04], .truncatedCopy, 6, "truncated"),
        ("copy-4 missing offset bytes", [8, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x0F, 0x04, 0x00, 0x00], .truncatedCopy, 6, "truncated"),
        ("literal longer than declared", [3, 0x0C, 0x61, 0x62, 0x63, 0x64], .outputOverrun(declared: 3, needed: 4), 1, "output length mismatch"),
        ("copy longer than declared", [6, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x0E, 0x04, 0x00], .outputOverrun(declared: 6, needed: 8), 6, "output length mismatch"),
        ("input ends early", [10, 0x0C, 0x61, 0x62, 0x63, 0x64], .outputShort(declared: 10, produced: 4), 6, "after 4 of the 10 declared bytes"),
        ("element after declared length", [4, 0x0C, 0x61, 0x62, 0x63, 0x64, 0x00, 0x78], .outputOverrun(declared: 4, needed: 5), 6, "output length mismatch"),
        ("input after empty output", [0, 0x00, 0x78], .trailingInput(declared: 0), 1, "input continues at byte 1"),
    ] as [(String, [UInt8], SnappyError.Kind, Int, String)])
    func rejectsMalformed(_ name: String, _ block: [UInt8], _ kind: SnappyError.Kind, _ offset: Int, _ text: String) {
        let error = decompressError(block, max: 1 << 10)
        #expect(error?.kind == kind)
        #expect(error?.inputOffset == offset)
        #expect(error?.description.contains(text) == true, "\(String(describing: error))")
    }

    @Test func everyProperPrefixOfABlockIsRejected() {
        let input = repetitiveText(5000, seed: 5) + randomBytes(300, seed: 6)
        let block = Snappy.compress(input)
        for cut in 0..<block.count {
            #expect(decompressError(Array(block[0..<cut])) != nil, "prefix of \(cut) bytes accepted")
        }
    }

    @Test func decompressIntoRejectsShortBuffer() {
        let block = Snappy.compress(Array(repeating: 1, count: 100))
        var out = [UInt8](repeating: 0, count: 99)
        let result = block.withUnsafeBytes { raw in
            out.withUnsafeMutableBytes { dst in Result { () throws(SnappyError) in try Snappy.decompress(raw, into: dst) } }
        }
        guard case let .failure(error) = result else {
            Issue.record("decompressed 100 bytes into a 99-byte buffer")
            return
        }
        #expect(error.kind == .lengthOverLimit(declared: 100, max: 99))
    }
}

// MARK: - Cross-check against the reference implementation (python `cramjam`, which wraps the Rust snap crate)

private func python(_ arguments: [String]) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return -1
    }
    process.waitUntilExit()
    return process.terminationStatus
}

private let cramjamAvailable = python(["-c", "import cramjam"]) == 0

private let crossCheckScript = """
    import sys, cramjam
    src = open(sys.argv[1], 'rb').read()
    ours = open(sys.argv[2], 'rb').read()
    if bytes(cramjam.snappy.decompress_raw(ours)) != src:
        sys.exit(3)
    open(sys.argv[3], 'wb').write(bytes(cramjam.snappy.compress_raw(src)))
    """

@Suite("Snappy against the reference implementation")
struct SnappyCrossCheckTests {
    @Test(
        "python cramjam reads our blocks and we read its blocks",
        arguments: [SnappyTestPayload.empty, .oneByte, .random70000CrossingAWindow, .lowEntropy200000, .text300000, .period7Pattern200000])
    func crossCheck(_ payload: SnappyTestPayload) throws {
        try #require(cramjamAvailable, "needs python3 with the cramjam package: run `make deps`")
        let input = payload.bytes
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osprey-snappy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("source"), ours = dir.appendingPathComponent("ours"), theirs = dir.appendingPathComponent("theirs")
        try Data(input).write(to: source)
        try Data(Snappy.compress(input)).write(to: ours)

        let status = python(["-c", crossCheckScript, source.path, ours.path, theirs.path])
        #expect(status == 0, "python exited \(status) (3: cramjam decompressed our block to different bytes)")
        guard status == 0 else { return }
        let reference = [UInt8](try Data(contentsOf: theirs))
        #expect(try decompress(reference, max: input.count) == input)
    }
}
