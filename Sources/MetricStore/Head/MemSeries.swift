import OspreyCore

/// A closed, immutable head chunk: in a head chunk file, or in memory when it could not be written there.
struct HeadChunk {
    var minT: Int64
    var maxT: Int64
    private(set) var count: UInt16
    private var storage: Storage

    private enum Storage {
        case memory(XORChunk)
        case file(HeadChunkFiles, HeadChunkFiles.Ref)
    }

    init(minT: Int64, maxT: Int64, chunk: XORChunk) {
        self.minT = minT
        self.maxT = maxT
        count = UInt16(truncatingIfNeeded: chunk.count)
        storage = .memory(chunk)
    }

    /// Moves a finished chunk out of the heap when `files` can take it.
    init(minT: Int64, maxT: Int64, closing chunk: XORChunk, files: HeadChunkFiles?) {
        self.minT = minT
        self.maxT = maxT
        count = UInt16(truncatingIfNeeded: chunk.count)
        if let files, let ref = files.store(chunk.bytes, maxT: maxT) {
            storage = .file(files, ref)
        } else {
            storage = .memory(chunk)
        }
    }

    var chunk: XORChunk {
        switch storage {
        case .memory(let c): return c
        case .file(let files, let ref):
            // A read can only fail if the file was damaged under us; the chunk then reads as empty.
            return XORChunk(bytes: files.read(ref) ?? [])
        }
    }
}

/// One series in the head: its identity and its in-memory samples.
final class MemSeries {
    /// Samples per chunk; Prometheus's 120 keeps a 2h chunk at 1-minute scrapes and bounds decode work.
    static let samplesPerChunkMax = 120

    let ref: UInt32
    /// Canonical label bytes (`Labels.encoded`); the series identity.
    let key: [UInt8]
    /// False once the series has left the head (after a head cut found it empty); a `SeriesHandle` to it
    /// is then stale and the appender looks the series up by key again. Read and written under the store lock.
    var live = true
    let hash: UInt64
    var closed: [HeadChunk] = []
    var open = XORAppender()
    /// Samples older than the newest in-order one, sorted by time, unique timestamps.
    var ooo: [Sample] = []

    /// Where closed chunks go; nil keeps them in memory.
    let files: HeadChunkFiles?

    init(ref: UInt32, key: [UInt8], hash: UInt64, files: HeadChunkFiles?) {
        self.ref = ref
        self.key = key
        self.hash = hash
        self.files = files
    }

    var labels: Labels { Labels(encoded: key)! }

    var lastT: Int64 { open.count > 0 ? open.lastT : (closed.last?.maxT ?? .min) }

    var sampleCount: Int { closed.reduce(0) { $0 + Int($1.count) } + open.count + ooo.count }

    var isEmpty: Bool { open.count == 0 && closed.isEmpty && ooo.isEmpty }

    var minT: Int64 {
        let inOrder = closed.first?.minT ?? (open.count > 0 ? open.firstT : .max)
        return min(inOrder, ooo.first?.t ?? .max)
    }

    var maxT: Int64 { max(lastT, ooo.last?.t ?? .min) }

    enum AppendOutcome { case appended, duplicate, conflict(Double) }

    func append(_ t: Int64, _ v: Double) -> AppendOutcome {
        let last = lastT
        if t > last || (open.count == 0 && closed.isEmpty) {
            if open.count >= MemSeries.samplesPerChunkMax {
                closed.append(HeadChunk(minT: open.firstT, maxT: open.lastT, closing: open.chunk, files: files))
                open = XORAppender()
            }
            open.append(t, v)
            return .appended
        }
        if t == last {
            let lastV = open.count > 0 ? open.lastV : closed.last!.chunk.samples().last!.v
            return lastV.bitPattern == v.bitPattern ? .duplicate : .conflict(lastV)
        }
        return appendOutOfOrder(t, v)
    }

