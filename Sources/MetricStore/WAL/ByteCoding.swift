import OspreyCore

/// Appends little-endian integers and varints to a byte array the caller owns.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func uvarint(_ v: UInt64) { appendUVarint(&bytes, v) }
    @inline(__always) mutating func varint(_ v: Int64) { appendUVarint(&bytes, zigzag(v)) }
    @inline(__always) mutating func u8(_ v: UInt8) { bytes.append(v) }
    @inline(__always) mutating func u32(_ v: UInt32) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { bytes.append(contentsOf: $0) }
    }
    @inline(__always) mutating func u64(_ v: UInt64) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { bytes.append(contentsOf: $0) }
    }
    mutating func bytesWithLength(_ b: some Collection<UInt8>) {
        uvarint(UInt64(b.count))
        bytes.append(contentsOf: b)
    }
    mutating func string(_ s: String) { bytesWithLength(Array(s.utf8)) }
}

/// Reads what `ByteWriter` wrote; every read fails (throws) instead of running past the end.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    private(set) var offset: Int

    struct Truncated: Error {}

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.offset = bytes.startIndex
    }

    var isAtEnd: Bool { offset >= bytes.endIndex }
    var remaining: Int { bytes.endIndex - offset }

    mutating func uvarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.endIndex {
            let b = bytes[offset]
            offset += 1
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw Truncated() }
        }
        throw Truncated()
    }

    mutating func varint() throws -> Int64 { unzigzag(try uvarint()) }

    mutating func u8() throws -> UInt8 {
        guard offset < bytes.endIndex else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws -> UInt32 {
        guard offset + 4 <= bytes.endIndex else { throw Truncated() }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }

    mutating func u64() throws -> UInt64 {
        guard offset + 8 <= bytes.endIndex else { throw Truncated() }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }

    mutating func bytesWithLength() throws -> ArraySlice<UInt8> {
        let raw = try uvarint()
        guard raw <= UInt64(bytes.endIndex - offset) else { throw Truncated() }
        let n = Int(raw)
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    mutating func string() throws -> String { String(decoding: try bytesWithLength(), as: UTF8.self) }
}
