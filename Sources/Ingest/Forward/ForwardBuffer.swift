import Foundation
import Logging

/// A place in the forward buffer: a segment and a byte offset in it.
struct ForwardPosition: Comparable, Sendable, CustomStringConvertible {
    var segment: UInt64
    var offset: Int64
    static func < (a: Self, b: Self) -> Bool { (a.segment, a.offset) < (b.segment, b.offset) }
    var description: String { "\(ForwardBuffer.segmentName(segment))@\(offset)" }
}

/// A record read back from the buffer, and where the record after it starts.
struct ForwardBufferRecord {
    let payload: [UInt8]
    let samples: Int
    let end: ForwardPosition
}

/// The bounded on-disk queue between `forward` and the sender of one remote.
///
/// Directory layout: segment files `00000000000000000001.seg`, ... of records (`ForwardRecord`), appended
/// with one `write` each (page cache: a process crash loses nothing, power loss may), and `cursor`, the
/// position up to which the remote has acknowledged (segment u64 LE, offset u64 LE, CRC-32 u32 LE),
/// replaced atomically by rename. A restart reads on from the cursor (at-least-once) and writes into a
/// new segment, so a torn tail is never appended to. Over `bytesMax` the oldest segments are deleted and
/// their unsent samples counted as dropped. Thread safe: appends come from ingest threads, reads and
/// commits from the sender.
final class ForwardBuffer: @unchecked Sendable {
    static let cursorFile = "cursor"
    static let segmentSuffix = ".seg"
    /// Segments are at most this big: deleting the oldest frees the space in steps of at most 64 MiB.
    static let segmentBytesMax: Int64 = 64 << 20
    /// ... and at most 1/16 of the bound, so the bound is kept within about 6 %.
    static let segmentsPerBound: Int64 = 16
    /// A segment is never smaller than this (tests use tiny bounds; real ones are far bigger).
    static let segmentBytesMin: Int64 = 4 << 10

    let directory: String
    let bytesMax: Int64
    let segmentBytesTarget: Int64
    private let logger: Logger
    private let lock = NSLock()
    /// Oldest first; the last one is being written.
    private var segments: [(id: UInt64, bytes: Int64)] = []
    private var writeFD: Int32 = -1
    private var readFD: (id: UInt64, fd: Int32)?
    private var readPos: ForwardPosition
    private var committed: ForwardPosition
    private var totalBytes: Int64 = 0
    private var closed = false
    /// Samples dropped in the current episode of being over the bound (nil when not over it).
    private var dropEpisode: Int?
    /// Called (under the buffer's lock) with the number of samples each bound enforcement dropped.
    private let onDrop: @Sendable (Int) -> Void

