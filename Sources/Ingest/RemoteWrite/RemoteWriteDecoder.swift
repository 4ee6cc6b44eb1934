import OspreyCore
import Foundation

/// Limits a remote write request must stay within; a request over any of them is rejected whole.
public struct RemoteWriteLimits: Sendable {
    public var labelNameBytesMax: Int
    public var labelValueBytesMax: Int
    /// Counted as received, before empty-valued labels are dropped.
    public var labelsPerSeriesMax: Int
    /// The snappy-compressed body as received.
    public var bodyBytesMax: Int
    /// The protobuf after decompression. Bounds memory too: samples cost at most 8× this (16 bytes each, ≥ 2 on the wire).
    public var decodedBytesMax: Int

    public init(
        labelNameBytesMax: Int = 1024,
        labelValueBytesMax: Int = 4096,
        labelsPerSeriesMax: Int = 64,
        bodyBytesMax: Int = 32 << 20,
        decodedBytesMax: Int = 128 << 20
    ) {
        self.labelNameBytesMax = labelNameBytesMax
        self.labelValueBytesMax = labelValueBytesMax
        self.labelsPerSeriesMax = labelsPerSeriesMax
        self.bodyBytesMax = bodyBytesMax
        self.decodedBytesMax = decodedBytesMax
    }
}

/// Why a remote write request was rejected; `message` names what was wrong and where
/// (e.g. `timeseries[12] label[3]: label name "job" appears twice`).
public struct RemoteWriteError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}

/// A decoded remote write request in columnar form: one flat buffer of series keys and one of samples,
/// with per-series ranges into both.
public struct DecodedWriteRequest: Sendable {
    /// Canonical label keys of all series, concatenated. Each key is the byte form of OspreyCore's `Labels.encoded`:
    /// labels sorted by name (byte order), empty-valued labels dropped, each as uvarint(len name) name uvarint(len value) value.
    public var keyBytes: [UInt8]
    public var series: [Series]
    /// Milliseconds since the Unix epoch.
    public var timestamps: [Int64]
    /// Bit-exact as received (NaN payloads such as the staleness marker are preserved).
    public var values: [Double]
    public var histogramsIgnored: Int
    public var exemplarsIgnored: Int

    /// `keyBytes[keyStart..<keyEnd]` is the series key; `timestamps/values[sampleStart..<sampleEnd]` its samples, in wire order.
    public struct Series: Sendable {
        public var keyStart: Int32
        public var keyEnd: Int32
        public var sampleStart: Int32
        public var sampleEnd: Int32

        public init(keyStart: Int32, keyEnd: Int32, sampleStart: Int32, sampleEnd: Int32) {
            self.keyStart = keyStart
            self.keyEnd = keyEnd
            self.sampleStart = sampleStart
            self.sampleEnd = sampleEnd
        }
    }

    public init(
        keyBytes: [UInt8] = [], series: [Series] = [], timestamps: [Int64] = [], values: [Double] = [],
        histogramsIgnored: Int = 0, exemplarsIgnored: Int = 0
    ) {
        self.keyBytes = keyBytes
        self.series = series
        self.timestamps = timestamps
        self.values = values
        self.histogramsIgnored = histogramsIgnored
        self.exemplarsIgnored = exemplarsIgnored
    }

    public var sampleCount: Int { timestamps.count }

    /// The labels of series `i` as OspreyCore `Labels` (allocates; for errors and tests, not the ingest path).
    public func labels(of i: Int) -> Labels {
        let s = series[i]
        guard let labels = Labels(encoded: keyBytes[Int(s.keyStart)..<Int(s.keyEnd)]) else {
            preconditionFailure("BUG: DecodedWriteRequest key of series \(i) is not a valid Labels encoding")
        }
        return labels
    }
}

/// Decodes Prometheus remote write v1 requests (`prometheus.WriteRequest`, snappy block compressed).
///
/// Wire layout (protobuf field numbers; every message field is length-delimited):
/// ```
/// WriteRequest { 1: repeated TimeSeries timeseries; 3: repeated MetricMetadata metadata (skipped) }
/// TimeSeries   { 1: repeated Label labels; 2: repeated Sample samples;
///                3: repeated Exemplar exemplars (counted, skipped); 4: repeated Histogram histograms (counted, skipped) }
/// Label        { 1: string name; 2: string value }
/// Sample       { 1: double value (fixed64); 2: int64 timestamp (varint, ms) }
/// ```
/// Unknown fields of wire types 0, 1, 2 and 5 are skipped; groups (3, 4) and wire types 6, 7 are errors.
///
/// ```swift
/// let request = try RemoteWriteDecoder.decode(snappyBody: body, limits: RemoteWriteLimits())
/// for s in request.series { /* keyBytes[s.keyStart..<s.keyEnd], timestamps[s.sampleStart..<s.sampleEnd] */ }
/// ```
public enum RemoteWriteDecoder {
    /// The stream identifier chunk that starts the snappy *framing* format, which remote write does not use.
    static let snappyFramingMagic: [UInt8] = [0xFF, 0x06, 0x00, 0x00, 0x73, 0x4E, 0x61, 0x50, 0x70, 0x59]

