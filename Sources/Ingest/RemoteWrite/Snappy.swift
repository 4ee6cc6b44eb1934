/// Snappy *block* format (the body of a Prometheus remote write request; not the framing format).
///
/// A block is `uvarint(uncompressed length)` followed by elements, each starting with a tag byte whose
/// low two bits give its kind:
///
/// | tag & 3 | element                | length                              | offset                        |
/// |---------|------------------------|-------------------------------------|-------------------------------|
/// | 0       | literal                | `tag>>2` + 1 if < 60, else 1–4 LE bytes after the tag hold length − 1 | — |
/// | 1       | copy, 1-byte offset    | `(tag>>2)&7` + 4 (4…11)             | `(tag>>5)<<8` + next byte     |
/// | 2       | copy, 2-byte offset    | `tag>>2` + 1 (1…64)                 | next 2 bytes, little endian   |
/// | 3       | copy, 4-byte offset    | `tag>>2` + 1 (1…64)                 | next 4 bytes, little endian   |
///
/// A copy repeats `length` bytes starting `offset` bytes back in the output; it may overlap itself
/// (offset < length repeats a pattern).
///
/// ```swift
/// let packed = Snappy.compress(bytes)
/// let unpacked = try packed.withUnsafeBytes { try Snappy.decompress($0, maxOutputBytes: 1 << 20) }
/// ```
public enum Snappy {
    /// Largest length the block header can declare (a 32-bit varint).
    public static let uncompressedBytesMax = Int(UInt32.max)

    /// Compresses `input` into one Snappy block. Matches are found with a hash table of 4-byte
    /// sequences inside independent 64 KiB windows, so every copy uses a 1- or 2-byte offset.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        precondition(input.count <= uncompressedBytesMax, "Snappy.compress: input of \(input.count) bytes is over the format's 4 GiB limit")
        let capacity = maxCompressedLength(input.count)
        return input.withUnsafeBytes { src in
            [UInt8](unsafeUninitializedCapacity: capacity) { out, written in
                written = SnappyCompressor.compress(src, into: UnsafeMutableRawPointer(out.baseAddress!))
                precondition(written <= capacity, "BUG: Snappy.compress wrote \(written) bytes into a buffer of \(capacity)")
            }
        }
    }

    /// Worst-case compressed size of `n` bytes: varint header, then at most 3 tag bytes per 64 KiB window of literals.
    public static func maxCompressedLength(_ n: Int) -> Int {
        32 + n + n / 6
    }

    /// The uncompressed length declared in the block header.
    public static func uncompressedLength(_ input: UnsafeRawBufferPointer) throws(SnappyError) -> Int {
        try readHeader(input).length
    }

    /// Decompresses one Snappy block. Fails, without reading outside `input`, when the header declares
    /// more than `maxOutputBytes` or the elements do not produce exactly the declared length.
    public static func decompress(_ input: UnsafeRawBufferPointer, maxOutputBytes: Int) throws(SnappyError) -> [UInt8] {
        let length = try uncompressedLength(input)
        guard length <= maxOutputBytes else {
            throw SnappyError(.lengthOverLimit(declared: length, max: maxOutputBytes), at: 0)
        }
        return try [UInt8](unsafeUninitializedCapacity: length) { (out, written) throws(SnappyError) in
            written = try decompress(input, into: UnsafeMutableRawBufferPointer(out))
        }
    }

    /// Decompresses one Snappy block into `out`, which must hold at least `uncompressedLength(input)`
    /// bytes (a shorter `out` is reported as `lengthOverLimit`); returns that length.
    public static func decompress(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws(SnappyError) -> Int {
        let (length, headerBytes) = try readHeader(input)
        guard length <= out.count else {
            throw SnappyError(.lengthOverLimit(declared: length, max: out.count), at: 0)
        }
        if length == 0 {
            guard headerBytes == input.count else { throw SnappyError(.trailingInput(declared: 0), at: headerBytes) }
            return 0
        }
        let target = UnsafeMutableBufferPointer(start: out.baseAddress!.assumingMemoryBound(to: UInt8.self), count: length)
        try SnappyDecompressor.run(input, from: headerBytes, into: target)
        return length
    }

    static func readHeader(_ input: UnsafeRawBufferPointer) throws(SnappyError) -> (length: Int, bytes: Int) {
        var value: UInt64 = 0
        var i = 0
        while i < input.count && i < 5 {
            let b = input[i]
            value |= UInt64(b & 0x7f) << (7 * UInt64(i))
            i += 1
            if b < 0x80 {
                guard value <= UInt64(uncompressedBytesMax) else { throw SnappyError(.badLengthHeader, at: 0) }
                return (Int(value), i)
            }
        }
        throw SnappyError(.badLengthHeader, at: 0)
    }
}

