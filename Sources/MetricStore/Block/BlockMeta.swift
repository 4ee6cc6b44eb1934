import Foundation

/// `meta.json` of a block: its identity, time range and provenance.
struct BlockMeta: Codable, Sendable {
    struct Stats: Codable, Sendable {
        var numSamples: Int
        var numSeries: Int
        var numChunks: Int
    }
    struct Compaction: Codable, Sendable {
        var level: Int
        var sources: [String]
    }
    var ulid: String
    /// Inclusive lower and exclusive upper bound of sample times, in ms (as Prometheus's meta.json).
    var minTime: Int64
    var maxTime: Int64
    var stats: Stats
    var compaction: Compaction
    var version = 1

    var bytes: Int64 = 0

    enum CodingKeys: String, CodingKey { case ulid, minTime, maxTime, stats, compaction, version }
}

enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A ULID: 48-bit millisecond time and 80 random bits, Crockford base32; sorts by creation time.
    static func make(ms: Int64) -> String {
        var value = [UInt8](repeating: 0, count: 16)
        let t = UInt64(max(0, ms))
        for i in 0..<6 { value[i] = UInt8(truncatingIfNeeded: t >> (8 * UInt64(5 - i))) }
        for i in 6..<16 { value[i] = UInt8.random(in: 0...255) }
        // 128 bits → 26 base32 characters (the first carries 3 bits).
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 2  // pad 2 zero bits in front so 130 bits split into 26 groups of 5
        for byte in value {
            acc = (acc << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((acc >> UInt32(bits)) & 31)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isValid(_ s: String) -> Bool {
        s.utf8.count == 26 && s.utf8.allSatisfy { alphabet.contains($0) }
    }
}
