import OspreyCore

extension RemoteWriteEncoder {
    /// The uncompressed protobuf of series given as series keys (`Labels.encoded`), transcoded straight
    /// from the key bytes without building `Labels`: the forwarding hot path.
    /// A key that is not a valid encoding is a programming error (keys come from the store's own form).
    public static func encode(keyed series: [(key: [UInt8], samples: [Sample])]) -> [UInt8] {
        var seriesBodyBytes: [Int] = []
        seriesBodyBytes.reserveCapacity(series.count)
        var total = 0
        for s in series {
            var body = 0
            forEachLabel(s.key) { n, v in
                let label = labelBodySize(n.count, v.count)
                body += 1 + varintSize(label) + label
            }
            for sample in s.samples { body += 2 + sampleBodySize(UInt64(bitPattern: sample.t)) }
            seriesBodyBytes.append(body)
            total += 1 + varintSize(body) + body
        }
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, written in
            var w = ProtobufWriter(buffer.baseAddress!)
            for (i, s) in series.enumerated() {
                w.byte(0x0A)  // WriteRequest.timeseries = 1
                w.varint(UInt64(seriesBodyBytes[i]))
                forEachLabel(s.key) { n, v in w.label(n, v) }
                s.samples.withUnsafeBufferPointer { w.samples($0) }
            }
            written = w.position
            precondition(written == total, "BUG: RemoteWriteEncoder wrote \(written) bytes, computed \(total)")
        }
    }

    /// Calls `body` with each label's name and value bytes of a `Labels.encoded` key.
    @inline(__always)
    static func forEachLabel(_ key: [UInt8], _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        key.withUnsafeBufferPointer { k in
            var p = 0
            @inline(__always) func field() -> UnsafeBufferPointer<UInt8> {
                var len = 0, shift = 0
                while true {
                    precondition(p < k.count && shift < 63, "BUG: series key is not a Labels.encoded form")
                    let b = k[p]; p += 1
                    len |= Int(b & 0x7f) << shift
                    if b < 0x80 { break }
                    shift += 7
                }
                precondition(len <= k.count - p, "BUG: series key is not a Labels.encoded form")
                defer { p += len }
                return UnsafeBufferPointer(rebasing: k[p..<p + len])
            }
            while p < k.count {
                let name = field()
                let value = field()
                body(name, value)
            }
        }
    }
}
