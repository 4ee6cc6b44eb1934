import OspreyCore

/// A Gorilla-style chunk: delta-of-delta timestamps and XOR-compressed float values.
///
/// Layout (see docs/format/chunks.md): `u16 sampleCount` (big endian), then a bit stream:
/// sample 0 as `varint t, 64-bit value`; sample 1 as `uvarint Δt`, XOR value; sample n≥2 as
/// delta-of-delta in buckets (`0` | `10`+14 | `110`+17 | `1110`+20 | `1111`+64 bits) and an XOR value
/// (`0` same | `10` inside the previous window | `11` + 5 bits leading zeros + 6 bits length + bits).
/// Values are stored bit-exact, so NaN payloads (the staleness marker) survive.
public struct XORChunk: Sendable {
    public private(set) var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var count: Int {
        bytes.count < 2 ? 0 : Int(bytes[0]) << 8 | Int(bytes[1])
    }

    public func makeIterator() -> XORIterator { XORIterator(bytes) }

    public func samples() -> [Sample] {
        var it = makeIterator()
        var out: [Sample] = []
        out.reserveCapacity(count)
        while let s = it.next() { out.append(s) }
        return out
    }
}

/// Appends samples to an XOR chunk. Timestamps must strictly increase.
public struct XORAppender: Sendable {
    private var w: BitWriter
    public private(set) var count: Int = 0
    public private(set) var firstT: Int64 = 0
    public private(set) var lastT: Int64 = 0
    public private(set) var lastV: Double = 0
    private var lastDelta: Int64 = 0
    private var leading: UInt8 = 0xff
    private var trailing: UInt8 = 0

    public init() {
        w = BitWriter(bytes: [0, 0])
        w.bytes.reserveCapacity(32)
    }

    public var chunk: XORChunk { XORChunk(bytes: w.bytes) }
    public var byteCount: Int { w.bytes.count }

    public mutating func append(_ t: Int64, _ v: Double) {
        switch count {
        case 0:
            var tmp: [UInt8] = []
            appendUVarint(&tmp, zigzag(t))
            for b in tmp { w.writeBits(UInt64(b), 8) }
            w.writeBits(v.bitPattern, 64)
            firstT = t
        case 1:
            let delta = t - lastT
            precondition(delta > 0, "BUG: XOR chunk timestamps must increase")
            var tmp: [UInt8] = []
            appendUVarint(&tmp, UInt64(delta))
            for b in tmp { w.writeBits(UInt64(b), 8) }
            writeValue(v)
            lastDelta = delta
        default:
            let delta = t - lastT
            precondition(delta > 0, "BUG: XOR chunk timestamps must increase")
            let dod = delta - lastDelta
            switch dod {
            case 0:
                w.writeBit(false)
            case -(1 << 13) ... (1 << 13) - 1:
                w.writeBits(0b10, 2); w.writeBits(UInt64(bitPattern: dod), 14)
            case -(1 << 16) ... (1 << 16) - 1:
                w.writeBits(0b110, 3); w.writeBits(UInt64(bitPattern: dod), 17)
            case -(1 << 19) ... (1 << 19) - 1:
                w.writeBits(0b1110, 4); w.writeBits(UInt64(bitPattern: dod), 20)
            default:
                w.writeBits(0b1111, 4); w.writeBits(UInt64(bitPattern: dod), 64)
            }
            writeValue(v)
            lastDelta = delta
        }
        lastT = t
        lastV = v
        count += 1
        w.bytes[0] = UInt8(count >> 8)
        w.bytes[1] = UInt8(truncatingIfNeeded: count)
    }

    private mutating func writeValue(_ v: Double) {
        let x = v.bitPattern ^ lastV.bitPattern
        if x == 0 {
            w.writeBit(false)
            return
        }
        w.writeBit(true)
        var lead = UInt8(x.leadingZeroBitCount)
        let trail = UInt8(x.trailingZeroBitCount)
        if lead >= 32 { lead = 31 }  // 5 bits hold at most 31
        if leading != 0xff && lead >= leading && trail >= trailing {
            w.writeBit(false)
            w.writeBits(x >> UInt64(trailing), 64 - Int(leading) - Int(trailing))
            return
        }
        leading = lead
        trailing = trail
        w.writeBit(true)
        w.writeBits(UInt64(lead), 5)
        let sig = 64 - Int(lead) - Int(trail)
        w.writeBits(UInt64(sig & 63), 6)  // 64 is written as 0
        w.writeBits(x >> UInt64(trail), sig)
    }
}

/// Iterates an XOR chunk's samples in order. Stops early (returns nil) on a malformed chunk.
public struct XORIterator {
    private let storage: [UInt8]
    private var total = 0
    private var read = 0
    private var bitPosition = 16
    private var t: Int64 = 0
    private var v: UInt64 = 0
    private var delta: Int64 = 0
    private var leading = 0
    private var trailing = 0
    public private(set) var malformed = false

    init(_ bytes: [UInt8]) {
        storage = bytes
        total = bytes.count < 2 ? 0 : Int(bytes[0]) << 8 | Int(bytes[1])
    }

    public mutating func next() -> Sample? {
        guard read < total, !malformed else { return nil }
        let bytes = storage
        let result: Sample? = bytes.withUnsafeBytes { raw in
            var reader = BitReader(raw, bitPosition: bitPosition)
            defer { bitPosition = reader.position }
            switch read {
            case 0:
                guard let tz = reader.readUVarintAligned(), let vb = reader.readBits(64) else { return nil }
                t = unzigzag(tz)
                v = vb
            case 1:
                guard let d = readUVarintBits(&reader), readValue(&reader) else { return nil }
                delta = Int64(bitPattern: d)
                t &+= delta
            default:
                var prefix = 0
                while prefix < 4 {
                    guard let bit = reader.readBit() else { return nil }
                    if !bit { break }
                    prefix += 1
                }
                var dod: Int64 = 0
                let width = [0, 14, 17, 20, 64][prefix]
                if width > 0 {
                    guard let bits = reader.readBits(width) else { return nil }
                    dod = width == 64 ? Int64(bitPattern: bits) : signExtend(bits, width)
                }
                delta &+= dod
                t &+= delta
                guard readValue(&reader) else { return nil }
            }
            return Sample(t, Double(bitPattern: v))
        }
        if let s = result {
            read += 1
            return s
        }
        malformed = true
        return nil
    }

    private func readUVarintBits(_ reader: inout BitReader) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let b = reader.readBits(8) else { return nil }
            result |= (b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
    }

    private mutating func readValue(_ reader: inout BitReader) -> Bool {
        guard let changed = reader.readBit() else { return false }
        if !changed { return true }
        guard let newWindow = reader.readBit() else { return false }
        if newWindow {
            guard let l = reader.readBits(5), let s = reader.readBits(6) else { return false }
            leading = Int(l)
            var sig = Int(s)
            if sig == 0 { sig = 64 }
            trailing = 64 - leading - sig
            guard trailing >= 0 else { return false }
        }
        let sig = 64 - leading - trailing
        guard let bits = reader.readBits(sig) else { return false }
        v ^= bits << UInt64(trailing)
        return true
    }
}

@inline(__always)
func signExtend(_ bits: UInt64, _ width: Int) -> Int64 {
    let shift = UInt64(64 - width)
    return Int64(bitPattern: bits << shift) >> Int64(shift)
}
