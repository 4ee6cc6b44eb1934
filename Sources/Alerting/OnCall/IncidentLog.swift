import Foundation

/// The incidents log: an append-only file of CRC-framed records, each appended and fsynced before the
/// change it records is answered (docs/format/incidents.md).
///
/// ```
/// header: "OSPINCL" 0x01                        (8 bytes)
/// frame:  length u32 LE | crc32c(payload) u32 LE | payload (length bytes, one JSON record)
/// ```
final class IncidentLog {
    static let magic: [UInt8] = Array("OSPINCL".utf8) + [1]
    /// The largest record: an incident's labels and summary are capped well below this, so a bigger
    /// length field can only be a torn or corrupt frame.
    static let recordBytesMax = 1 << 20

    struct Record: Codable {
        var incident: String
        var entry: TimelineEntry
    }

    struct Replay {
        var records: [Record] = []
        /// What was repaired, when the file ended in a torn or corrupt frame.
        var repaired: String?
    }

    let path: String
    private var fd: Int32

    /// Opens (creating if needed) the log and reads every intact record; a torn or corrupt tail is cut off.
    init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let created = !FileManager.default.fileExists(atPath: path)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IncidentLogError("cannot open \(path): \(String(cString: strerror(errno)))") }
        if created {
            try writeAll(IncidentLog.magic)
            try sync()
            try IncidentLog.syncDirectory(dir)
        }
    }

    deinit { close(fd) }

    /// Reads every intact record. A file that ends inside a frame, or whose last frames fail their
    /// checksum, is truncated after the last good frame and `repaired` says so.
    func replay() throws -> Replay {
        let bytes = try readAll()
        var out = Replay()
        guard bytes.count >= IncidentLog.magic.count else {
            try truncate(0)
            try writeAll(IncidentLog.magic)
            try sync()
            if !bytes.isEmpty { out.repaired = "\(path): header was torn (\(bytes.count) bytes); started an empty log" }
            return out
        }
        guard Array(bytes[0..<IncidentLog.magic.count]) == IncidentLog.magic else {
            throw IncidentLogError("\(path) is not an Osprey incidents log (bad header); move it away to start empty")
        }
        var at = IncidentLog.magic.count
        let decoder = JSONDecoder()
        while at < bytes.count {
            guard bytes.count - at >= 8 else { break }
            let length = Int(le32(bytes, at)), crc = le32(bytes, at + 4)
            guard length <= IncidentLog.recordBytesMax, bytes.count - at - 8 >= length else { break }
            let payload = bytes[(at + 8)..<(at + 8 + length)]
            guard CRC32C.checksum(payload) == crc,
                  let record = try? decoder.decode(Record.self, from: Data(payload)) else { break }
            out.records.append(record)
            at += 8 + length
        }
        if at < bytes.count {
            out.repaired = "\(path): cut \(bytes.count - at) bytes of a torn or corrupt record at offset \(at); \(out.records.count) records kept"
            try truncate(off_t(at))
            try sync()
        }
        _ = lseek(fd, 0, SEEK_END)
        return out
    }

    /// Appends one record and fsyncs it; when this returns, the record survives a crash.
    func append(_ record: Record) throws {
        let frame = try IncidentLog.frame(record)
        let end = lseek(fd, 0, SEEK_END)
        do {
            try writeAll(frame)
            try sync()
        } catch {
            // Leave no half frame behind for the next append to follow.
            _ = ftruncate(fd, end)
            throw error
        }
    }

    /// Replaces the log with `records`: written to a temporary file, fsynced, renamed over the log and
    /// the directory fsynced, so a crash leaves either the old log or the new one.
    func rewrite(_ records: [Record]) throws {
        let tmp = path + ".tmp"
        let dir = (path as NSString).deletingLastPathComponent
        let t = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard t >= 0 else { throw IncidentLogError("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        let old = fd
        fd = t
        do {
            try writeAll(IncidentLog.magic)
            for r in records { try writeAll(try IncidentLog.frame(r)) }
            try sync()
            guard rename(tmp, path) == 0 else { throw IncidentLogError("renaming \(tmp): \(String(cString: strerror(errno)))") }
            try IncidentLog.syncDirectory(dir)
        } catch {
            fd = old
            close(t)
            unlink(tmp)
            throw error
        }
        close(old)
    }

    static func frame(_ record: Record) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = Array(try encoder.encode(record))
        guard payload.count <= IncidentLog.recordBytesMax else {
            throw IncidentLogError("BUG: incidents log record of \(payload.count) bytes exceeds \(IncidentLog.recordBytesMax)")
        }
        var frame: [UInt8] = []
        frame.reserveCapacity(payload.count + 8)
        appendLE32(&frame, UInt32(payload.count))
        appendLE32(&frame, CRC32C.checksum(payload))
        frame += payload
        return frame
    }

    private func readAll() throws -> [UInt8] {
        _ = lseek(fd, 0, SEEK_SET)
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IncidentLogError("reading \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return out }
            out += buf[0..<n]
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var at = 0
        while at < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + at, $0.count - at) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IncidentLogError("writing \(path): \(String(cString: strerror(errno)))")
            }
            at += n
        }
    }

    private func sync() throws {
        guard fsync(fd) == 0 else { throw IncidentLogError("fsync \(path): \(String(cString: strerror(errno)))") }
    }

    private func truncate(_ size: off_t) throws {
        guard ftruncate(fd, size) == 0 else { throw IncidentLogError("truncating \(path): \(String(cString: strerror(errno)))") }
        _ = lseek(fd, 0, SEEK_END)
    }

    static func syncDirectory(_ dir: String) throws {
        let d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard d >= 0 else { throw IncidentLogError("cannot open directory \(dir): \(String(cString: strerror(errno)))") }
        defer { close(d) }
        guard fsync(d) == 0 else { throw IncidentLogError("fsync \(dir): \(String(cString: strerror(errno)))") }
    }
}

struct IncidentLogError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

private func le32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}

private func appendLE32(_ out: inout [UInt8], _ v: UInt32) {
    for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
}
