import Foundation
import OspreyCore

/// The in-memory part of the store: recent series and samples. Not thread safe; `MetricStoreDB`
/// serialises access.
final class Head {
    /// Where series put their closed chunks; nil keeps them in memory.
    let chunkFiles: HeadChunkFiles?

    init(chunkFiles: HeadChunkFiles? = nil) { self.chunkFiles = chunkFiles }

    private(set) var series: [UInt32: MemSeries] = [:]
    private var byHash: [UInt64: UInt32] = [:]
    /// Series whose hash collides with another's: hash → extra refs.
    private var collisions: [UInt64: [UInt32]] = [:]
    private(set) var index = HeadIndex()
    private(set) var nextRef: UInt32 = 1
    /// Newest and oldest sample time in the head; .min/.max when empty.
    private(set) var maxT: Int64 = .min
    private(set) var minT: Int64 = .max
    private(set) var sampleCount = 0

    var seriesCount: Int { series.count }

    func lookup(key: UnsafeRawBufferPointer, hash: UInt64) -> MemSeries? {
        guard let ref = byHash[hash] else { return nil }
        if let s = series[ref], Head.equal(s.key, key) { return s }
        for r in collisions[hash] ?? [] {
            if let s = series[r], Head.equal(s.key, key) { return s }
        }
        return nil
    }

    @inline(__always)
    private static func equal(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (b.count == 0 || a.withUnsafeBytes { memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 })
    }

    /// Creates a series; `ref` is given when replaying the WAL so refs stay stable.
    @discardableResult
    func create(key: [UInt8], hash: UInt64, ref: UInt32? = nil) -> MemSeries {
        let r = ref ?? nextRef
        nextRef = max(nextRef, r &+ 1)
        let s = MemSeries(ref: r, key: key, hash: hash, files: chunkFiles)
        series[r] = s
        if byHash[hash] == nil { byHash[hash] = r } else { collisions[hash, default: []].append(r) }
        index.add(s)
        return s
    }

    func noteAppended(_ t: Int64) {
        noteAppended(min: t, max: t, count: 1)
    }

    /// `count` samples between `min` and `max` were appended.
    func noteAppended(min: Int64, max: Int64, count: Int) {
        if max > maxT { maxT = max }
        if min < minT { minT = min }
        sampleCount += count
    }

    /// Removes samples before `cut` and series left without samples; rebuilds the postings.
    func truncate(before cut: Int64) {
        var newMin = Int64.max
        var count = 0
        for (ref, s) in series {
            s.truncate(before: cut)
            if s.isEmpty {
                remove(ref, s)
            } else {
                newMin = min(newMin, s.minT)
                count += s.sampleCount
            }
        }
        minT = newMin
        if series.isEmpty { maxT = .min }
        sampleCount = count
        rebuildIndex()
    }

    /// Removes a series entirely (deletion by tombstone compaction, or truncation).
    func remove(_ ref: UInt32, _ s: MemSeries) {
        s.live = false
        series[ref] = nil
        if byHash[s.hash] == ref {
            if var extra = collisions[s.hash], !extra.isEmpty {
                byHash[s.hash] = extra.removeFirst()
                collisions[s.hash] = extra.isEmpty ? nil : extra
            } else {
                byHash[s.hash] = nil
            }
        } else {
            collisions[s.hash]?.removeAll { $0 == ref }
        }
    }

    func rebuildIndex() {
        index = HeadIndex()
        for ref in series.keys.sorted() { index.add(series[ref]!) }
    }

    func recomputeBounds() {
        minT = .max; maxT = .min; sampleCount = 0
        for s in series.values where !s.isEmpty {
            minT = min(minT, s.minT); maxT = max(maxT, s.maxT)
            sampleCount += s.sampleCount
        }
    }
}

/// Postings for the head: label name → value → sorted series refs.
struct HeadIndex: PostingsSource {
    private var map: [String: [String: [UInt32]]] = [:]
    private var all: [UInt32] = []

    mutating func add(_ s: MemSeries) {
        for label in s.labels {
            HeadIndex.insert(s.ref, into: &map[label.name, default: [:]][label.value, default: []])
        }
        HeadIndex.insert(s.ref, into: &all)
    }

    /// New refs are the largest, so this is an append except when a series comes back under its old ref.
    private static func insert(_ ref: UInt32, into list: inout [UInt32]) {
        if let last = list.last, last > ref {
            list.insert(ref, at: list.firstIndex { $0 > ref }!)
        } else {
            list.append(ref)
        }
    }

    func postings(_ name: String, _ value: String) -> [UInt32] { map[name]?[value] ?? [] }
    func labelValues(_ name: String) -> [String] { (map[name]?.keys).map { Array($0).sorted() } ?? [] }
    func allPostings() -> [UInt32] { all }
    var labelNames: [String] { map.keys.sorted() }
}

/// A fast 64-bit hash of label key bytes (multiply-xorshift over 8-byte words). In memory only.
@inline(__always)
func hashKey(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
    var i = 0
    let n = bytes.count
    while i + 8 <= n {
        let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        i += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while i < n {
        tail |= UInt64(bytes[i]) << shift
        shift += 8
        i += 1
    }
    h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
    h ^= h >> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    return h ^ (h >> 32)
}

func hashKey(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { hashKey($0) } }
