import MetricStore
/// Per-target cache from a sample's series text, exactly as the target wrote it, to the series key it
/// stores under (target labels added, metric relabeling applied). A warm scrape then parses no label set
/// and runs no relabeling: it hashes the text, finds the entry and appends the value. Entries also
/// remember the last scrape that saw them, which is how vanished series get staleness markers.
package struct SeriesCache {
    struct Entry {
        var raw: [UInt8]
        /// `Labels.encoded` of the stored series; empty when metric relabeling drops the series.
        var key: [UInt8]
        var lastSeen: UInt32
        /// Series whose samples carry their own timestamps get no staleness markers, as in Prometheus.
        var explicitTimestamp: Bool
        /// The store's handle for `key` after the first commit, so later scrapes append without a lookup.
        var handle: SeriesHandle? = nil
        var dropped: Bool { key.isEmpty }
    }

    private(set) var entries: [Entry] = []
    private var heads: [UInt64: Int32] = [:]
    private var next: [Int32] = []
    private var hashes: [UInt64] = []

    package var count: Int { entries.count }

    package init() {}

    /// Index of the entry for `bytes[range]`, if cached.
    func find(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, hash: UInt64) -> Int32? {
        var i = heads[hash] ?? -1
        while i >= 0 {
            let e = entries[Int(i)]
            if e.raw.count == range.count, e.raw.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress! + range.lowerBound, range.count) == 0 }) {
                return i
            }
            i = next[Int(i)]
        }
        return nil
    }

    mutating func insert(_ entry: Entry, hash: UInt64) -> Int32 {
        let i = Int32(entries.count)
        entries.append(entry)
        hashes.append(hash)
        next.append(heads[hash] ?? -1)
        heads[hash] = i
        return i
    }

    subscript(i: Int32) -> Entry {
        get { entries[Int(i)] }
        set { entries[Int(i)] = newValue }
    }

    mutating func markSeen(_ i: Int32, _ generation: UInt32) { entries[Int(i)].lastSeen = generation }

    /// Drops entries not seen since `generation` (series a target stopped exposing), keeping the rest.
    mutating func evict(unseenSince generation: UInt32) {
        let keep = entries.indices.filter { entries[$0].lastSeen >= generation }
        guard keep.count < entries.count else { return }
        let oldEntries = entries, oldHashes = hashes
        entries = []; hashes = []; next = []; heads = [:]
        entries.reserveCapacity(keep.count)
        for i in keep { _ = insert(oldEntries[i], hash: oldHashes[i]) }
    }

    /// A fast 64-bit hash of the series text (8 bytes at a time, multiply-xorshift mixing).
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(range.count)
        var p = bytes.baseAddress! + range.lowerBound
        var n = range.count
        while n >= 8 {
            let w = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            p += 8; n -= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while n > 0 {
            tail |= UInt64(p.pointee) << shift
            shift += 8; p += 1; n -= 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