    init(directory: String, bytesMax: Int64, logger: Logger, onDrop: @escaping @Sendable (Int) -> Void = { _ in }) throws {
        self.directory = directory
        self.bytesMax = bytesMax
        self.segmentBytesTarget = max(Self.segmentBytesMin, min(Self.segmentBytesMax, bytesMax / Self.segmentsPerBound))
        self.logger = logger
        self.onDrop = onDrop
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var ids: [UInt64] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(Self.segmentSuffix) {
            if let id = UInt64(name.dropLast(Self.segmentSuffix.count)) { ids.append(id) }
        }
        ids.sort()
        let cursor = Self.readCursor(directory + "/" + Self.cursorFile, logger: logger) ?? ForwardPosition(segment: ids.first ?? 0, offset: 0)
        for id in ids {
            let path = Self.path(directory, id)
            let size = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? 0)
            if id < cursor.segment || size == 0 { unlink(path); continue }
            segments.append((id, size))
            totalBytes += size
        }
        if let first = segments.first, first.id > cursor.segment {
            readPos = ForwardPosition(segment: first.id, offset: 0)
        } else {
            readPos = cursor
        }
        committed = readPos
        try openNewSegment(id: max(segments.last?.id ?? 0, cursor.segment) + 1)
        if totalBytes > 0 {
            logger.info("forward buffer: resuming", metadata: ["directory": "\(directory)", "from": "\(readPos)", "bytes": "\(totalBytes)"])
        }
        lock.withLock { enforceBound() }
    }

    deinit {
        if writeFD >= 0 { Foundation.close(writeFD) }
        if let r = readFD { Foundation.close(r.fd) }
    }

    static func segmentName(_ id: UInt64) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + segmentSuffix
    }

    static func path(_ directory: String, _ id: UInt64) -> String { directory + "/" + segmentName(id) }

    /// Bytes in segment files.
    var bytes: Int64 { lock.withLock { totalBytes } }

    /// Appends one encoded record (`ForwardRecord.encode`). Errors (disk full) are logged and the record's
    /// samples counted as dropped; ingest never fails because a remote's buffer cannot take more.
    func append(_ record: [UInt8]) {
        precondition(record.count >= ForwardRecord.headerBytes, "BUG: forward record without a header")
        let samples = Int(record.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) })
        lock.withLock {
            guard !closed else { return }
            guard var last = segments.last, writeFD >= 0 else { onDrop(samples); return }
            let written = record.withUnsafeBytes { Foundation.write(writeFD, $0.baseAddress, $0.count) }
            guard written == record.count else {
                let reason = written < 0 ? String(cString: strerror(errno)) : "short write"
                _ = ftruncate(writeFD, off_t(last.bytes))
                logger.error("forward buffer: cannot write, samples dropped", metadata: [
                    "file": "\(Self.path(directory, last.id))", "error": "\(reason)", "samples": "\(samples)"])
                onDrop(samples)
                return
            }
            last.bytes += Int64(record.count)
            segments[segments.count - 1] = last
            totalBytes += Int64(record.count)
            if last.bytes >= segmentBytesTarget {
                do { try openNewSegment(id: last.id + 1) } catch {
                    logger.error("forward buffer: cannot start a new segment", metadata: ["error": "\(error)"])
                }
            }
            if totalBytes > bytesMax { enforceBound() }
        }
    }

    /// Reads the records after the last one read, up to about `bytesMax` bytes (at least one record when
    /// there is one). Damaged records (torn tail, bad checksum) are logged and the rest of their segment skipped.
    func read(bytesMax: Int) -> [ForwardBufferRecord] {
        lock.withLock {
            var out: [ForwardBufferRecord] = []
            var budget = bytesMax
            while budget > 0, let index = segments.firstIndex(where: { $0.id >= readPos.segment }) {
                let seg = segments[index]
                if seg.id != readPos.segment { readPos = ForwardPosition(segment: seg.id, offset: 0) }
                if readPos.offset >= seg.bytes {
                    guard index + 1 < segments.count else { break }
                    readPos = ForwardPosition(segment: segments[index + 1].id, offset: 0)
                    continue
                }
                guard let fd = readDescriptor(seg.id) else { skipSegment(seg, "cannot open it: \(String(cString: strerror(errno)))"); continue }
                var header = [UInt8](repeating: 0, count: ForwardRecord.headerBytes)
                guard readPos.offset + Int64(header.count) <= seg.bytes, pread(fd, &header, header.count, off_t(readPos.offset)) == header.count else {
                    skipSegment(seg, "torn record header"); continue
                }
                let length = Int(header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
                let samples = Int(header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) })
                let crc = header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
                let payloadAt = readPos.offset + Int64(header.count)
                guard payloadAt + Int64(length) <= seg.bytes else { skipSegment(seg, "torn record (\(length) bytes announced)"); continue }
                if !out.isEmpty && length > budget { break }
                var payload = [UInt8](repeating: 0, count: length)
                guard length == 0 || pread(fd, &payload, length, off_t(payloadAt)) == length else { skipSegment(seg, "short read"); continue }
                let actual = header.withUnsafeBytes { h in payload.withUnsafeBytes { ForwardRecord.checksum(UnsafeRawBufferPointer(rebasing: h[4..<8]), $0) } }
                guard actual == crc else { skipSegment(seg, "checksum mismatch"); continue }
                readPos.offset = payloadAt + Int64(length)
                out.append(ForwardBufferRecord(payload: payload, samples: samples, end: readPos))
                budget -= length + header.count
            }
            return out
        }
    }

    /// Records up to `position` reached the remote (or were given up on): persist the cursor and delete
    /// segments wholly before it.
    func commit(_ position: ForwardPosition) {
        lock.withLock {
            guard position > committed else { return }
            committed = position
            Self.writeCursor(directory, position, logger: logger)
            while segments.count > 1, segments[0].id < position.segment {
                removeOldest()
            }
            if dropEpisode != nil && totalBytes <= bytesMax / 2 { endDropEpisode() }
        }
    }

    /// Stops appending and persists the cursor.
    func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            if writeFD >= 0 { fsync(writeFD); Foundation.close(writeFD); writeFD = -1 }
            if let r = readFD { Foundation.close(r.fd); readFD = nil }
            Self.writeCursor(directory, committed, logger: logger)
        }
    }

    /// Whether every record written has been read.
    var isDrained: Bool {
        lock.withLock {
            guard let last = segments.last else { return true }
            return readPos.segment > last.id || (readPos.segment == last.id && readPos.offset >= last.bytes)
        }
    }

    // MARK: - under the lock

    private func openNewSegment(id: UInt64) throws {
        if writeFD >= 0 { Foundation.close(writeFD); writeFD = -1 }
        let path = Self.path(directory, id)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ForwardBufferError(message: "cannot create \(path): \(String(cString: strerror(errno)))") }
        writeFD = fd
        segments.append((id, 0))
    }

    private func readDescriptor(_ id: UInt64) -> Int32? {
        if let r = readFD, r.id == id { return r.fd }
        if let r = readFD { Foundation.close(r.fd); readFD = nil }
        let fd = open(Self.path(directory, id), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        readFD = (id, fd)
        return fd
    }

    private func skipSegment(_ seg: (id: UInt64, bytes: Int64), _ reason: String) {
        logger.warning("forward buffer: damaged record, skipping the rest of the segment", metadata: [
            "file": "\(Self.path(directory, seg.id))", "offset": "\(readPos.offset)", "reason": "\(reason)"])
        readPos = ForwardPosition(segment: seg.id, offset: seg.bytes)
    }

    private func removeOldest() {
        let seg = segments.removeFirst()
        unlink(Self.path(directory, seg.id))
        if let r = readFD, r.id == seg.id { Foundation.close(r.fd); readFD = nil }
        totalBytes -= seg.bytes
    }

    /// Deletes the oldest segments until the buffer is within its bound, counting their unread samples.
    private func enforceBound() {
        var dropped = 0
        while totalBytes > bytesMax && segments.count > 1 {
            let seg = segments[0]
            if seg.id >= readPos.segment {
                dropped += countSamples(seg, from: seg.id == readPos.segment ? readPos.offset : 0)
                readPos = ForwardPosition(segment: segments[1].id, offset: 0)
            }
            removeOldest()
        }
        guard dropped > 0 else { return }
        onDrop(dropped)
        if dropEpisode == nil {
            logger.warning("forward buffer full: dropping the oldest unsent samples until the remote catches up", metadata: [
                "directory": "\(directory)", "buffer_bytes_max": "\(bytesMax)", "samples": "\(dropped)"])
        }
        dropEpisode = (dropEpisode ?? 0) + dropped
    }

    private func endDropEpisode() {
        logger.notice("forward buffer back within its bound", metadata: ["directory": "\(directory)", "samples_dropped": "\(dropEpisode ?? 0)"])
        dropEpisode = nil
    }

    /// Samples in a segment's records from `offset` on, by walking the record headers.
    private func countSamples(_ seg: (id: UInt64, bytes: Int64), from offset: Int64) -> Int {
        let fd = open(Self.path(directory, seg.id), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { Foundation.close(fd) }
        var at = offset, total = 0
        var header = [UInt8](repeating: 0, count: 8)
        while at + Int64(ForwardRecord.headerBytes) <= seg.bytes, pread(fd, &header, 8, off_t(at)) == 8 {
            total += Int(header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) })
            at += Int64(ForwardRecord.headerBytes) + Int64(header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        }
        return total
    }
}

struct ForwardBufferError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
