import Foundation
import OspreyCore
#if canImport(Glibc)
import Glibc
#endif

/// A time interval [mint, maxt], inclusive, removed by a deletion.
struct Interval: Sendable, Equatable {
    var mint: Int64
    var maxt: Int64
    func contains(_ t: Int64) -> Bool { t >= mint && t <= maxt }
}

/// An open, immutable block. Tombstones are the only part that changes; a change makes a new
/// `Block` value sharing the same files.
final class Block: @unchecked Sendable {
    let dir: String
    let meta: BlockMeta
    let index: BlockIndex
    let tombstones: [UInt32: [Interval]]
    private let chunks: ChunkFile
    let diskBytes: Int64

    private init(dir: String, meta: BlockMeta, index: BlockIndex, tombstones: [UInt32: [Interval]], chunks: ChunkFile, diskBytes: Int64) {
        self.dir = dir
        self.meta = meta
        self.index = index
        self.tombstones = tombstones
        self.chunks = chunks
        self.diskBytes = diskBytes
    }

    static func open(_ dir: String) throws -> Block {
        let metaBytes = try FileIO.readAll(dir + "/meta.json")
        let meta: BlockMeta
        do { meta = try JSONDecoder().decode(BlockMeta.self, from: Data(metaBytes)) } catch {
            throw StoreError.io("block \(dir): meta.json unreadable: \(error)")
        }
        let index: BlockIndex
        do { index = try BlockIndex.decode(try FileIO.readAll(dir + "/index")) } catch {
            throw StoreError.io("block \(dir): \(error)")
        }
        let tombstones = try Tombstones.read(dir)
        let chunks = try ChunkFile(path: dir + "/chunks/000001")
        return Block(dir: dir, meta: meta, index: index, tombstones: tombstones, chunks: chunks, diskBytes: FileIO.treeSize(dir))
    }

    func with(tombstones: [UInt32: [Interval]]) throws -> Block {
        try Tombstones.write(dir, tombstones)
        return Block(dir: dir, meta: meta, index: index, tombstones: tombstones, chunks: chunks, diskBytes: FileIO.treeSize(dir))
    }

    var minTime: Int64 { meta.minTime }
    /// Exclusive.
    var maxTime: Int64 { meta.maxTime }

    func overlaps(_ mint: Int64, _ maxt: Int64) -> Bool { meta.minTime <= maxt && meta.maxTime > mint }

    /// Samples of series `id` in [mint, maxt], tombstoned intervals removed.
    func samples(_ id: UInt32, mint: Int64, maxt: Int64, cache: FrameCache) throws -> [Sample] {
        var out: [Sample] = []
        for c in index.seriesChunks[Int(id)] where c.maxT >= mint && c.minT <= maxt {
            let frame = try cache.frame(c.frame, of: self)
            guard Int(c.offset) + Int(c.length) <= frame.count else { throw StoreError.io("block \(meta.ulid): chunk past its frame") }
            var r = ByteReader(frame[Int(c.offset)..<Int(c.offset + c.length)])
            do { try DenseChunk.decode(&r, into: &out, mint: mint, maxt: maxt) } catch {
                throw StoreError.io("block \(meta.ulid): malformed chunk of series \(index.labels(of: Int(id)))")
            }
        }
        if let dead = tombstones[id] {
            out.removeAll { s in dead.contains { $0.contains(s.t) } }
        }
        return out
    }

    func readFrame(_ i: UInt32) throws -> [UInt8] {
        guard Int(i) < index.frames.count else { throw StoreError.io("block \(meta.ulid): frame \(i) not in index") }
        let f = index.frames[Int(i)]
        let compressed = try chunks.read(offset: f.fileOffset, count: f.compressedBytes)
        guard CRC32C.checksum(compressed) == f.crc else {
            throw StoreError.io("block \(meta.ulid) frame \(i) at offset \(f.fileOffset) of chunks/000001 fails its checksum")
        }
        do { return try compressed.withUnsafeBytes { try Zstd.decompress($0, rawBytes: f.rawBytes) } } catch {
            throw StoreError.io("block \(meta.ulid) frame \(i): \(error)")
        }
    }
}

/// Keeps the most recently decompressed frame of each block for the length of one query.
final class FrameCache {
    private var frames: [ObjectIdentifier: (UInt32, [UInt8])] = [:]

    func frame(_ i: UInt32, of block: Block) throws -> [UInt8] {
        let key = ObjectIdentifier(block)
        if let (idx, bytes) = frames[key], idx == i { return bytes }
        let bytes = try block.readFrame(i)
        frames[key] = (i, bytes)
        return bytes
    }
}

/// An open chunk file, closed when the last block value using it goes away.
final class ChunkFile: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw StoreError.io("open \(path): \(FileIO.errnoText())") }
    }

    deinit { close(fd) }

    func read(offset: Int64, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < count {
                let n = pread(fd, buf.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 { if errno == EINTR { continue }; throw StoreError.io("read \(path): \(FileIO.errnoText())") }
                if n == 0 { throw StoreError.io("read \(path): unexpected end of file at \(offset + Int64(done))") }
                done += n
            }
        }
        return out
    }
}

/// The `tombstones` file of a block: `u32 crc32c | repeated { uvarint series, uvarint n, n × { varint mint, varint maxt } }`.
enum Tombstones {
    static func read(_ dir: String) throws -> [UInt32: [Interval]] {
        let path = dir + "/tombstones"
        guard FileIO.exists(path) else { return [:] }
        let bytes = try FileIO.readAll(path)
        guard bytes.count >= 4, readLE32(bytes, 0) == CRC32C.checksum(Array(bytes[4...])) else {
            throw StoreError.io("\(path): checksum mismatch")
        }
        var r = ByteReader(bytes[4...])
        var out: [UInt32: [Interval]] = [:]
        do {
            while !r.isAtEnd {
                let id = UInt32(truncatingIfNeeded: try r.uvarint())
                let n = try r.uvarint()
                for _ in 0..<n { out[id, default: []].append(Interval(mint: try r.varint(), maxt: try r.varint())) }
            }
        } catch { throw StoreError.io("\(path): truncated") }
        return out
    }

    static func write(_ dir: String, _ t: [UInt32: [Interval]]) throws {
        let path = dir + "/tombstones"
        if t.isEmpty { try FileIO.removeTree(path); return }
        var w = ByteWriter()
        for id in t.keys.sorted() {
            w.uvarint(UInt64(id))
            w.uvarint(UInt64(t[id]!.count))
            for iv in t[id]! { w.varint(iv.mint); w.varint(iv.maxt) }
        }
        var out = ByteWriter()
        out.u32(CRC32C.checksum(w.bytes))
        out.bytes.append(contentsOf: w.bytes)
        try FileIO.writeFileAtomically(path, out.bytes)
    }
}
