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
    private static let lock = NSLock()
    nonisolated(unsafe) private static var last: (hi: UInt64, lo: UInt64) = (0, 0)

    /// A new ULID, strictly greater than every one made before in this process (so "newer block"
    /// is well defined even within one millisecond or under a test clock).
    static func make(ms: Int64) -> String {
        var hi = UInt64(max(0, ms)) << 16 | UInt64.random(in: 0...0xFFFF)
        var lo = UInt64.random(in: 0...UInt64.max)
        lock.withLock {
            if (hi, lo) <= last {
                (hi, lo) = last.lo == .max ? (last.hi + 1, 0) : (last.hi, last.lo + 1)
            }
            last = (hi, lo)
        }
        var value = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            value[i] = UInt8(truncatingIfNeeded: hi >> (8 * UInt64(7 - i)))
            value[8 + i] = UInt8(truncatingIfNeeded: lo >> (8 * UInt64(7 - i)))
        }
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
