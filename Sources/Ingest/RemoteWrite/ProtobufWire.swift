import OspreyCore
import Foundation

/// One label of the series being parsed, as byte ranges into the protobuf.
struct LabelRef {
    var nameStart: Int32
    var nameCount: Int32
    var valueStart: Int32
    var valueCount: Int32
    /// Position in the series as received, for error messages after sorting.
    var index: Int32
}

/// Which message the parser is inside, for error messages and for recognising known fields.
enum WireContext {
    case request, series, label, sample
}

/// Why parsing stopped. Wire problems are located (series, label, sample index) by the parser
/// afterwards; everything else carries its finished message.
enum DecodeFailure: Error {
    case wire(WireProblem, at: Int)
    case rejected(String)
}

enum WireProblem {
    case truncatedVarint
    case varintTooLong
    case lengthPastEnd(length: UInt64, bytesLeft: Int)
    case fixedPastEnd(wireType: Int, field: UInt64)
    case fieldNumberZero
    case wrongWireType(field: UInt64, name: String, got: Int, expected: Int)
    case group(field: UInt64, wireType: Int)
    case invalidWireType(field: UInt64, wireType: Int)

    func describe(at offset: Int) -> String {
        switch self {
        case .truncatedVarint:
            return "truncated varint at byte \(offset)"
        case .varintTooLong:
            return "varint longer than 10 bytes at byte \(offset)"
        case let .lengthPastEnd(length, left):
            return "length \(length) of the field at byte \(offset) runs past the end of its enclosing message (\(left) bytes left)"
        case let .fixedPastEnd(wireType, field):
            return "\(Wire.typeName(wireType)) field \(field) at byte \(offset) runs past the end of its enclosing message"
        case .fieldNumberZero:
            return "field number 0 at byte \(offset)"
        case let .wrongWireType(field, name, got, expected):
            return "field \(field) (\(name)) at byte \(offset) has wire type \(got) (\(Wire.typeName(got))), expected \(expected) (\(Wire.typeName(expected)))"
        case let .group(field, wireType):
            return "field \(field) at byte \(offset) is a group (wire type \(wireType)); remote write messages have no groups"
        case let .invalidWireType(field, wireType):
            return "invalid wire type \(wireType) for field \(field) at byte \(offset)"
        }
    }
}

/// Protobuf wire primitives over a raw buffer. Every read is checked against `end` (the end of the
/// enclosing message) before it happens. Static, so hot loops pass two registers, not a parser.
enum Wire {
    @inline(__always)
    static func readVarint(_ base: UnsafePointer<UInt8>, _ pos: inout Int, _ end: Int) throws(DecodeFailure) -> UInt64 {
        if pos < end {
            let b = base[pos]
            if b < 0x80 {
                pos += 1
                return UInt64(b)
            }
        }
        return try readVarintSlow(base, &pos, end)
    }

    static func readVarintSlow(_ base: UnsafePointer<UInt8>, _ pos: inout Int, _ end: Int) throws(DecodeFailure) -> UInt64 {
        let start = pos
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = pos
        if end - pos >= 10 {
            // Room for the longest varint: no end checks per byte (timestamps in ms are 6 bytes).
            repeat {
                let b = base[i]
                i += 1
                result |= UInt64(b & 0x7F) &<< shift
                if b < 0x80 {
                    pos = i
                    return result
                }
                shift += 7
            } while shift < 70
            throw .wire(.varintTooLong, at: start)
        }
        // Up to 10 bytes; as in Prometheus's decoder, bits past 64 in the 10th byte are dropped.
        while i < end && i - start < 10 {
            let b = base[i]
            i += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                pos = i
                return result
            }
            shift += 7
        }
        throw .wire(i - start >= 10 ? .varintTooLong : .truncatedVarint, at: start)
    }

    /// Reads a length prefix and returns where the field's data ends; `pos` is left at its start.
    @inline(__always)
    static func readLength(_ base: UnsafePointer<UInt8>, _ pos: inout Int, _ end: Int, _ tagStart: Int) throws(DecodeFailure) -> Int {
        let length = try readVarint(base, &pos, end)
        guard length <= UInt64(end - pos) else {
            throw .wire(.lengthPastEnd(length: length, bytesLeft: end - pos), at: tagStart)
        }
        return pos + Int(length)
    }

    static func skipField(
        _ base: UnsafePointer<UInt8>, _ tag: UInt64, _ pos: inout Int, _ end: Int, _ tagStart: Int, in context: WireContext
    ) throws(DecodeFailure) {
        let field = tag >> 3
        let wireType = Int(tag & 7)
        guard field != 0 else { throw .wire(.fieldNumberZero, at: tagStart) }
        switch wireType {
        case 3, 4: throw .wire(.group(field: field, wireType: wireType), at: tagStart)
        case 6, 7: throw .wire(.invalidWireType(field: field, wireType: wireType), at: tagStart)
        default: break
        }
        if let (name, expected) = knownField(field, in: context), expected != wireType {
            throw .wire(.wrongWireType(field: field, name: name, got: wireType, expected: expected), at: tagStart)
        }
        switch wireType {
        case 0:
            _ = try readVarint(base, &pos, end)
        case 1, 5:
            let size = wireType == 1 ? 8 : 4
            guard end - pos >= size else { throw .wire(.fixedPastEnd(wireType: wireType, field: field), at: tagStart) }
            pos += size
        case 2:
            pos = try readLength(base, &pos, end, tagStart)
        default:
            preconditionFailure("BUG: wire type \(wireType) got past the wire type check")
        }
    }

    /// Name and wire type of the fields the parser reads in each message.
    static func knownField(_ field: UInt64, in context: WireContext) -> (String, Int)? {
        switch (context, field) {
        case (.request, 1): return ("timeseries", 2)
        case (.request, 3): return ("metadata", 2)
        case (.series, 1): return ("labels", 2)
        case (.series, 2): return ("samples", 2)
        case (.series, 3): return ("exemplars", 2)
        case (.series, 4): return ("histograms", 2)
        case (.label, 1): return ("name", 2)
        case (.label, 2): return ("value", 2)
        case (.sample, 1): return ("value", 1)
        case (.sample, 2): return ("timestamp", 0)
        default: return nil
        }
    }

    static func typeName(_ t: Int) -> String {
        switch t {
        case 0: return "varint"
        case 1: return "fixed64"
        case 2: return "length-delimited"
        case 3: return "start group"
        case 4: return "end group"
        case 5: return "fixed32"
        default: return "invalid"
        }
    }
}