    private func appendOutOfOrder(_ t: Int64, _ v: Double) -> AppendOutcome {
        if let existing = inOrderValue(at: t) {
            return existing.bitPattern == v.bitPattern ? .duplicate : .conflict(existing)
        }
        let i = ooo.insertionIndex(of: t)
        if i < ooo.count && ooo[i].t == t {
            return ooo[i].v.bitPattern == v.bitPattern ? .duplicate : .conflict(ooo[i].v)
        }
        ooo.insert(Sample(t, v), at: i)
        return .appended
    }

    private func inOrderValue(at t: Int64) -> Double? {
        if open.count > 0 && t >= open.firstT {
            return open.chunk.samples().first { $0.t == t }?.v
        }
        for c in closed where t >= c.minT && t <= c.maxT {
            return c.chunk.samples().first { $0.t == t }?.v
        }
        return nil
    }

    /// Samples in [mint, maxt], in-order and out-of-order merged.
    func samples(mint: Int64, maxt: Int64) -> [Sample] { snapshot().samples(mint: mint, maxt: maxt) }

    /// An immutable copy of the series' data (chunk arrays are shared copy-on-write, so this is cheap).
    func snapshot() -> SeriesSnapshot {
        var chunks = closed
        if open.count > 0 { chunks.append(HeadChunk(minT: open.firstT, maxT: open.lastT, chunk: open.chunk)) }
        return SeriesSnapshot(key: key, chunks: chunks, ooo: ooo)
    }

    /// Drops samples before `cut`. Chunks spanning the cut are re-encoded.
    func truncate(before cut: Int64) {
        var kept: [HeadChunk] = []
        for c in closed {
            if c.maxT < cut { continue }
            if c.minT >= cut { kept.append(c); continue }
            var app = XORAppender()
            for s in c.chunk.samples() where s.t >= cut { app.append(s.t, s.v) }
            if app.count > 0 { kept.append(HeadChunk(minT: app.firstT, maxT: app.lastT, closing: app.chunk, files: files)) }
        }
        closed = kept
        if open.count > 0 && open.firstT < cut {
            var app = XORAppender()
            for s in open.chunk.samples() where s.t >= cut { app.append(s.t, s.v) }
            open = app
        }
        ooo.removeAll { $0.t < cut }
    }
}

extension Array where Element == Sample {
    /// First index whose timestamp is >= t.
    func insertionIndex(of t: Int64) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].t < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

func appendRange(of chunk: XORChunk, _ mint: Int64, _ maxt: Int64, into out: inout [Sample]) {
    var it = chunk.makeIterator()
    while let s = it.next() {
        if s.t > maxt { break }
        if s.t >= mint { out.append(s) }
    }
}

/// Merges two time-sorted sample lists; on equal timestamps the first list wins.
func mergeSorted(_ a: [Sample], _ b: [Sample]) -> [Sample] {
    if a.isEmpty { return b }
    if b.isEmpty { return a }
    var out: [Sample] = []
    out.reserveCapacity(a.count + b.count)
    var i = 0, j = 0
    while i < a.count && j < b.count {
        if a[i].t < b[j].t { out.append(a[i]); i += 1 }
        else if a[i].t > b[j].t { out.append(b[j]); j += 1 }
        else { out.append(a[i]); i += 1; j += 1 }
    }
    out.append(contentsOf: a[i...])
    out.append(contentsOf: b[j...])
    return out
}

/// A point-in-time copy of one head series, read without the store's lock.
struct SeriesSnapshot {
    let key: [UInt8]
    let chunks: [HeadChunk]
    let ooo: [Sample]

    var labels: Labels { Labels(encoded: key)! }

    func samples(mint: Int64, maxt: Int64) -> [Sample] {
        var inOrder: [Sample] = []
        for c in chunks where c.maxT >= mint && c.minT <= maxt {
            appendRange(of: c.chunk, mint, maxt, into: &inOrder)
        }
        let lo = ooo.insertionIndex(of: mint)
        var hi = ooo.insertionIndex(of: maxt)
        if hi < ooo.count && ooo[hi].t == maxt { hi += 1 }
        if lo >= hi { return inOrder }
        return mergeSorted(inOrder, Array(ooo[lo..<hi]))
    }
}
