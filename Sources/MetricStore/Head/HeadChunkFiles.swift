import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Closed head chunks, kept in append-only files instead of the heap, as Prometheus keeps its
/// memory-mapped head chunks: the page cache holds them, the process does not. The files are a cache
/// only: the WAL and its checkpoint remain the durable copy, so the files are wiped on every start.
/// Layout: `chunks_head/000001`…, XOR chunks back to back, addressed by (file, offset, length).
final class HeadChunkFiles: @unchecked Sendable {
    struct Ref: Sendable {
        var file: UInt32
        var offset: UInt32
        var length: UInt32
    }

    /// Files are deleted whole once every chunk in them is older than a head cut; 64 MiB keeps the
    /// garbage a cut leaves behind small.
    static let fileBytesMax = 64 << 20
    /// Chunks are written in batches of this many bytes, not one write(2) each.
    static let pendingBytesMax = 256 << 10

    let dir: String
    private let logger: Logger
    private let lock = NSLock()
    private var fds: [UInt32: Int32] = [:]
    private var fileMaxT: [UInt32: Int64] = [:]
    private var current: UInt32 = 0
    private var flushed = 0
    private var pending: [UInt8] = []

    init(dir: String, logger: Logger) throws {
        self.dir = dir
        self.logger = logger
        try FileIO.removeTree(dir)
        try FileIO.makeDirectory(dir)
        try startFile()
    }

    deinit { for fd in fds.values { Glibc.close(fd) } }

    private func path(_ n: UInt32) -> String { dir + "/" + String(format: "%06d", n) }

    private func startFile() throws {
        current += 1
        let fd = open(path(current), O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw StoreError.io("create \(path(current)): \(FileIO.errnoText())") }
        fds[current] = fd
        flushed = 0
    }

    private func flush() throws {
        guard !pending.isEmpty, let fd = fds[current] else { return }
        // pwrite at the offset the refs were computed from: a failed or partial write leaves
        // `flushed` and `pending` as they were, so every ref stays valid and the next flush retries.
        var done = 0
        try pending.withUnsafeBytes { buf in
            while done < buf.count {
                let n = pwrite(fd, buf.baseAddress! + done, buf.count - done, off_t(flushed + done))
                if n < 0 { if errno == EINTR { continue }; throw StoreError.io("write \(path(current)): \(FileIO.errnoText())") }
                done += n
            }
        }
        flushed += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// Stores a chunk; nil when the file cannot be written (the caller keeps the chunk in memory).
    func store(_ bytes: [UInt8], maxT: Int64) -> Ref? {
        lock.withLock {
            do {
                if flushed + pending.count + bytes.count > HeadChunkFiles.fileBytesMax {
                    try flush()
                    try startFile()
                }
                let ref = Ref(file: current, offset: UInt32(flushed + pending.count), length: UInt32(bytes.count))
                pending.append(contentsOf: bytes)
                fileMaxT[current] = max(fileMaxT[current] ?? .min, maxT)
                if pending.count >= HeadChunkFiles.pendingBytesMax { try flush() }
                return ref
            } catch {
                logger.error("head chunk file write failed; keeping chunks in memory", metadata: ["error": "\(error)"])
                return nil
            }
        }
    }

    func read(_ ref: Ref) -> [UInt8]? {
        lock.withLock {
            let offset = Int(ref.offset), length = Int(ref.length)
            if ref.file == current && offset >= flushed {
                let start = offset - flushed
                guard start + length <= pending.count else { return nil }
                return Array(pending[start..<start + length])
            }
            guard let fd = fds[ref.file] else {
                logger.error("BUG: head chunk refers to a deleted head chunk file", metadata: ["file": "\(ref.file)"])
                return nil
            }
            var out = [UInt8](repeating: 0, count: length)
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
            if n != length {
                logger.error("head chunk read failed", metadata: ["file": "\(path(ref.file))", "offset": "\(offset)", "error": "\(FileIO.errnoText())"])
                return nil
            }
            return out
        }
    }

    /// Deletes files whose every chunk ends before `cut` (the head no longer refers to them).
    func removeFiles(before cut: Int64) {
        lock.withLock {
            for (file, maxT) in fileMaxT where file != current && maxT < cut {
                if let fd = fds.removeValue(forKey: file) { Glibc.close(fd) }
                fileMaxT[file] = nil
                unlink(path(file))
            }
        }
    }

    var diskBytes: Int64 { FileIO.treeSize(dir) }
}
