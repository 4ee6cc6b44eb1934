import OspreyCore

/// Builds remote write protobuf field by field, for requests `RemoteWriteEncoder` would never
/// produce (invalid UTF-8, empty or repeated label names, truncated fields).
struct ProtobufBuilder {
    var bytes: [UInt8] = []

    mutating func tag(_ field: Int, _ wireType: Int) { appendUVarint(&bytes, UInt64(field << 3 | wireType)) }

    mutating func data(_ field: Int, _ value: [UInt8]) {
        tag(field, 2)
        appendUVarint(&bytes, UInt64(value.count))
        bytes += value
    }

    mutating func message(_ field: Int, _ build: (inout ProtobufBuilder) -> Void) {
        var inner = ProtobufBuilder()
        build(&inner)
        data(field, inner.bytes)
    }

    /// WriteRequest.timeseries (1).
    mutating func series(_ build: (inout ProtobufBuilder) -> Void) { message(1, build) }

    /// TimeSeries.labels (1) with raw name and value bytes.
    mutating func label(_ name: [UInt8], _ value: [UInt8]) { message(1) { $0.data(1, name); $0.data(2, value) } }
    mutating func label(_ name: String, _ value: String) { label(Array(name.utf8), Array(value.utf8)) }

    /// TimeSeries.samples (2): value (1, fixed64) and timestamp (2, varint).
    mutating func sample(_ t: Int64, _ v: Double) {
        message(2) { m in
            m.tag(1, 1)
            for k in 0..<8 { m.bytes.append(UInt8(truncatingIfNeeded: v.bitPattern >> (8 * k))) }
            m.tag(2, 0)
            appendUVarint(&m.bytes, UInt64(bitPattern: t))
        }
    }

    /// A well-formed series with these labels and one sample.
    mutating func series(_ labels: Labels, t: Int64 = 1_000, v: Double = 1) {
        series { s in
            for l in labels { s.label(l.name, l.value) }
            s.sample(t, v)
        }
    }
}