/// What was wrong with a Snappy block, and the input byte offset where it was found.
public struct SnappyError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The leading uvarint is missing, truncated, longer than 5 bytes or over 2^32 − 1.
        case badLengthHeader
        case lengthOverLimit(declared: Int, max: Int)
        /// A literal's length bytes run past the end of the input.
        case truncatedLiteralLength
        /// A literal's data runs past the end of the input.
        case literalPastInput(length: Int)
        /// A copy's offset bytes run past the end of the input.
        case truncatedCopy
        case copyOffsetZero
        case copyBeforeStart(offset: Int, outputPosition: Int)
        /// An element would write past the declared length.
        case outputOverrun(declared: Int, needed: Int)
        /// The input ended before the declared length was produced.
        case outputShort(declared: Int, produced: Int)
        /// Input bytes remain after the declared length was produced (every element produces at least one
        /// byte, so for a non-empty block this is reported as `outputOverrun` by the element that follows).
        case trailingInput(declared: Int)
    }

    public let kind: Kind
    /// Offset into the compressed input of the element (or header) that is wrong.
    public let inputOffset: Int

    public init(_ kind: Kind, at inputOffset: Int) {
        self.kind = kind
        self.inputOffset = inputOffset
    }

    public var description: String {
        switch kind {
        case .badLengthHeader:
            return "bad uncompressed-length varint at input byte \(inputOffset) (missing, truncated, or over 2^32-1)"
        case let .lengthOverLimit(declared, max):
            return "declared uncompressed length \(declared) at input byte \(inputOffset) is over the limit of \(max) bytes"
        case .truncatedLiteralLength:
            return "literal at input byte \(inputOffset) is truncated (length bytes past the end of the input)"
        case let .literalPastInput(length):
            return "literal of \(length) bytes at input byte \(inputOffset) runs past the end of the input"
        case .truncatedCopy:
            return "copy at input byte \(inputOffset) is truncated (offset bytes past the end of the input)"
        case .copyOffsetZero:
            return "copy offset 0 at input byte \(inputOffset)"
        case let .copyBeforeStart(offset, position):
            return "copy offset \(offset) at input byte \(inputOffset) points before the start of the output (only \(position) bytes written)"
        case let .outputOverrun(declared, needed):
            return "output length mismatch: element at input byte \(inputOffset) needs \(needed) output bytes but the header declared \(declared)"
        case let .outputShort(declared, produced):
            return "output length mismatch: input ended at byte \(inputOffset) after \(produced) of the \(declared) declared bytes"
        case let .trailingInput(declared):
            return "output length mismatch: \(declared) declared bytes produced but input continues at byte \(inputOffset)"
        }
    }
}

// MARK: - Decompression

