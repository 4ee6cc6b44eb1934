import Foundation

/// A checked protobuf wire reader for the OTLP decoder: every read stays inside the enclosing
/// message's end, and every failure names the field path and byte offset. Varints and lengths go
/// through the same primitives as the remote write decoder (`Wire`).
struct OTLPProtoReader {
    let base: UnsafePointer<UInt8>
    let limits: OTLPLimits
    /// Where the reader is in the message tree, for error messages: `metrics[2].sum.data_points[1]`.
    var path: [String] = []
    var dataPoints = 0

    /// One field's tag as read: its number, wire type and where the tag started.
    struct Tag {
        let field: UInt64
        let wireType: Int
        let start: Int
    }

    func fail(_ what: String) -> OTLPDecodeError {
        OTLPDecodeError(path.isEmpty ? what : path.joined(separator: ".") + ": " + what)
    }

    func wire(_ failure: DecodeFailure) -> OTLPDecodeError {
        switch failure {
        case .wire(let problem, let at):
            switch problem {
            case .group(let field, let wireType):
                return fail("field \(field) at byte \(at) is a group (wire type \(wireType)); OTLP messages have no groups")
            default:
                return fail(problem.describe(at: at))
            }
        case .rejected(let message):
            return fail(message)
        }
    }

    /// Reads the next tag, or nil at `end`.
    func nextTag(_ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> Tag? {
        guard pos < end else { return nil }
        let start = pos
        let raw: UInt64
        do { raw = try Wire.readVarint(base, &pos, end) } catch { throw wire(error) }
        let field = raw >> 3
        let wireType = Int(raw & 7)
        guard field != 0 else { throw wire(.wire(.fieldNumberZero, at: start)) }
        switch wireType {
        case 3, 4: throw wire(.wire(.group(field: field, wireType: wireType), at: start))
        case 6, 7: throw wire(.wire(.invalidWireType(field: field, wireType: wireType), at: start))
        default: return Tag(field: field, wireType: wireType, start: start)
        }
    }

    func expect(_ tag: Tag, _ wireType: Int, _ name: String) throws(OTLPDecodeError) {
        guard tag.wireType == wireType else {
            throw wire(.wire(.wrongWireType(field: tag.field, name: name, got: tag.wireType, expected: wireType), at: tag.start))
        }
    }

    /// Skips a field this decoder does not read.
    func skip(_ tag: Tag, _ pos: inout Int, _ end: Int) throws(OTLPDecodeError) {
        switch tag.wireType {
        case 0: _ = try rawVarint(&pos, end)
        case 1, 5:
            let size = tag.wireType == 1 ? 8 : 4
            guard end - pos >= size else { throw wire(.wire(.fixedPastEnd(wireType: tag.wireType, field: tag.field), at: tag.start)) }
            pos += size
        default:
            pos = try length(tag, &pos, end)
        }
    }

    func rawVarint(_ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> UInt64 {
        do { return try Wire.readVarint(base, &pos, end) } catch { throw wire(error) }
    }

    /// Reads a length prefix; returns where the field's data ends, `pos` at its start.
    func length(_ tag: Tag, _ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> Int {
        do { return try Wire.readLength(base, &pos, end, tag.start) } catch { throw wire(error) }
    }

    func varint(_ tag: Tag, _ name: String, _ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> UInt64 {
        try expect(tag, 0, name)
        return try rawVarint(&pos, end)
    }

    func fixed64(_ tag: Tag, _ name: String, _ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> UInt64 {
        try expect(tag, 1, name)
        return try rawFixed64(tag, &pos, end)
    }

    func rawFixed64(_ tag: Tag, _ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> UInt64 {
        guard end - pos >= 8 else { throw wire(.wire(.fixedPastEnd(wireType: 1, field: tag.field), at: tag.start)) }
        let v = UInt64(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self))
        pos += 8
        return v
    }

    func double(_ tag: Tag, _ name: String, _ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> Double {
        Double(bitPattern: try fixed64(tag, name, &pos, end))
    }

    /// A length-delimited field's range; `pos` moves past it.
    func message(_ tag: Tag, _ name: String, _ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> Range<Int> {
        try expect(tag, 2, name)
        let fieldEnd = try length(tag, &pos, end)
        defer { pos = fieldEnd }
        return pos..<fieldEnd
    }

    /// A `string` field: must be valid UTF-8, as protobuf requires.
    func string(_ tag: Tag, _ name: String, _ pos: inout Int, _ end: Int) throws(OTLPDecodeError) -> String {
        let range = try message(tag, name, &pos, end)
        let bytes = UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw fail("field \(tag.field) (\(name)) at byte \(tag.start) is not valid UTF-8")
        }
        return s
    }

    /// A repeated fixed64 or double field, packed (one length-delimited run) or not (one value per tag).
    func repeatedFixed64(_ tag: Tag, _ name: String, _ pos: inout Int, _ end: Int, into out: inout [UInt64]) throws(OTLPDecodeError) {
        if tag.wireType == 1 {
            out.append(try rawFixed64(tag, &pos, end))
            return
        }
        let range = try message(tag, name, &pos, end)
        guard range.count % 8 == 0 else {
            throw fail("packed field \(tag.field) (\(name)) at byte \(tag.start) is \(range.count) bytes, not a multiple of 8")
        }
        var p = range.lowerBound
        while p < range.upperBound {
            out.append(UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)))
            p += 8
        }
    }

    /// Counts a data point against the request's limit.
    mutating func countPoint() throws(OTLPDecodeError) {
        dataPoints += 1
        guard dataPoints <= limits.dataPointsPerRequestMax else {
            throw fail("the request has more than \(limits.dataPointsPerRequestMax) data points (dataPointsPerRequestMax); send smaller batches")
        }
    }

    /// Runs `body` with `element` appended to the path.
    mutating func at<T>(_ element: String, _ body: (inout OTLPProtoReader) throws(OTLPDecodeError) -> T) throws(OTLPDecodeError) -> T {
        path.append(element)
        defer { path.removeLast() }
        return try body(&self)
    }
}
