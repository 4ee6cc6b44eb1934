import Foundation
import Logging

/// Reads WAL segments and checkpoints, repairing what a crash or a bad disk left behind:
/// a record whose checksum fails is dropped (and the file rewritten without it); a torn or
/// unparseable tail is truncated. Every repair is logged with file, offset and bytes dropped.
struct WALReader {
    let logger: Logger

    struct Damage: CustomStringConvertible {
        var file: String
        var offset: Int
        var bytes: Int
        var what: String
        var description: String { "\(file) at offset \(offset): \(what); dropped \(bytes) bytes" }
    }

    /// Reads every intact record of the file at `path`, in order. Repairs the file in place if needed.
    func read(_ path: String, _ body: (WALRecordType, ArraySlice<UInt8>) throws -> Void) throws -> [Damage] {
        let bytes = try FileIO.readAll(path)
        var damages: [Damage] = []
        var keep: [Range<Int>] = []
        var offset = 0
        let name = (path as NSString).lastPathComponent
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= WAL.headerBytes else {
                damages.append(Damage(file: name, offset: offset, bytes: remaining, what: "torn record header (\(remaining) of \(WAL.headerBytes) bytes)"))
                break
            }
            let rawType = bytes[offset]
            let length = Int(readLE32(bytes, offset + 1))
            let crc = readLE32(bytes, offset + 5)
            let typeKnown = WALRecordType(rawValue: rawType) != nil
            guard typeKnown, length <= WAL.recordBytesMax else {
                damages.append(Damage(file: name, offset: offset, bytes: remaining, what: "unreadable record header (type \(rawType), length \(length)); truncated the rest of the file"))
                break
            }
            guard offset + WAL.headerBytes + length <= bytes.count else {
                damages.append(Damage(file: name, offset: offset, bytes: remaining, what: "torn record (\(length)-byte payload, \(remaining - WAL.headerBytes) present)"))
                break
            }
            let payloadRange = (offset + WAL.headerBytes)..<(offset + WAL.headerBytes + length)
            let actual = bytes[payloadRange].withUnsafeBytes { CRC32C.checksum($0, initial: CRC32C.checksum([rawType])) }
            if actual != crc {
                let next = payloadRange.upperBound
                if next == bytes.count || looksLikeHeader(bytes, next) {
                    damages.append(Damage(file: name, offset: offset, bytes: WAL.headerBytes + length, what: "record of type \(rawType) fails its checksum"))
                    offset = next
                    continue
                }
                damages.append(Damage(file: name, offset: offset, bytes: remaining, what: "record fails its checksum and no record follows it; truncated the rest of the file"))
                break
            }
            try body(WALRecordType(rawValue: rawType)!, bytes[payloadRange])
            keep.append(offset..<payloadRange.upperBound)
            offset = payloadRange.upperBound
        }
        if !damages.isEmpty {
            var repaired: [UInt8] = []
            repaired.reserveCapacity(bytes.count)
            for r in keep { repaired.append(contentsOf: bytes[r]) }
            try FileIO.writeFileAtomically(path, repaired)
            for d in damages { logger.warning("WAL repaired", metadata: ["damage": "\(d)"]) }
        }
        return damages
    }

    private func looksLikeHeader(_ bytes: [UInt8], _ at: Int) -> Bool {
        guard at + WAL.headerBytes <= bytes.count, WALRecordType(rawValue: bytes[at]) != nil else { return false }
        let length = Int(readLE32(bytes, at + 1))
        guard at + WAL.headerBytes + length <= bytes.count else { return false }
        let crc = readLE32(bytes, at + 5)
        let range = (at + WAL.headerBytes)..<(at + WAL.headerBytes + length)
        return bytes[range].withUnsafeBytes { CRC32C.checksum($0, initial: CRC32C.checksum([bytes[at]])) } == crc
    }
}

@inline(__always)
func readLE32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}
