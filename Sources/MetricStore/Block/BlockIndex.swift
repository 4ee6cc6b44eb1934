import OspreyCore

/// Where one chunk of a series lives in the block's chunk file.
struct ChunkMeta: Sendable {
    var minT: Int64
    var maxT: Int64
    var frame: UInt32
    var offset: UInt32
    var length: UInt32
}

struct FrameMeta: Sendable {
    var fileOffset: Int64
    var compressedBytes: Int
    var rawBytes: Int
    /// CRC-32C of the compressed bytes, checked on every read.
    var crc: UInt32
}

/// A block's index, held in memory: symbols, series (labels as symbol refs, chunk metas),
/// postings and the frame table. Format: docs/format/block.md.
struct BlockIndex: PostingsSource, Sendable {
    static let magic = Array("OSPRIDX1".utf8)

    var symbols: [String] = []
    var seriesLabels: [[UInt32]] = []  // per series: name, value, name, value… symbol refs
    var seriesChunks: [[ChunkMeta]] = []
    var postingsMap: [String: [String: [UInt32]]] = [:]
    var frames: [FrameMeta] = []

    func labels(of series: Int) -> Labels {
        let refs = seriesLabels[series]
        var out: [Label] = []
        out.reserveCapacity(refs.count / 2)
        var i = 0
        while i + 1 < refs.count {
            out.append(Label(symbols[Int(refs[i])], symbols[Int(refs[i + 1])]))
            i += 2
        }
        return Labels(sorted: out)
    }

    func postings(_ name: String, _ value: String) -> [UInt32] { postingsMap[name]?[value] ?? [] }
    func labelValues(_ name: String) -> [String] { (postingsMap[name]?.keys).map { Array($0).sorted() } ?? [] }
    func allPostings() -> [UInt32] { (0..<UInt32(seriesLabels.count)).map { $0 } }
    var labelNames: [String] { postingsMap.keys.sorted() }

    // MARK: encoding

    func encode() -> [UInt8] {
        var w = ByteWriter(capacity: 1 << 16)
        w.bytes.append(contentsOf: BlockIndex.magic)
        w.uvarint(UInt64(symbols.count))
        for s in symbols { w.string(s) }
        w.uvarint(UInt64(seriesLabels.count))
        for (refs, chunks) in zip(seriesLabels, seriesChunks) {
            w.uvarint(UInt64(refs.count / 2))
            for r in refs { w.uvarint(UInt64(r)) }
            w.uvarint(UInt64(chunks.count))
            for c in chunks {
                w.varint(c.minT)
                w.uvarint(UInt64(c.maxT - c.minT))
                w.uvarint(UInt64(c.frame))
                w.uvarint(UInt64(c.offset))
                w.uvarint(UInt64(c.length))
            }
        }
        let symbolRef = Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, UInt32($0)) })
        let names = postingsMap.keys.sorted()
        w.uvarint(UInt64(names.count))
        for name in names {
            w.uvarint(UInt64(symbolRef[name]!))
            let values = postingsMap[name]!
            w.uvarint(UInt64(values.count))
            for value in values.keys.sorted() {
                w.uvarint(UInt64(symbolRef[value]!))
                let ids = values[value]!
                w.uvarint(UInt64(ids.count))
                var prev: UInt32 = 0
                for id in ids { w.uvarint(UInt64(id - prev)); prev = id }
            }
        }
        w.uvarint(UInt64(frames.count))
        for f in frames {
            w.uvarint(UInt64(f.fileOffset))
            w.uvarint(UInt64(f.compressedBytes))
            w.uvarint(UInt64(f.rawBytes))
            w.u32(f.crc)
        }
        w.u32(CRC32C.checksum(w.bytes))
        w.bytes.append(contentsOf: BlockIndex.magic)
        return w.bytes
    }

    struct Corrupt: Error, CustomStringConvertible {
        let reason: String
        var description: String { "corrupt block index: \(reason)" }
    }

    static func decode(_ bytes: [UInt8]) throws -> BlockIndex {
        let m = magic.count
        guard bytes.count >= 2 * m + 4, Array(bytes[0..<m]) == magic, Array(bytes[(bytes.count - m)...]) == magic else {
            throw Corrupt(reason: "bad magic or too short (\(bytes.count) bytes)")
        }
        let bodyEnd = bytes.count - m - 4
        let stored = readLE32(bytes, bodyEnd)
        guard CRC32C.checksum(Array(bytes[0..<bodyEnd])) == stored else { throw Corrupt(reason: "checksum mismatch") }
        var r = ByteReader(bytes[m..<bodyEnd])
        var ix = BlockIndex()
        do {
            let nSym = Int(try r.uvarint())
            ix.symbols.reserveCapacity(nSym)
            for _ in 0..<nSym { ix.symbols.append(try r.string()) }
            let nSeries = Int(try r.uvarint())
            for _ in 0..<nSeries {
                let nl = Int(try r.uvarint())
                var refs: [UInt32] = []
                refs.reserveCapacity(nl * 2)
                for _ in 0..<(nl * 2) {
                    let ref = UInt32(try r.uvarint())
                    guard Int(ref) < nSym else { throw Corrupt(reason: "symbol ref \(ref) out of range") }
                    refs.append(ref)
                }
                ix.seriesLabels.append(refs)
                let nc = Int(try r.uvarint())
                var chunks: [ChunkMeta] = []
                for _ in 0..<nc {
                    let minT = try r.varint()
                    let span = Int64(try r.uvarint())
                    chunks.append(ChunkMeta(minT: minT, maxT: minT + span, frame: UInt32(try r.uvarint()), offset: UInt32(try r.uvarint()), length: UInt32(try r.uvarint())))
                }
                ix.seriesChunks.append(chunks)
            }
            let nNames = Int(try r.uvarint())
            for _ in 0..<nNames {
                let name = ix.symbols[Int(try r.uvarint()) % max(nSym, 1)]
                let nv = Int(try r.uvarint())
                var values: [String: [UInt32]] = [:]
                for _ in 0..<nv {
                    let value = ix.symbols[Int(try r.uvarint()) % max(nSym, 1)]
                    let n = Int(try r.uvarint())
                    var ids: [UInt32] = []
                    ids.reserveCapacity(n)
                    var prev: UInt32 = 0
                    for _ in 0..<n { prev += UInt32(try r.uvarint()); ids.append(prev) }
                    values[value] = ids
                }
                ix.postingsMap[name] = values
            }
            let nFrames = Int(try r.uvarint())
            for _ in 0..<nFrames {
                let offset = try r.uvarint(), compressed = try r.uvarint(), raw = try r.uvarint()
                guard offset < 1 << 48, compressed < 1 << 32, raw < 1 << 32 else { throw Corrupt(reason: "frame size out of range") }
                ix.frames.append(FrameMeta(fileOffset: Int64(offset), compressedBytes: Int(compressed), rawBytes: Int(raw), crc: try r.u32()))
            }
        } catch is ByteReader.Truncated {
            throw Corrupt(reason: "truncated section")
        }
        return ix
    }
}