enum SnappyDecompressor {
    /// Fills `out` (exactly the declared length) from the elements in `input[start...]`.
    /// Every read is checked against the input end and every write against the output end before it happens.
    static func run(_ input: UnsafeRawBufferPointer, from start: Int, into out: UnsafeMutableBufferPointer<UInt8>) throws(SnappyError) {
        guard let inBase = input.baseAddress, let outBase = out.baseAddress else {
            throw SnappyError(.outputShort(declared: out.count, produced: 0), at: start)
        }
        let src = inBase.assumingMemoryBound(to: UInt8.self)
        let inEnd = input.count
        let dst = outBase
        let outEnd = out.count
        var ip = start
        var op = 0

        while ip < inEnd {
            let elementStart = ip
            let tag = Int(src[ip])
            ip += 1
            switch tag & 3 {
            case 0:
                var length = tag >> 2
                if length >= 60 {
                    let extra = length - 59
                    guard extra <= inEnd - ip else { throw SnappyError(.truncatedLiteralLength, at: elementStart) }
                    length = 0
                    for k in 0..<extra { length |= Int(src[ip + k]) << (8 * k) }
                    ip += extra
                }
                length += 1
                guard length <= inEnd - ip else { throw SnappyError(.literalPastInput(length: length), at: elementStart) }
                guard length <= outEnd - op else {
                    throw SnappyError(.outputOverrun(declared: outEnd, needed: op + length), at: elementStart)
                }
                if length <= 16 && inEnd - ip >= 16 && outEnd - op >= 16 {
                    // Short literal with slack on both sides: two unaligned 8-byte moves, no loop.
                    let s = UnsafeRawPointer(src + ip), d = UnsafeMutableRawPointer(dst + op)
                    d.storeBytes(of: s.loadUnaligned(as: UInt64.self), as: UInt64.self)
                    d.storeBytes(of: s.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
                } else {
                    UnsafeMutableRawPointer(dst + op).copyMemory(from: src + ip, byteCount: length)
                }
                ip += length
                op += length
            case 1:
                guard ip < inEnd else { throw SnappyError(.truncatedCopy, at: elementStart) }
                let length = 4 + ((tag >> 2) & 7)
                let offset = ((tag >> 5) << 8) | Int(src[ip])
                ip += 1
                try copy(dst, op: &op, outEnd: outEnd, offset: offset, length: length, at: elementStart)
            case 2:
                guard 2 <= inEnd - ip else { throw SnappyError(.truncatedCopy, at: elementStart) }
                let length = 1 + (tag >> 2)
                let offset = Int(src[ip]) | Int(src[ip + 1]) << 8
                ip += 2
                try copy(dst, op: &op, outEnd: outEnd, offset: offset, length: length, at: elementStart)
            default:
                guard 4 <= inEnd - ip else { throw SnappyError(.truncatedCopy, at: elementStart) }
                let length = 1 + (tag >> 2)
                let offset = Int(src[ip]) | Int(src[ip + 1]) << 8 | Int(src[ip + 2]) << 16 | Int(src[ip + 3]) << 24
                ip += 4
                try copy(dst, op: &op, outEnd: outEnd, offset: offset, length: length, at: elementStart)
            }
        }
        guard op == outEnd else { throw SnappyError(.outputShort(declared: outEnd, produced: op), at: ip) }
    }

    @inline(__always)
    static func copy(
        _ dst: UnsafeMutablePointer<UInt8>, op: inout Int, outEnd: Int, offset: Int, length: Int, at elementStart: Int
    ) throws(SnappyError) {
        guard offset != 0 else { throw SnappyError(.copyOffsetZero, at: elementStart) }
        guard offset <= op else { throw SnappyError(.copyBeforeStart(offset: offset, outputPosition: op), at: elementStart) }
        guard length <= outEnd - op else {
            throw SnappyError(.outputOverrun(declared: outEnd, needed: op + length), at: elementStart)
        }
        let from = UnsafeMutableRawPointer(dst + (op - offset))
        let to = UnsafeMutableRawPointer(dst + op)
        if offset >= 8 && outEnd - op >= length + 8 {
            // Sequential 8-byte moves are exact when the source is at least 8 bytes back: each load only
            // sees bytes an earlier store already wrote correctly. The last move may spill up to 7 bytes
            // past the copy, inside the output; later elements overwrite them.
            var k = 0
            repeat {
                to.storeBytes(of: from.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
                k += 8
            } while k < length
        } else if offset >= length {
            to.copyMemory(from: from, byteCount: length)
        } else {
            // Overlapping copy: the pattern [from, to) doubles with every non-overlapping move.
            var done = 0
            while done < length {
                let n = min(offset + done, length - done)
                (to + done).copyMemory(from: from, byteCount: n)
                done += n
            }
        }
        op += length
    }
}

// MARK: - Compression

enum SnappyCompressor {
    /// Matches never reach further back than one window, so 2-byte offsets always suffice.
    static let windowBytes = 1 << 16
    /// 2^14 UInt16 entries = 32 KiB, the table size the reference implementation settled on for 64 KiB windows.
    static let hashTableBitsMax = 14
    /// Windows shorter than this are emitted as one literal: a match search cannot pay for itself.
    static let minMatchSearchBytes = 16

    /// Compresses `src` into `out` (which holds at least `Snappy.maxCompressedLength(src.count)` bytes); returns the bytes written.
    static func compress(_ src: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Int {
        var op = 0
        var n = UInt64(src.count)
        while n >= 0x80 {
            out.storeBytes(of: UInt8(truncatingIfNeeded: n) | 0x80, toByteOffset: op, as: UInt8.self)
            op += 1
            n >>= 7
        }
        out.storeBytes(of: UInt8(n), toByteOffset: op, as: UInt8.self)
        op += 1
        guard let base = src.baseAddress, src.count > 0 else { return op }

        let table = UnsafeMutablePointer<UInt16>.allocate(capacity: 1 << hashTableBitsMax)
        defer { table.deallocate() }
        var start = 0
        while start < src.count {
            let length = min(windowBytes, src.count - start)
            op = compressWindow(base + start, length, out, op, table)
            start += length
        }
        return op
    }

    @inline(__always)
    static func load32(_ p: UnsafeRawPointer, _ i: Int) -> UInt32 {
        p.loadUnaligned(fromByteOffset: i, as: UInt32.self)
    }

    @inline(__always)
    static func hash(_ v: UInt32, _ shift: UInt32) -> Int {
        Int((v &* 0x1E35_A7BD) >> shift)
    }

    static func compressWindow(
        _ w: UnsafeRawPointer, _ length: Int, _ out: UnsafeMutableRawPointer, _ opStart: Int, _ table: UnsafeMutablePointer<UInt16>
    ) -> Int {
        var op = opStart
        guard length >= minMatchSearchBytes else {
            return emitLiteral(w, 0, length, out, op)
        }
        var tableBits = 8
        while tableBits < hashTableBitsMax && (1 << tableBits) < length { tableBits += 1 }
        table.initialize(repeating: 0, count: 1 << tableBits)
        let shift = UInt32(32 - tableBits)

        // Last position a 4-byte load may start at.
        let ipLimit = length - 4
        var ip = 1
        var nextEmit = 0
        outer: while true {
            // Probe for a 4-byte match; after 32 misses in a row the stride grows by one byte, so
            // incompressible data is skipped over quickly.
            var skip = 32
            var candidate = 0
            while true {
                if ip > ipLimit { break outer }
                let cur = load32(w, ip)
                let h = hash(cur, shift)
                candidate = Int(table[h])
                table[h] = UInt16(truncatingIfNeeded: ip)
                if load32(w, candidate) == cur && candidate < ip { break }
                ip += skip >> 5
                skip += 1
            }
            if nextEmit < ip { op = emitLiteral(w, nextEmit, ip - nextEmit, out, op) }
            // Emit the match, then keep emitting copies while the position right after one also matches.
            while true {
                let matchEnd = extendMatch(w, candidate + 4, ip + 4, length)
                op = emitCopy(offset: ip - candidate, length: matchEnd - ip, out, op)
                ip = matchEnd
                nextEmit = ip
                if ip > ipLimit { break outer }
                table[hash(load32(w, ip - 1), shift)] = UInt16(truncatingIfNeeded: ip - 1)
                let cur = load32(w, ip)
                let h = hash(cur, shift)
                candidate = Int(table[h])
                table[h] = UInt16(truncatingIfNeeded: ip)
                if load32(w, candidate) != cur || candidate >= ip { break }
            }
            ip += 1
        }
        if nextEmit < length { op = emitLiteral(w, nextEmit, length - nextEmit, out, op) }
        return op
    }

    /// First position at or after `b` where `w[a...]` and `w[b...]` differ (a < b), or `end`.
    @inline(__always)
    static func extendMatch(_ w: UnsafeRawPointer, _ a: Int, _ b: Int, _ end: Int) -> Int {
        var a = a, b = b
        while b + 8 <= end {
            let x = w.loadUnaligned(fromByteOffset: a, as: UInt64.self) ^ w.loadUnaligned(fromByteOffset: b, as: UInt64.self)
            if x != 0 { return b + UInt64(littleEndian: x).trailingZeroBitCount >> 3 }
            a += 8
            b += 8
        }
        while b < end && w.load(fromByteOffset: a, as: UInt8.self) == w.load(fromByteOffset: b, as: UInt8.self) {
            a += 1
            b += 1
        }
        return b
    }

    @inline(__always)
    static func emitLiteral(_ w: UnsafeRawPointer, _ from: Int, _ length: Int, _ out: UnsafeMutableRawPointer, _ opStart: Int) -> Int {
        var op = opStart
        let n = length - 1
        if n < 60 {
            out.storeBytes(of: UInt8(n << 2), toByteOffset: op, as: UInt8.self)
            op += 1
        } else {
            var extra = 1
            while extra < 4 && n >> (8 * extra) != 0 { extra += 1 }
            out.storeBytes(of: UInt8((59 + extra) << 2), toByteOffset: op, as: UInt8.self)
            op += 1
            for k in 0..<extra {
                out.storeBytes(of: UInt8(truncatingIfNeeded: n >> (8 * k)), toByteOffset: op, as: UInt8.self)
                op += 1
            }
        }
        (out + op).copyMemory(from: w + from, byteCount: length)
        return op + length
    }

    @inline(__always)
    static func emitCopy(offset: Int, length: Int, _ out: UnsafeMutableRawPointer, _ opStart: Int) -> Int {
        var op = opStart
        var length = length
        // Split so that every piece is 4…64 bytes long.
        while length >= 68 {
            op = emitCopy2(offset, 64, out, op)
            length -= 64
        }
        if length > 64 {
            op = emitCopy2(offset, 60, out, op)
            length -= 60
        }
        if length < 12 && offset < 2048 {
            out.storeBytes(of: UInt8(1 | ((length - 4) << 2) | ((offset >> 8) << 5)), toByteOffset: op, as: UInt8.self)
            out.storeBytes(of: UInt8(truncatingIfNeeded: offset), toByteOffset: op + 1, as: UInt8.self)
            return op + 2
        }
        return emitCopy2(offset, length, out, op)
    }

    @inline(__always)
    static func emitCopy2(_ offset: Int, _ length: Int, _ out: UnsafeMutableRawPointer, _ op: Int) -> Int {
        out.storeBytes(of: UInt8(2 | ((length - 1) << 2)), toByteOffset: op, as: UInt8.self)
        out.storeBytes(of: UInt8(truncatingIfNeeded: offset), toByteOffset: op + 1, as: UInt8.self)
        out.storeBytes(of: UInt8(truncatingIfNeeded: offset >> 8), toByteOffset: op + 2, as: UInt8.self)
        return op + 3
    }
}
