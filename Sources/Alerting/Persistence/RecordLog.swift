import Foundation
import Logging

/// An append-only file of checksummed records, the on-disk form of the silences and the notification log
/// (format: docs/format/alerting-record-log.md).
///
/// `append` returns only after the bytes are fsynced, so a caller may acknowledge the change once it returns.
/// `rewrite` replaces the whole file atomically (temp file, fsync, rename, fsync of the directory), so a crash
/// leaves either the old or the new file, never a mix. `load` reads every intact record and truncates a torn
/// tail (a frame cut short or failing its checksum), reporting what it dropped.
///
/// Not thread-safe: its owner serialises calls.
final class RecordLog {
    /// "OSAL" + format version 1 + three reserved zero bytes.
    static let header: [UInt8] = [0x4F, 0x53, 0x41, 0x4C, 1, 0, 0, 0]
    /// One record's payload at most: a silence or an nflog entry is a few KiB; a bigger length field is garbage.
    static let recordBytesMax = 4 << 20

    let path: String
    private var fd: Int32 = -1
    /// Bytes in the file after the last intact record.
    private(set) var sizeBytes = 0
    /// Records in the file (live or superseded); owners compact when this outgrows their live count.
    private(set) var recordCount = 0
    /// Why appends are refused, after a write whose outcome on disk is unknown.
    private var broken: String?

    init(path: String) { self.path = path }
    deinit { if fd >= 0 { close(fd) } }

    /// What `load` found and repaired.
    struct LoadResult {
        var records: [[UInt8]]
        /// Bytes cut from the end because the last frame was torn or corrupt; 0 when the file was intact.
        var truncatedBytes: Int
        var truncatedReason: String?
    }

    /// Reads the file (creating it when missing), truncates a torn tail and opens it for appending.
    func load() throws -> LoadResult {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard FileManager.default.fileExists(atPath: path) else {
            try rewrite([])
            return LoadResult(records: [], truncatedBytes: 0, truncatedReason: nil)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw RecordLogError("\(path): cannot read") }
        let bytes = [UInt8](data)
        guard bytes.count >= Self.header.count, Array(bytes[0..<Self.header.count]) == Self.header else {
            throw RecordLogError("\(path): not an Osprey alerting record log (bad header); move it away to start empty")
        }
        var records: [[UInt8]] = []
        var at = Self.header.count
        var reason: String?
        while at < bytes.count {
            guard at + 8 <= bytes.count else { reason = "frame header cut short at offset \(at)"; break }
            let length = Int(readUInt32(bytes, at))
            let crc = readUInt32(bytes, at + 4)
            guard length <= Self.recordBytesMax else { reason = "frame length \(length) over \(Self.recordBytesMax) at offset \(at)"; break }
            guard at + 8 + length <= bytes.count else { reason = "frame payload cut short at offset \(at)"; break }
            let payload = Array(bytes[(at + 8)..<(at + 8 + length)])
            guard CRC32C.checksum(payload) == crc else { reason = "checksum mismatch at offset \(at)"; break }
            records.append(payload)
            at += 8 + length
        }
        let truncated = bytes.count - at
        if truncated > 0 {
            guard truncate(path, off_t(at)) == 0 else { throw RecordLogError("\(path): truncating the torn tail failed: \(errnoText())") }
        }
        try openForAppend()
        if truncated > 0 { try sync() }
        sizeBytes = at
        recordCount = records.count
        return LoadResult(records: records, truncatedBytes: truncated, truncatedReason: reason)
    }

    /// Appends the records and fsyncs; when this returns they survive a crash or power loss. A failed write is
    /// cut off again, so later records do not land behind a torn frame; if even that fails (or fsync failed,
    /// leaving the file's state unknown), the log refuses further appends until it is reopened.
    func append(_ payloads: [[UInt8]]) throws {
        guard fd >= 0 else { throw RecordLogError("BUG: \(path) appended before load") }
        if let broken { throw RecordLogError("\(path): writes stopped after an earlier failure (\(broken)); restart Osprey to recover the file") }
        var out: [UInt8] = []
        for p in payloads { Self.frame(p, into: &out) }
        do {
            try writeAll(fd, out)
        } catch {
            if ftruncate(fd, off_t(sizeBytes)) != 0 { broken = "\(error)" }
            throw RecordLogError("\(path): \(error)")
        }
        do { try sync() } catch {
            broken = "\(error)"
            throw error
        }
        sizeBytes += out.count
        recordCount += payloads.count
    }

    /// Replaces the file with exactly these records, atomically and durably.
    func rewrite(_ payloads: [[UInt8]]) throws {
        var out = Self.header
        for p in payloads { Self.frame(p, into: &out) }
        let tmp = path + ".tmp"
        let tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard tfd >= 0 else { throw RecordLogError("\(tmp): cannot create: \(errnoText())") }
        do {
            try writeAll(tfd, out)
            guard fsync(tfd) == 0 else { throw RecordLogError("\(tmp): fsync failed: \(errnoText())") }
        } catch {
            close(tfd)
            throw error
        }
        close(tfd)
        guard rename(tmp, path) == 0 else { throw RecordLogError("\(path): rename failed: \(errnoText())") }
        try syncDirectory()
        if fd >= 0 { close(fd); fd = -1 }
        try openForAppend()
        broken = nil
        sizeBytes = out.count
        recordCount = payloads.count
    }

    static func frame(_ payload: [UInt8], into out: inout [UInt8]) {
        precondition(payload.count <= recordBytesMax, "BUG: alerting record of \(payload.count) bytes over recordBytesMax")
        appendUInt32(&out, UInt32(payload.count))
        appendUInt32(&out, CRC32C.checksum(payload))
        out += payload
    }

    private func openForAppend() throws {
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw RecordLogError("\(path): cannot open for appending: \(errnoText())") }
    }

    private func sync() throws {
        guard fsync(fd) == 0 else { throw RecordLogError("\(path): fsync failed: \(errnoText())") }
    }

    private func syncDirectory() throws {
        let dir = (path as NSString).deletingLastPathComponent
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw RecordLogError("\(dir): cannot open directory: \(errnoText())") }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw RecordLogError("\(dir): fsync of the directory failed: \(errnoText())") }
    }
}

struct RecordLogError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
    var at = 0
    while at < bytes.count {
        let n = bytes[at...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw RecordLogError("write failed: \(errnoText())")
        }
        at += n
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

private func appendUInt32(_ out: inout [UInt8], _ v: UInt32) {
    out += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
}

private func readUInt32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}
