import CZlib
import MetricStore

/// The bytes of one forward buffer record: a header and an `EncodedBatch` in a flat form that
/// `forward` writes with one allocation and no per-sample work beyond a copy.
///
/// ```
/// header:  payload_bytes u32 LE | sample_count u32 LE | crc32 u32 LE (zlib CRC-32 of sample_count bytes + payload)
/// payload: uvarint series_count
///          series_count × ( uvarint key_bytes | key (Labels.encoded) | uvarint n | n × ( t i64 LE | v f64 bits LE ) )
/// ```
enum ForwardRecord {
    static let headerBytes = 12
    /// One record holds at most this much payload; bigger batches are split between series. Keeps a record
    /// well inside the u32 length field and one read buffer of the sender small.
    static let payloadBytesTarget = 16 << 20

    /// Encodes `batch` as one or more complete records (header included), split between series.
    static func encode(_ batch: EncodedBatch) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var start = 0
        var bytes = 0
        for (i, s) in batch.series.enumerated() {
            let size = seriesBytes(s)
            if i > start && bytes + size > payloadBytesTarget {
                out.append(encode(batch, series: start..<i, seriesBytes: bytes))
                start = i
                bytes = 0
            }
            bytes += size
        }
        if start < batch.series.count { out.append(encode(batch, series: start..<batch.series.count, seriesBytes: bytes)) }
        return out
    }

    private static func seriesBytes(_ s: EncodedBatch.Series) -> Int {
        let key = Int(s.keyEnd - s.keyStart), n = Int(s.sampleEnd - s.sampleStart)
        return varintSize(key) + key + varintSize(n) + 16 * n
    }

    private static func encode(_ batch: EncodedBatch, series: Range<Int>, seriesBytes: Int) -> [UInt8] {
        let payload = varintSize(series.count) + seriesBytes
        let total = headerBytes + payload
        var samples = 0
        for i in series { samples += Int(batch.series[i].sampleEnd - batch.series[i].sampleStart) }
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, written in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            var p = headerBytes
            func varint(_ v: Int) {
                var v = UInt64(v)
                while v >= 0x80 { base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: p, as: UInt8.self); p += 1; v >>= 7 }
                base.storeBytes(of: UInt8(v), toByteOffset: p, as: UInt8.self); p += 1
            }
            varint(series.count)
            batch.keyBytes.withUnsafeBytes { keys in
                batch.timestamps.withUnsafeBufferPointer { ts in
                    batch.values.withUnsafeBufferPointer { vs in
                        for i in series {
                            let s = batch.series[i]
                            let keyLen = Int(s.keyEnd - s.keyStart)
                            varint(keyLen)
                            if keyLen > 0 { (base + p).copyMemory(from: keys.baseAddress! + Int(s.keyStart), byteCount: keyLen) }
                            p += keyLen
                            varint(Int(s.sampleEnd - s.sampleStart))
                            for j in Int(s.sampleStart)..<Int(s.sampleEnd) {
                                base.storeBytes(of: UInt64(bitPattern: ts[j]).littleEndian, toByteOffset: p, as: UInt64.self)
                                base.storeBytes(of: vs[j].bitPattern.littleEndian, toByteOffset: p + 8, as: UInt64.self)
                                p += 16
                            }
                        }
                    }
                }
            }
            precondition(p == total, "BUG: forward record wrote \(p) bytes, computed \(total)")
            base.storeBytes(of: UInt32(payload).littleEndian, toByteOffset: 0, as: UInt32.self)
            base.storeBytes(of: UInt32(samples).littleEndian, toByteOffset: 4, as: UInt32.self)
            let crc = checksum(UnsafeRawBufferPointer(start: base + 4, count: 4), UnsafeRawBufferPointer(start: base + headerBytes, count: payload))
            base.storeBytes(of: crc.littleEndian, toByteOffset: 8, as: UInt32.self)
            written = total
        }
    }

    /// CRC-32 of the sample count field followed by the payload.
    static func checksum(_ count: UnsafeRawBufferPointer, _ payload: UnsafeRawBufferPointer) -> UInt32 {
        var crc = crc32(0, count.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(count.count))
        if let p = payload.baseAddress, payload.count > 0 {
            crc = crc32(crc, p.assumingMemoryBound(to: UInt8.self), UInt32(payload.count))
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// Decodes a payload (checksum already verified); nil when it is not a valid encoding.
    static func decode(_ payload: [UInt8]) -> EncodedBatch? {
        payload.withUnsafeBytes { raw -> EncodedBatch? in
            var p = 0
            let n = raw.count
            func varint() -> Int? {
                var v: UInt64 = 0, shift: UInt64 = 0
                while p < n && shift < 64 {
                    let b = raw[p]; p += 1
                    v |= UInt64(b & 0x7f) << shift
                    if b < 0x80 { return v <= UInt64(Int32.max) ? Int(v) : nil }
                    shift += 7
                }
                return nil
            }
            guard let count = varint(), count <= n else { return nil }
            var batch = EncodedBatch()
            batch.series.reserveCapacity(count)
            for _ in 0..<count {
                guard let keyLen = varint(), keyLen <= n - p else { return nil }
                let keyStart = batch.keyBytes.count
                batch.keyBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[p..<p + keyLen]))
                p += keyLen
                guard let samples = varint(), samples <= (n - p) / 16 else { return nil }
                let sampleStart = batch.timestamps.count
                for _ in 0..<samples {
                    batch.timestamps.append(Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))))
                    batch.values.append(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self))))
                    p += 16
                }
                batch.series.append(.init(keyStart: Int32(keyStart), keyEnd: Int32(batch.keyBytes.count),
                                          sampleStart: Int32(sampleStart), sampleEnd: Int32(batch.timestamps.count)))
            }
            return p == n ? batch : nil
        }
    }

    @inline(__always)
    static func varintSize(_ v: Int) -> Int { (64 - (UInt64(v) | 1).leadingZeroBitCount + 6) / 7 }
}
