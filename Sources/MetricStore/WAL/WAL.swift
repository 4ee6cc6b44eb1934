import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// When the WAL calls fsync. A write that got a 2xx is in the WAL file (the OS page cache) in every
/// mode, so it survives a process crash; `always` also survives power loss.
public enum FsyncPolicy: Sendable, Equatable {
    /// fsync before every commit returns.
    case always
    /// fsync at most every `intervalMs`, from the store's maintenance loop.
    case batch(intervalMs: Int64)
    /// Never fsync except when a segment is closed.
    case never
}

/// The write-ahead log: numbered segment files of checksummed records (format: docs/format/wal.md).
///
/// Record: `u8 type | u32 payloadLength (LE) | u32 crc32c(type, payload) (LE) | payload`.
final class WAL {
    /// Prometheus uses 128 MiB segments: large enough that rotation is rare, small enough to delete promptly.
    static let segmentBytesMax = 128 << 20
    /// A record larger than this is corrupt by definition (the biggest commit is a 128 MiB remote-write body).
    static let recordBytesMax = 256 << 20
    /// Writers start a new record past this size, well under `recordBytesMax`.
    static let recordBytesSoftMax = 64 << 20
    static let headerBytes = 9

    let dir: String
    let policy: FsyncPolicy
    private var fd: Int32 = -1
    private(set) var segment = 0
    private var segmentBytes = 0
    private(set) var dirty = false
    private(set) var fsyncCount = 0
    /// Encoded records not yet written to the file (see `log(_:deferred:)`).
    private var pending: [UInt8] = []

    init(dir: String, policy: FsyncPolicy) {
        self.dir = dir
        self.policy = policy
    }

    static func segmentName(_ n: Int) -> String { String(format: "%08d", n) }
    static func checkpointName(_ n: Int) -> String { "checkpoint." + segmentName(n) }

    /// Segment numbers present on disk, ascending.
    func segments() -> [Int] {
        FileIO.list(dir).compactMap { name in name.count == 8 ? Int(name) : nil }.sorted()
    }

    /// Opens a new segment after the newest one on disk.
    func openForAppend() throws {
        try FileIO.makeDirectory(dir)
        let checkpoints = FileIO.list(dir).compactMap { $0.hasPrefix("checkpoint.") ? Int($0.dropFirst("checkpoint.".count)) : nil }
        try startSegment(max(segments().last ?? 0, checkpoints.max() ?? 0) + 1)
    }

    private func startSegment(_ n: Int) throws {
        if fd >= 0 {
            try flush()
            fsync(fd)
            fsyncCount += 1
            Glibc.close(fd)
        }
        let path = dir + "/" + WAL.segmentName(n)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw StoreError.io("open WAL segment \(path): \(FileIO.errnoText())") }
        FileIO.syncDirectory(dir)
        segment = n
        segmentBytes = 0
    }

    /// Closes the current segment and starts the next; returns the number of the closed one.
    @discardableResult
    func rotate() throws -> Int {
        let closed = segment
        try startSegment(segment + 1)
        return closed
    }

    /// Appends one record and writes it to the file before returning (so a process crash keeps it).
    func log(_ type: WALRecordType, _ payload: [UInt8]) throws {
        try log([(type, payload)])
    }

    /// Appends several records with one write(2). With `deferred` (samples no client waits on: scrapes), the
    /// records may stay in memory until `deferredBytesMax` of them gather, the next non-deferred write, or
    /// `flush()` (the store's maintenance loop calls it every few hundred milliseconds) — as Prometheus keeps
    /// scraped samples in a WAL page buffer. Records are written in the order they were logged either way.
    func log(_ records: [(WALRecordType, [UInt8])], deferred: Bool = false) throws {
        guard fd >= 0 else { throw StoreError.closed }
        let size = records.reduce(0) { $0 + WAL.headerBytes + $1.1.count }
        if segmentBytes + pending.count > 0 && segmentBytes + pending.count + size > WAL.segmentBytesMax {
            try rotate()
        }
        for (type, payload) in records { WAL.encodeRecord(type, payload, into: &pending) }
        if !deferred || pending.count >= WAL.deferredBytesMax { try flush() }
        if policy == .always { try sync() }
    }

    /// Deferred records are written once this many bytes of them gather: a few writes a second at a
    /// thousand scrapes every 15 s, instead of one per scrape.
    static let deferredBytesMax = 256 << 10

    /// Writes the records waiting in memory to the segment file.
    func flush() throws {
        guard fd >= 0, !pending.isEmpty else { return }
        try pending.withUnsafeBytes { try FileIO.writeAll(fd: fd, $0, path: dir + "/" + WAL.segmentName(segment)) }
        segmentBytes += pending.count
        pending.removeAll(keepingCapacity: pending.count <= WAL.deferredBytesMax * 2)
        dirty = true
    }

    static func encodeRecord(_ type: WALRecordType, _ payload: [UInt8], into out: inout [UInt8]) {
        out.append(type.rawValue)
        var len = UInt32(payload.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        var crc = payload.withUnsafeBytes { CRC32C.checksum($0, initial: CRC32C.checksum([type.rawValue])) }.littleEndian
        withUnsafeBytes(of: &crc) { out.append(contentsOf: $0) }
        out.append(contentsOf: payload)
    }

    func sync() throws {
        try flush()
        guard fd >= 0, dirty else { return }
        guard fsync(fd) == 0 else { throw StoreError.io("fsync WAL segment \(segment): \(FileIO.errnoText())") }
        fsyncCount += 1
        dirty = false
    }

    func close() {
        if fd >= 0 {
            try? sync()
            Glibc.close(fd)
            fd = -1
        }
    }

    func deleteSegments(through n: Int) {
        for s in segments() where s <= n { unlink(dir + "/" + WAL.segmentName(s)) }
    }

    var diskBytes: Int64 { FileIO.treeSize(dir) }
}

enum WALRecordType: UInt8 {
    case series = 1
    case samples = 2
    case tombstone = 3
    case chunk = 4
    case oooSamples = 5
}
