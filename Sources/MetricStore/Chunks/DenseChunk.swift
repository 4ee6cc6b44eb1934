import OspreyCore

/// The chunk encoding of persisted blocks. Chunk files are zstd-compressed in frames, so this
/// encoding aims at byte-aligned, repetitive output that zstd shrinks well rather than at bits:
///
/// ```
/// uvarint n | varint t0 | uvarint Δt1 | (n-2) × varint ΔΔt
/// u8 valueMode
///   0 (xor):      the XOR value bit stream of `XORChunk`, byte padded
///   1 (decimal):  u8 e | varint m0 | (n-1) × varint Δm      value = m / 10^e
///   2 (decimal2): u8 e | varint m0 | varint Δm1 | (n-2) × varint ΔΔm
/// ```
/// Decimal modes apply only when every value round-trips bit-exactly through m / 10^e; anything
/// else (NaN, stale markers, computed floats) uses the XOR mode.
enum DenseChunk {
    static let decimalExponentMax = 15
    static let pow10: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { acc, _ in acc * 10 } }

    static func encode(_ samples: ArraySlice<Sample>, into w: inout ByteWriter) {
        let n = samples.count
        w.uvarint(UInt64(n))
        guard n > 0 else { return }
        var prevT = samples.first!.t
        var prevDelta: Int64 = 0
        w.varint(prevT)
        for (i, s) in samples.dropFirst().enumerated() {
            let delta = s.t &- prevT
            if i == 0 { w.uvarint(UInt64(delta)) } else { w.varint(delta &- prevDelta) }
            prevDelta = delta
            prevT = s.t
        }
        if let (e, mantissas) = decimal(samples) {
            var d1 = ByteWriter(capacity: n * 2), d2 = ByteWriter(capacity: n * 2)
            d1.varint(mantissas[0]); d2.varint(mantissas[0])
            var prev = mantissas[0], prevD: Int64 = 0
            for i in 1..<n {
                let d = mantissas[i] &- prev
                d1.varint(d)
                if i == 1 { d2.varint(d) } else { d2.varint(d &- prevD) }
                prevD = d
                prev = mantissas[i]
            }
            let useSecond = d2.bytes.count < d1.bytes.count
            w.u8(useSecond ? 2 : 1)
            w.u8(UInt8(e))
            w.bytes.append(contentsOf: useSecond ? d2.bytes : d1.bytes)
            return
        }
        w.u8(0)
        // Reuse the XOR value stream: encode with synthetic timestamps 1, 2, 3… (Δ=1, so each costs one
        // bit) and store the whole XOR chunk; its timestamp bits are a negligible, constant cost.
        var app = XORAppender()
        for (i, s) in samples.enumerated() { app.append(Int64(i + 1), s.v) }
        w.bytesWithLength(app.chunk.bytes)
    }

    /// The smallest exponent e such that every value is exactly m/10^e with |m| < 2^53.
    static func decimal(_ samples: ArraySlice<Sample>) -> (Int, [Int64])? {
        var e = 0
        for s in samples {
            guard s.v.isFinite else { return nil }
            while e <= decimalExponentMax {
                let m = (s.v * pow10[e]).rounded()
                if abs(m) < 9.0e15, m / pow10[e] == s.v { break }
                e += 1
            }
            if e > decimalExponentMax { return nil }
        }
        var out: [Int64] = []
        out.reserveCapacity(samples.count)
        for s in samples {
            let scaled = (s.v * pow10[e]).rounded()
            guard abs(scaled) < 9.0e15 else { return nil }
            let m = Int64(scaled)
            guard (Double(m) / pow10[e]).bitPattern == s.v.bitPattern else { return nil }
            out.append(m)
        }
        return (e, out)
    }

    struct Malformed: Error {}

    static func decode(_ r: inout ByteReader, into out: inout [Sample], mint: Int64 = .min, maxt: Int64 = .max) throws {
        let raw = try r.uvarint()
        // Every sample takes at least one byte of timestamp, so a count beyond the bytes left is corrupt.
        guard raw < 1 << 24, raw <= UInt64(r.remaining) else { throw Malformed() }
        let n = Int(raw)
        guard n > 0 else { return }
        var ts = [Int64](repeating: 0, count: n)
        ts[0] = try r.varint()
        var delta: Int64 = 0
        for i in 1..<max(n, 1) {
            if i == 1 { delta = Int64(bitPattern: try r.uvarint()) } else { delta &+= try r.varint() }
            ts[i] = ts[i - 1] &+ delta
        }
        let mode = try r.u8()
        var values = [Double](repeating: 0, count: n)
        switch mode {
        case 1, 2:
            let e = Int(try r.u8())
            guard e <= decimalExponentMax else { throw Malformed() }
            var m = try r.varint()
            values[0] = Double(m) / pow10[e]
            var d: Int64 = 0
            for i in 1..<max(n, 1) {
                if mode == 1 || i == 1 { d = try r.varint() } else { d &+= try r.varint() }
                m &+= d
                values[i] = Double(m) / pow10[e]
            }
        case 0:
            let chunk = XORChunk(bytes: Array(try r.bytesWithLength()))
            guard chunk.count == n else { throw Malformed() }
            var it = chunk.makeIterator()
            for i in 0..<n {
                guard let s = it.next() else { throw Malformed() }
                values[i] = s.v
            }
        default:
            throw Malformed()
        }
        for i in 0..<n where ts[i] >= mint && ts[i] <= maxt { out.append(Sample(ts[i], values[i])) }
    }
}
