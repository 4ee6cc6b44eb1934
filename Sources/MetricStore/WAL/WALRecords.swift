import OspreyCore

/// Payload encodings of WAL and checkpoint records (docs/format/wal.md).
enum WALRecords {
    // series: repeated { uvarint ref, uvarint keyLength, key }
    static func encodeSeries(_ series: [(ref: UInt32, key: [UInt8])]) -> [UInt8] {
        var w = ByteWriter(capacity: series.reduce(0) { $0 + $1.key.count + 8 })
        for s in series {
            w.uvarint(UInt64(s.ref))
            w.bytesWithLength(s.key)
        }
        return w.bytes
    }

    static func decodeSeries(_ p: ArraySlice<UInt8>) throws -> [(ref: UInt32, key: [UInt8])] {
        var r = ByteReader(p)
        var out: [(UInt32, [UInt8])] = []
        while !r.isAtEnd { out.append((UInt32(truncatingIfNeeded: try r.uvarint()), Array(try r.bytesWithLength()))) }
        return out
    }

    // samples: varint baseT, repeated { uvarint ref, varint t-baseT, u64 value bits }
    struct SamplesWriter {
        var w = ByteWriter(capacity: 1024)
        let baseT: Int64
        var count = 0
        init(baseT: Int64) {
            self.baseT = baseT
            w.varint(baseT)
        }
        @inline(__always)
        mutating func add(ref: UInt32, _ t: Int64, _ v: Double) {
            w.uvarint(UInt64(ref))
            w.varint(t &- baseT)
            w.u64(v.bitPattern)
            count += 1
        }
    }

    static func decodeSamples(_ p: ArraySlice<UInt8>, _ body: (UInt32, Int64, Double) -> Void) throws {
        var r = ByteReader(p)
        let base = try r.varint()
        while !r.isAtEnd {
            let ref = UInt32(truncatingIfNeeded: try r.uvarint())
            let t = try r.varint() &+ base
            body(ref, t, Double(bitPattern: try r.u64()))
        }
    }

    // tombstone: uvarint matcherCount, matchers { u8 kind, name, value }, varint mint, varint maxt
    static func encodeTombstone(_ matchers: [LabelMatcher], _ mint: Int64, _ maxt: Int64) -> [UInt8] {
        var w = ByteWriter()
        encodeMatchers(matchers, into: &w)
        w.varint(mint)
        w.varint(maxt)
        return w.bytes
    }

    static func decodeTombstone(_ p: ArraySlice<UInt8>) throws -> ([LabelMatcher], Int64, Int64) {
        var r = ByteReader(p)
        let matchers = try decodeMatchers(&r)
        return (matchers, try r.varint(), try r.varint())
    }

    static func encodeMatchers(_ matchers: [LabelMatcher], into w: inout ByteWriter) {
        let kinds: [LabelMatcher.Kind] = [.equal, .notEqual, .regexMatch, .regexNoMatch]
        w.uvarint(UInt64(matchers.count))
        for m in matchers {
            w.u8(UInt8(kinds.firstIndex(of: m.kind)!))
            w.string(m.name)
            w.string(m.value)
        }
    }

    static func decodeMatchers(_ r: inout ByteReader) throws -> [LabelMatcher] {
        let kinds: [LabelMatcher.Kind] = [.equal, .notEqual, .regexMatch, .regexNoMatch]
        let n = try r.uvarint()
        var out: [LabelMatcher] = []
        for _ in 0..<n {
            let k = Int(try r.u8())
            guard k < kinds.count else { throw ByteReader.Truncated() }
            out.append(try LabelMatcher(kinds[k], try r.string(), try r.string()))
        }
        return out
    }

    // chunk (checkpoint): uvarint ref, varint minT, varint maxT, bytes chunk
    static func encodeChunk(ref: UInt32, _ c: HeadChunk) -> [UInt8] {
        var w = ByteWriter(capacity: c.chunk.bytes.count + 24)
        w.uvarint(UInt64(ref))
        w.varint(c.minT)
        w.varint(c.maxT)
        w.bytesWithLength(c.chunk.bytes)
        return w.bytes
    }

    static func decodeChunk(_ p: ArraySlice<UInt8>) throws -> (UInt32, HeadChunk) {
        var r = ByteReader(p)
        let ref = UInt32(truncatingIfNeeded: try r.uvarint())
        let minT = try r.varint(), maxT = try r.varint()
        return (ref, HeadChunk(minT: minT, maxT: maxT, chunk: XORChunk(bytes: Array(try r.bytesWithLength()))))
    }
}
