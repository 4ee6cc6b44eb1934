import OspreyCore

/// Encodes Prometheus remote write v1 `WriteRequest`s (the layout is on `RemoteWriteDecoder`), for tests,
/// benchmarks and anything that forwards samples to a remote write receiver.
///
/// Every sample is written with both fields, even when zero, so `-0.0` and timestamp 0 round-trip
/// bit-exactly. The output size is computed first and the bytes are written into one exact allocation.
///
/// ```swift
/// let body = RemoteWriteEncoder.encodeSnappy([(labels: Labels(["__name__": "up"]), samples: [Sample(1000, 1)])])
/// ```
public enum RemoteWriteEncoder {
    /// The uncompressed protobuf.
    public static func encode(_ series: [(labels: Labels, samples: [Sample])]) -> [UInt8] {
        var seriesBodyBytes: [Int] = []
        seriesBodyBytes.reserveCapacity(series.count)
        var total = 0
        for s in series {
            let body = seriesBodySize(s.labels, s.samples)
            seriesBodyBytes.append(body)
            total += 1 + varintSize(body) + body
        }
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, written in
            var w = ProtobufWriter(buffer.baseAddress!)
            for (i, s) in series.enumerated() {
                w.byte(0x0A)  // WriteRequest.timeseries = 1
                w.varint(UInt64(seriesBodyBytes[i]))
                for label in s.labels {
                    var name = label.name
                    var value = label.value
                    name.withUTF8 { n in value.withUTF8 { v in w.label(n, v) } }
                }
                s.samples.withUnsafeBufferPointer { w.samples($0) }
            }
            written = w.position
            precondition(written == total, "BUG: RemoteWriteEncoder wrote \(written) bytes, computed \(total)")
        }
    }

    /// The protobuf, snappy block compressed: a remote write request body.
    public static func encodeSnappy(_ series: [(labels: Labels, samples: [Sample])]) -> [UInt8] {
        Snappy.compress(encode(series))
    }

    static func seriesBodySize(_ labels: Labels, _ samples: [Sample]) -> Int {
        var size = 0
        for label in labels {
            let body = labelBodySize(label.name.utf8.count, label.value.utf8.count)
            size += 1 + varintSize(body) + body
        }
        for sample in samples {
            size += 2 + sampleBodySize(UInt64(bitPattern: sample.t))
        }
        return size
    }

    @inline(__always)
    static func labelBodySize(_ nameBytes: Int, _ valueBytes: Int) -> Int {
        1 + varintSize(nameBytes) + nameBytes + 1 + varintSize(valueBytes) + valueBytes
    }

    /// At most 1 + 8 + 1 + 10 = 20 bytes, so the length prefix is always one byte.
    @inline(__always)
    static func sampleBodySize(_ t: UInt64) -> Int {
        10 + varintSize(t)
    }

    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int {
        // Bits needed, rounded up to 7-bit groups; 0 still takes one byte.
        (64 - (v | 1).leadingZeroBitCount + 6) / 7
    }

    @inline(__always)
    static func varintSize(_ v: Int) -> Int {
        varintSize(UInt64(v))
    }
}

/// Appends protobuf primitives at a raw position; the caller has sized the buffer exactly.
struct ProtobufWriter {
    let base: UnsafeMutablePointer<UInt8>
    var position = 0

    init(_ base: UnsafeMutablePointer<UInt8>) {
        self.base = base
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        base[position] = b
        position += 1
    }

    @inline(__always)
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            base[position] = UInt8(truncatingIfNeeded: v) | 0x80
            position += 1
            v >>= 7
        }
        base[position] = UInt8(v)
        position += 1
    }

    @inline(__always)
    mutating func fixed64(_ v: UInt64) {
        UnsafeMutableRawPointer(base + position).storeBytes(of: v.littleEndian, as: UInt64.self)
        position += 8
    }

    @inline(__always)
    mutating func bytes(_ b: UnsafeBufferPointer<UInt8>) {
        guard let src = b.baseAddress else { return }
        (base + position).update(from: src, count: b.count)
        position += b.count
    }

    /// One `TimeSeries.labels` entry (field 1): a Label message with name (1) and value (2).
    mutating func label(_ n: UnsafeBufferPointer<UInt8>, _ v: UnsafeBufferPointer<UInt8>) {
        byte(0x0A)  // TimeSeries.labels = 1
        varint(UInt64(RemoteWriteEncoder.labelBodySize(n.count, v.count)))
        byte(0x0A)  // Label.name = 1
        varint(UInt64(n.count))
        bytes(n)
        byte(0x12)  // Label.value = 2
        varint(UInt64(v.count))
        bytes(v)
    }

    /// `TimeSeries.samples` entries (field 2): value (1, fixed64) and timestamp (2, varint) each.
    mutating func samples(_ list: UnsafeBufferPointer<Sample>) {
        for sample in list {
            let t = UInt64(bitPattern: sample.t)
            byte(0x12)  // TimeSeries.samples = 2
            byte(UInt8(RemoteWriteEncoder.sampleBodySize(t)))
            byte(0x09)  // Sample.value = 1, fixed64
            fixed64(sample.v.bitPattern)
            byte(0x10)  // Sample.timestamp = 2, varint
            varint(t)
        }
    }
}
