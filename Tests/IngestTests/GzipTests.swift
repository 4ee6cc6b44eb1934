import Foundation
import OspreyCore
import Testing

@testable import Ingest

private func gzipError(_ bytes: [UInt8], limit: Int = 1 << 20) -> Gzip.Error? {
    do {
        _ = try Gzip.decompress(bytes, limit: limit)
        return nil
    } catch {
        return error
    }
}

private let payloads: [[UInt8]] = {
    var rng = SplitMix64(seed: 7)
    let random = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let text = Array(String(repeating: "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 12345.67\n", count: 5000).utf8)
    return [[], [42], random, text, [UInt8](repeating: 0, count: 1 << 20)]
}()

@Suite("Gzip")
struct GzipTests {
    @Test("compress then decompress gives the input back", arguments: payloads.indices)
    func roundTrip(_ index: Int) throws {
        let input = payloads[index]
        let compressed = Gzip.compress(input)
        #expect(Gzip.isGzip(compressed))
        #expect(try Gzip.decompress(compressed, limit: input.count) == input)
    }

    @Test("python's gzip and zlib output decompress, and python reads ours")
    func crossCheckWithPython() throws {
        let input = payloads[3]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osprey-gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("source"), ours = dir.appendingPathComponent("ours")
        try Data(input).write(to: source)
        try Data(Gzip.compress(input)).write(to: ours)
        let script = """
            import sys, gzip, zlib
            src = open(sys.argv[1], 'rb').read()
            if gzip.decompress(open(sys.argv[2], 'rb').read()) != src: sys.exit(3)
            open(sys.argv[3], 'wb').write(gzip.compress(src, 9))
            open(sys.argv[4], 'wb').write(zlib.compress(src))
            open(sys.argv[5], 'wb').write(gzip.compress(src[:1000]) + gzip.compress(src[1000:]))
            """
        let files = ["gz", "zlib", "multi"].map { dir.appendingPathComponent($0) }
        let status = runPython(["-c", script, source.path, ours.path] + files.map(\.path)).status
        #expect(status == 0, "python exited \(status) (3: python read our gzip as different bytes)")
        guard status == 0 else { return }
        for file in files {
            #expect(try Gzip.decompress([UInt8](try Data(contentsOf: file)), limit: input.count) == input, "\(file.lastPathComponent)")
        }
    }

    @Test("every truncation of a gzip stream is rejected as truncated")
    func truncated() {
        let compressed = Gzip.compress(payloads[3])
        for length in 0..<compressed.count {
            let error = gzipError(Array(compressed.prefix(length)))
            #expect(error?.message.contains("truncated") == true, "prefix of \(length) bytes: \(String(describing: error))")
        }
    }

    @Test("a changed byte in the compressed data or trailer is rejected")
    func corrupt() {
        let compressed = Gzip.compress(payloads[3])
        // Bytes 4-9 of the header (mtime, flags, OS) are not checked by any decoder; from 10 on, deflate data and CRC/size.
        for offset in stride(from: 10, to: compressed.count, by: max(1, compressed.count / 200)) {
            var damaged = compressed
            damaged[offset] ^= 0x5A
            #expect(gzipError(damaged) != nil, "accepted a body with byte \(offset) changed")
        }
        var badMagic = compressed
        badMagic[1] = 0
        #expect(gzipError(badMagic)?.message.contains("corrupt") == true)
    }

    @Test("output over the limit is rejected, naming the limit; exactly at the limit is accepted")
    func limit() throws {
        let zeros = payloads[4]
        let bomb = Gzip.compress(zeros)
        #expect(bomb.count < 2000)
        let error = gzipError(bomb, limit: 1000)
        #expect(error?.message == "decompressed body is over the limit of 1000 bytes")
        #expect(try Gzip.decompress(bomb, limit: zeros.count) == zeros)
        #expect(gzipError(bomb, limit: zeros.count - 1) != nil)
    }

    @Test("bytes after the end of the stream are rejected")
    func trailingGarbage() {
        let error = gzipError(Gzip.compress([1, 2, 3]) + [0x00, 0x01])
        #expect(error?.message.contains("unexpected bytes after the end of the gzip stream") == true, "\(String(describing: error))")
    }

    @Test("the magic check")
    func magic() {
        #expect(Gzip.isGzip([0x1F, 0x8B, 0x08]))
        #expect(!Gzip.isGzip([0x1F]))
        #expect(!Gzip.isGzip(Array("# HELP".utf8)))
    }
}
