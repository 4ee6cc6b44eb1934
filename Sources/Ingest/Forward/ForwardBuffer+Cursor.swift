import Foundation
import Logging

/// The cursor file: segment u64 LE | offset u64 LE | CRC-32 of those 16 bytes u32 LE.
extension ForwardBuffer {
    static let cursorBytes = 20

    static func readCursor(_ path: String, logger: Logger) -> ForwardPosition? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count == cursorBytes else {
            logger.warning("forward buffer: cursor file has the wrong size, resending from the oldest segment", metadata: ["file": "\(path)", "bytes": "\(bytes.count)"])
            return nil
        }
        return bytes.withUnsafeBytes { raw in
            let crc = ForwardRecord.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<16]), UnsafeRawBufferPointer(start: nil, count: 0))
            guard crc == UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)) else {
                logger.warning("forward buffer: cursor file checksum mismatch, resending from the oldest segment", metadata: ["file": "\(path)"])
                return nil
            }
            let offset = Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            return ForwardPosition(segment: UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)), offset: max(0, offset))
        }
    }

    /// Writes the cursor to a temporary file and renames it over the old one.
    static func writeCursor(_ directory: String, _ position: ForwardPosition, logger: Logger) {
        var bytes = [UInt8](repeating: 0, count: cursorBytes)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: position.segment.littleEndian, as: UInt64.self)
            raw.storeBytes(of: UInt64(bitPattern: position.offset).littleEndian, toByteOffset: 8, as: UInt64.self)
            let crc = ForwardRecord.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<16]), UnsafeRawBufferPointer(start: nil, count: 0))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: 16, as: UInt32.self)
        }
        let path = directory + "/" + cursorFile, tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            logger.error("forward buffer: cannot write the cursor", metadata: ["file": "\(tmp)", "error": "\(String(cString: strerror(errno)))"])
            return
        }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        Foundation.close(fd)
        guard written == cursorBytes, rename(tmp, path) == 0 else {
            logger.error("forward buffer: cannot write the cursor", metadata: ["file": "\(path)", "error": "\(String(cString: strerror(errno)))"])
            return
        }
    }
}
