import Foundation

/// A WAL segment file read record by record, so tests can damage exactly one record.
/// Record layout (MetricStore/WAL/WAL.swift): `u8 type | u32 LE payload length | u32 LE crc32c | payload`.
struct WALSegment {
    static let headerBytes = 9

    struct Record {
        let offset: Int
        let type: UInt8
        let payloadBytes: Int
        var payloadOffset: Int { offset + WALSegment.headerBytes }
        var end: Int { payloadOffset + payloadBytes }
    }

    let path: String
    let bytes: [UInt8]
    let records: [Record]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw E2EError("cannot read WAL segment \(path)") }
        self.path = path
        bytes = [UInt8](data)
        var records: [Record] = []
        var at = 0
        while at + WALSegment.headerBytes <= bytes.count {
            let length = Int(bytes[at + 1]) | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) << 16 | Int(bytes[at + 4]) << 24
            guard at + WALSegment.headerBytes + length <= bytes.count else { break }
            records.append(Record(offset: at, type: bytes[at], payloadBytes: length))
            at += WALSegment.headerBytes + length
        }
        guard at == bytes.count else {
            throw E2EError("WAL segment \(path) does not parse as whole records: \(bytes.count - at) bytes left at offset \(at)")
        }
        self.records = records
    }

    var name: String { (path as NSString).lastPathComponent }
    var typeList: [UInt8] { records.map(\.type) }

    /// Overwrites the file.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
