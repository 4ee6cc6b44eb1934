/// An append-only bit stream, most significant bit first, over a byte array the caller owns.
struct BitWriter {
    var bytes: [UInt8]
    /// Bits still free in the last byte (0...8; 8 when there is no partial byte).
    var freeBits: Int = 8

    init(bytes: [UInt8] = [], freeBits: Int = 8) {
        self.bytes = bytes
        self.freeBits = freeBits
    }

    @inline(__always)
    mutating func writeBit(_ bit: Bool) {
        if freeBits == 8 { bytes.append(0) ; freeBits = 8 }
        if bit { bytes[bytes.count - 1] |= UInt8(1) << UInt8(freeBits - 1) }
        freeBits -= 1
        if freeBits == 0 { freeBits = 8 }
    }

    /// Writes the low `count` bits of `value`, most significant first.
    @inline(__always)
    mutating func writeBits(_ value: UInt64, _ count: Int) {
        var remaining = count
        while remaining > 0 {
            if freeBits == 8 { bytes.append(0) }
            let take = min(remaining, freeBits)
            let shift = remaining - take
            let chunk = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & ((1 << UInt64(take)) - 1))
            bytes[bytes.count - 1] |= chunk << UInt8(freeBits - take)
            freeBits -= take
            remaining -= take
            if freeBits == 0 { freeBits = 8 }
        }
    }

    var bitCount: Int { bytes.count * 8 - (freeBits == 8 ? 0 : freeBits) }
}

/// Reads a stream written by `BitWriter`. Reading past the end yields `nil`.
struct BitReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int  // in bits
    let endBit: Int

    init(_ bytes: UnsafeRawBufferPointer, bitPosition: Int) {
        self.bytes = bytes
        self.position = bitPosition
        self.endBit = bytes.count * 8
    }

    @inline(__always)
    mutating func readBit() -> Bool? {
        guard position < endBit else { return nil }
        let byte = bytes[position >> 3]
        let bit = (byte >> UInt8(7 - (position & 7))) & 1
        position += 1
        return bit == 1
    }

    @inline(__always)
    mutating func readBits(_ count: Int) -> UInt64? {
        guard count > 0 else { return 0 }
        guard position + count <= endBit else { return nil }
        var result: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let byteIndex = position >> 3
            let bitOffset = position & 7
            let available = 8 - bitOffset
            let take = min(available, remaining)
            let byte = UInt64(bytes[byteIndex])
            let bits = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            result = (result << UInt64(take)) | bits
            position += take
            remaining -= take
        }
        return result
    }

    /// Reads an unsigned varint that starts on a byte boundary at the current position.
    mutating func readUVarintAligned() -> UInt64? {
        precondition(position & 7 == 0, "BUG: varint read off a byte boundary")
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < endBit {
            let b = bytes[position >> 3]
            position += 8
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }
}