    /// Decodes a body as sent on the wire: snappy block compressed protobuf.
    public static func decode(snappyBody: [UInt8], limits: RemoteWriteLimits) throws(RemoteWriteError) -> DecodedWriteRequest {
        guard snappyBody.count <= limits.bodyBytesMax else {
            throw RemoteWriteError(
                "request body is \(snappyBody.count) bytes, over the limit of \(limits.bodyBytesMax) bytes (bodyBytesMax); send fewer samples per request")
        }
        if snappyBody.starts(with: snappyFramingMagic) {
            throw RemoteWriteError(
                "snappy: body uses the snappy framing (stream) format; remote write bodies must use the snappy block format")
        }
        let result = snappyBody.withUnsafeBytes { body in
            Result { () throws(RemoteWriteError) in try decode(snappyBody: body, limits: limits) }
        }
        return try result.get()
    }

    static func decode(snappyBody body: UnsafeRawBufferPointer, limits: RemoteWriteLimits) throws(RemoteWriteError) -> DecodedWriteRequest {
        let length: Int
        do {
            length = try Snappy.uncompressedLength(body)
        } catch {
            throw RemoteWriteError("snappy: \(error)")
        }
        guard length <= limits.decodedBytesMax else {
            throw RemoteWriteError(
                "snappy: body decompresses to \(length) bytes, over the limit of \(limits.decodedBytesMax) bytes (decodedBytesMax); send fewer samples per request")
        }
        let buffer = decompressionBuffers.take(minimumBytes: length)
        defer { decompressionBuffers.give(buffer) }
        do {
            _ = try Snappy.decompress(body, into: buffer)
        } catch {
            throw RemoteWriteError("snappy: \(error)")
        }
        return try decode(protobuf: UnsafeRawBufferPointer(rebasing: buffer[0..<length]), limits: limits)
    }

    /// The decompressed protobuf never outlives `decode`, so its buffer is reused. With a fresh allocation per
    /// request glibc handed the freed memory back to the kernel and every request page-faulted it in again:
    /// snappy + protobuf decode of 50,000 series in 2,000-series requests took 38 ms instead of 14 ms.
    static let decompressionBuffers = BufferPool(buffersMax: 4, bufferBytesMax: 32 << 20)

    /// Decodes an uncompressed `WriteRequest`. Nothing is returned unless the whole request is valid.
    public static func decode(protobuf: UnsafeRawBufferPointer, limits: RemoteWriteLimits) throws(RemoteWriteError) -> DecodedWriteRequest {
        guard protobuf.count <= limits.decodedBytesMax else {
            throw RemoteWriteError(
                "protobuf: request is \(protobuf.count) bytes, over the limit of \(limits.decodedBytesMax) bytes (decodedBytesMax)")
        }
        guard protobuf.count <= Int(Int32.max) else {
            throw RemoteWriteError("protobuf: request is \(protobuf.count) bytes; requests over 2 GiB are not supported")
        }
        guard let base = protobuf.baseAddress, protobuf.count > 0 else { return DecodedWriteRequest() }
        precondition(limits.labelsPerSeriesMax >= 0, "labelsPerSeriesMax must not be negative")

        // A Label takes at least 2 protobuf bytes (tag and length), which bounds the scratch space even
        // when labelsPerSeriesMax is huge.
        let scratchCapacity = min(limits.labelsPerSeriesMax, protobuf.count / 2) + 1
        let scratch = UnsafeMutablePointer<LabelRef>.allocate(capacity: scratchCapacity)
        defer { scratch.deallocate() }
        var result = DecodedWriteRequest()
        // Every kept label costs at least as many protobuf bytes as key bytes (tags and the Label wrapper
        // are extra), so the protobuf size bounds the key buffer and keys are written straight into it.
        result.keyBytes = try [UInt8](unsafeUninitializedCapacity: protobuf.count) { (keys, written) throws(RemoteWriteError) in
            var parser = WriteRequestParser(
                base: base.assumingMemoryBound(to: UInt8.self), count: protobuf.count, limits: limits,
                scratch: scratch, scratchCapacity: scratchCapacity, keys: keys.baseAddress!, keysCapacity: keys.count)
            do throws(DecodeFailure) {
                try parser.parseWriteRequest()
            } catch {
                throw parser.describe(error)
            }
            written = parser.keysCount
            result.series = parser.series
            result.timestamps = parser.timestamps
            result.values = parser.values
            result.histogramsIgnored = parser.histogramsIgnored
            result.exemplarsIgnored = parser.exemplarsIgnored
        }
        return result
    }
}
