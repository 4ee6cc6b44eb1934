import MetricStore

/// Per-target cache from a sample's series text, exactly as the target wrote it, to the series key it
/// stores under (target labels added, metric relabeling applied). A warm scrape then parses no label set
/// and runs no relabeling: it hashes the text, finds the entry and appends the value. Entries also
/// remember the last scrape that saw them, which is how vanished series get staleness markers.
///
/// Fields live in parallel arrays, not in an array of structs: the hot path reads a counter or a flag per
/// sample, and copying a struct with three reference-counted members out of an array costs three
/// retains and releases each time.
package struct SeriesCache {
    /// One entry, as the cold paths (staleness, eviction) read it.
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

    private var raws: [[UInt8]] = []
    private var keys: [[UInt8]] = []
    private var lastSeen: [UInt32] = []
    private var explicit: [Bool] = []
    private var handles: [SeriesHandle?] = []
    private var hashes: [UInt64] = []
    /// Open addressing over `hashes` (entry index + 1; 0 is empty), linear probing, at most half full:
    /// the lookup per sample costs no general-purpose hashing of the key.
    private var slots: [Int32] = []

    package init() {}

    package var count: Int { raws.count }

    /// Index of the entry for `bytes[range]`, if cached.
    func find(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, hash: UInt64) -> Int32? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var p = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[p]
            if slot == 0 { return nil }
            let i = Int(slot - 1)
            if hashes[i] == hash {
                let match = raws[i].withUnsafeBufferPointer {
                    $0.count == range.count && memcmp($0.baseAddress!, bytes.baseAddress! + range.lowerBound, range.count) == 0
                }
                if match { return Int32(i) }
            }
            p = (p + 1) & mask
        }
    }

    mutating func insert(_ entry: Entry, hash: UInt64) -> Int32 {
        let i = Int32(raws.count)
        raws.append(entry.raw)
        keys.append(entry.key)
        lastSeen.append(entry.lastSeen)
        explicit.append(entry.explicitTimestamp)
        handles.append(entry.handle)
        hashes.append(hash)
        if raws.count * 2 > slots.count {
            rebuildSlots(capacity: max(64, slots.count * 2))
        } else {
            place(Int(i))
        }
        return i
    }

    private mutating func rebuildSlots(capacity: Int) {
        slots = [Int32](repeating: 0, count: capacity)
        for i in hashes.indices { place(i) }
    }

    private mutating func place(_ i: Int) {
        let mask = slots.count - 1
        var p = Int(truncatingIfNeeded: hashes[i]) & mask
        while slots[p] != 0 { p = (p + 1) & mask }
        slots[p] = Int32(i + 1)
    }

    subscript(i: Int32) -> Entry {
        Entry(raw: raws[Int(i)], key: keys[Int(i)], lastSeen: lastSeen[Int(i)], explicitTimestamp: explicit[Int(i)], handle: handles[Int(i)])
    }

    func lastSeen(_ i: Int32) -> UInt32 { lastSeen[Int(i)] }
    func isDropped(_ i: Int32) -> Bool { keys[Int(i)].isEmpty }
    func hasExplicitTimestamp(_ i: Int32) -> Bool { explicit[Int(i)] }
    mutating func markSeen(_ i: Int32, _ generation: UInt32) { lastSeen[Int(i)] = generation }
    mutating func setExplicitTimestamp(_ i: Int32, _ on: Bool) { if explicit[Int(i)] != on { explicit[Int(i)] = on } }
    mutating func setHandle(_ i: Int32, _ h: SeriesHandle?) { handles[Int(i)] = h }

    /// Appends one sample of entry `i`'s series to `batch`, with the entry's store handle; with `keyless`,
    /// a series that has a handle goes without its key bytes.
    func addSample(_ i: Int32, t: Int64, v: Double, to batch: inout EncodedBatch, keyless: Bool) {
        let handle = handles[Int(i)]
        if keyless, handle != nil {
            batch.add(key: [], t: t, v: v, handle: handle)
        } else {
            batch.add(key: keys[Int(i)], t: t, v: v, handle: handle)
        }
    }

    /// Entries the scrape of `generation` stored a sample for without an explicit timestamp.
    func seenWithoutTimestamp(_ generation: UInt32) -> [Int32] {
        lastSeen.indices.compactMap { i in
            lastSeen[i] == generation && !keys[i].isEmpty && !explicit[i] ? Int32(i) : nil
        }
    }

    /// Drops entries not seen since `generation` (series a target stopped exposing), keeping the rest.
    mutating func evict(unseenSince generation: UInt32) {
        let keep = lastSeen.indices.filter { lastSeen[$0] >= generation }
        guard keep.count < raws.count else { return }
        let old = self
        self = SeriesCache()
        for i in keep { _ = insert(old[Int32(i)], hash: old.hashes[i]) }
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
