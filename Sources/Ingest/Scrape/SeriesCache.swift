import MetricStore
import OspreyCore

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
        /// Bytes of metric name at the start of `raw`.
        var nameCount: Int32
        /// `Labels.encoded` of the stored series; empty when metric relabeling drops the series.
        var key: [UInt8]
        var lastSeen: UInt32
        /// Series whose samples carry their own timestamps get no staleness markers, as in Prometheus.
        var explicitTimestamp: Bool
        /// The store's handle for `key` after the first commit, so later scrapes append without a lookup.
        var handle: SeriesHandle? = nil
        var dropped: Bool { key.isEmpty }
    }

    /// Every entry's series text back to back; entry `i`'s is `rawBytes[rawStart[i]..<rawStart[i + 1]]`.
    private var rawBytes: [UInt8] = []
    private var rawStart: [Int32] = [0]
    private var nameCounts: [Int32] = []
    private var keys: [[UInt8]] = []
    private var lastSeen: [UInt32] = []
    private var explicit: [Bool] = []
    /// The store's handles, by entry; a batch refers to them by index (`EncodedBatch.handleTable`).
    private(set) var handles: [SeriesHandle?] = []
    private var hashes: [UInt64] = []
    /// Open addressing over `hashes` (entry index + 1; 0 is empty), linear probing, at most half full:
    /// the lookup per sample costs no general-purpose hashing of the key.
    private var slots: [Int32] = []

    /// The entries of the last successful scrape's sample lines, in order, and the format it was parsed in:
    /// a target writes its series in the same order every time, so line `k` of this scrape is most likely
    /// `order[k]`, checked with one compare and no hashing or label scanning.
    private(set) var order: [Int32] = []
    private(set) var orderFormat: ExpositionFormat?
    /// The metadata (HELP, TYPE, UNIT) of the last scrape that parsed.
    var metadata: [(name: String, MetricMetadata)] = []
    /// The order this scrape is building (buffers swapped with `order`).
    private var building: [Int32] = []

    package init() {}

    package var count: Int { keys.count }

    /// Index of the entry for `bytes[range]`, if cached.
    func find(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, hash: UInt64) -> Int32? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var p = Int(truncatingIfNeeded: hash) & mask
        return rawBytes.withUnsafeBufferPointer { arena -> Int32? in
            while true {
                let slot = slots[p]
                if slot == 0 { return nil }
                let i = Int(slot - 1)
                if hashes[i] == hash {
                    let s = Int(rawStart[i]), n = Int(rawStart[i + 1]) - s
                    if n == range.count && memcmp(arena.baseAddress! + s, bytes.baseAddress! + range.lowerBound, n) == 0 {
                        return Int32(i)
                    }
                }
                p = (p + 1) & mask
            }
        }
    }

    /// Calls `body` with entry `i`'s series text and its metric name length.
    func withRaw<R>(_ i: Int32, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> R) rethrows -> R {
        let s = Int(rawStart[Int(i)]), e = Int(rawStart[Int(i) + 1])
        let nameCount = Int(nameCounts[Int(i)])
        return try rawBytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[s..<e]), nameCount) }
    }

    mutating func insert(_ entry: Entry, hash: UInt64) -> Int32 {
        let i = Int32(keys.count)
        rawBytes.append(contentsOf: entry.raw)
        rawStart.append(Int32(rawBytes.count))
        nameCounts.append(entry.nameCount)
        keys.append(entry.key)
        lastSeen.append(entry.lastSeen)
        explicit.append(entry.explicitTimestamp)
        handles.append(entry.handle)
        hashes.append(hash)
        if keys.count * 2 > slots.count {
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
        let k = Int(i)
        return Entry(raw: Array(rawBytes[Int(rawStart[k])..<Int(rawStart[k + 1])]), nameCount: nameCounts[k], key: keys[k],
                     lastSeen: lastSeen[k], explicitTimestamp: explicit[k], handle: handles[k])
    }

    func lastSeen(_ i: Int32) -> UInt32 { lastSeen[Int(i)] }
    func isDropped(_ i: Int32) -> Bool { keys[Int(i)].isEmpty }
    func key(_ i: Int32) -> [UInt8] { keys[Int(i)] }
    mutating func markSeen(_ i: Int32, _ generation: UInt32) { lastSeen[Int(i)] = generation }
    mutating func setExplicitTimestamp(_ i: Int32, _ on: Bool) { if explicit[Int(i)] != on { explicit[Int(i)] = on } }
    mutating func setHandle(_ i: Int32, _ h: SeriesHandle) { handles[Int(i)] = h }

    /// Starts recording this scrape's line order.
    mutating func beginOrder() { building.removeAll(keepingCapacity: true) }
    /// Entry `i` is the next sample line's.
    mutating func noteInOrder(_ i: Int32) { building.append(i) }
    /// The scrape parsed in `format` succeeded: its order predicts the next one.
    mutating func commitOrder(_ format: ExpositionFormat) {
        swap(&order, &building)
        orderFormat = format
    }

    /// Appends one sample of entry `i`'s series to `batch`, with the entry's store handle; with `keyless`,
    /// a series that has a handle goes without its key bytes.
    /// The batch's `handleTable` must be this cache's `handles`.
    func addSample(_ i: Int32, t: Int64, v: Double, to batch: inout EncodedBatch, keyless: Bool) {
        let hasHandle = handles[Int(i)] != nil
        if keyless, hasHandle {
            batch.add(t: t, v: v, handle: i)
        } else {
            batch.add(key: keys[Int(i)], t: t, v: v, handle: hasHandle ? i : -1)
        }
    }

    /// Adds a staleness marker at `ts` for each of `previous` (entries the last successful scrape stored a
    /// sample for) that the scrape of `seenIn` did not see; with `seenIn` nil, for all of them. Series
    /// metric relabeling dropped and series with their own timestamps get none, as in Prometheus.
    func appendStalenessMarkers(_ previous: [Int32], seenIn generation: UInt32?, at ts: Int64, to batch: inout EncodedBatch) {
        for i in previous {
            let k = Int(i)
            if let generation, lastSeen[k] == generation { continue }
            if explicit[k] || keys[k].isEmpty { continue }
            batch.add(key: keys[k], t: ts, v: StaleNaN.value)
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
        guard keep.count < keys.count else { return }
        let old = self
        self = SeriesCache()
        var moved = [Int32](repeating: -1, count: old.count)
        for i in keep { moved[i] = insert(old[Int32(i)], hash: old.hashes[i]) }
        // The line order survives with the new indices, unless it named an evicted entry.
        metadata = old.metadata
        let remapped = old.order.map { moved[Int($0)] }
        if !remapped.contains(-1) {
            order = remapped
            orderFormat = old.orderFormat
        }
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
