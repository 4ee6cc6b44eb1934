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

    /// The decompressed protobuf never outlives `decode`, so its buffer is reused: with a fresh allocation
    /// per request, page faults on the new memory took ~30% of decode CPU (2,000-series requests, glibc malloc).
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

        let scratch = UnsafeMutablePointer<LabelRef>.allocate(capacity: max(limits.labelsPerSeriesMax, 1))
        defer { scratch.deallocate() }
        var result = DecodedWriteRequest()
        // Every kept label costs at least as many protobuf bytes as key bytes (tags and the Label wrapper
        // are extra), so the protobuf size bounds the key buffer and keys are written straight into it.
        result.keyBytes = try [UInt8](unsafeUninitializedCapacity: protobuf.count) { (keys, written) throws(RemoteWriteError) in
            var parser = WriteRequestParser(
                base: base.assumingMemoryBound(to: UInt8.self), count: protobuf.count, limits: limits, scratch: scratch,
                keys: keys.baseAddress!, keysCapacity: keys.count)
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

/// One label of the series being parsed, as byte ranges into the protobuf.
struct LabelRef {
    var nameStart: Int32
    var nameCount: Int32
    var valueStart: Int32
    var valueCount: Int32
    /// Position in the series as received, for error messages after sorting.
    var index: Int32
}

/// Which message the parser is inside, for error messages and for recognising known fields.
enum WireContext {
    case request, series, label, sample
}

/// Why parsing stopped. Wire problems are located (series, label, sample index) by the parser
/// afterwards; everything else carries its finished message.
enum DecodeFailure: Error {
    case wire(WireProblem, at: Int)
    case rejected(String)
}

enum WireProblem {
    case truncatedVarint
    case varintTooLong
    case lengthPastEnd(length: UInt64, bytesLeft: Int)
    case fixedPastEnd(wireType: Int, field: UInt64)
    case fieldNumberZero
    case wrongWireType(field: UInt64, name: String, got: Int, expected: Int)
    case group(field: UInt64, wireType: Int)
    case invalidWireType(field: UInt64, wireType: Int)

    func describe(at offset: Int) -> String {
        switch self {
        case .truncatedVarint:
            return "truncated varint at byte \(offset)"
        case .varintTooLong:
            return "varint longer than 10 bytes at byte \(offset)"
        case let .lengthPastEnd(length, left):
            return "length \(length) of the field at byte \(offset) runs past the end of its enclosing message (\(left) bytes left)"
        case let .fixedPastEnd(wireType, field):
            return "\(Wire.typeName(wireType)) field \(field) at byte \(offset) runs past the end of its enclosing message"
        case .fieldNumberZero:
            return "field number 0 at byte \(offset)"
        case let .wrongWireType(field, name, got, expected):
            return "field \(field) (\(name)) at byte \(offset) has wire type \(got) (\(Wire.typeName(got))), expected \(expected) (\(Wire.typeName(expected)))"
        case let .group(field, wireType):
            return "field \(field) at byte \(offset) is a group (wire type \(wireType)); remote write messages have no groups"
        case let .invalidWireType(field, wireType):
            return "invalid wire type \(wireType) for field \(field) at byte \(offset)"
        }
    }
}

/// Protobuf wire primitives over a raw buffer. Every read is checked against `end` (the end of the
/// enclosing message) before it happens. Static, so hot loops pass two registers, not a parser.
enum Wire {
    @inline(__always)
    static func readVarint(_ base: UnsafePointer<UInt8>, _ pos: inout Int, _ end: Int) throws(DecodeFailure) -> UInt64 {
        if pos < end {
            let b = base[pos]
            if b < 0x80 {
                pos += 1
                return UInt64(b)
            }
        }
        return try readVarintSlow(base, &pos, end)
    }

    static func readVarintSlow(_ base: UnsafePointer<UInt8>, _ pos: inout Int, _ end: Int) throws(DecodeFailure) -> UInt64 {
        let start = pos
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = pos
        // Up to 10 bytes; as in Prometheus's decoder, bits past 64 in the 10th byte are dropped.
        while i < end && i - start < 10 {
            let b = base[i]
            i += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                pos = i
                return result
            }
            shift += 7
        }
        throw .wire(i - start >= 10 ? .varintTooLong : .truncatedVarint, at: start)
    }

    /// Reads a length prefix and returns where the field's data ends; `pos` is left at its start.
    @inline(__always)
    static func readLength(_ base: UnsafePointer<UInt8>, _ pos: inout Int, _ end: Int, _ tagStart: Int) throws(DecodeFailure) -> Int {
        let length = try readVarint(base, &pos, end)
        guard length <= UInt64(end - pos) else {
            throw .wire(.lengthPastEnd(length: length, bytesLeft: end - pos), at: tagStart)
        }
        return pos + Int(length)
    }

    static func skipField(
        _ base: UnsafePointer<UInt8>, _ tag: UInt64, _ pos: inout Int, _ end: Int, _ tagStart: Int, in context: WireContext
    ) throws(DecodeFailure) {
        let field = tag >> 3
        let wireType = Int(tag & 7)
        guard field != 0 else { throw .wire(.fieldNumberZero, at: tagStart) }
        switch wireType {
        case 3, 4: throw .wire(.group(field: field, wireType: wireType), at: tagStart)
        case 6, 7: throw .wire(.invalidWireType(field: field, wireType: wireType), at: tagStart)
        default: break
        }
        if let (name, expected) = knownField(field, in: context), expected != wireType {
            throw .wire(.wrongWireType(field: field, name: name, got: wireType, expected: expected), at: tagStart)
        }
        switch wireType {
        case 0:
            _ = try readVarint(base, &pos, end)
        case 1, 5:
            let size = wireType == 1 ? 8 : 4
            guard end - pos >= size else { throw .wire(.fixedPastEnd(wireType: wireType, field: field), at: tagStart) }
            pos += size
        case 2:
            pos = try readLength(base, &pos, end, tagStart)
        default:
            preconditionFailure("BUG: wire type \(wireType) got past the wire type check")
        }
    }

    /// Name and wire type of the fields the parser reads in each message.
    static func knownField(_ field: UInt64, in context: WireContext) -> (String, Int)? {
        switch (context, field) {
        case (.request, 1): return ("timeseries", 2)
        case (.request, 3): return ("metadata", 2)
        case (.series, 1): return ("labels", 2)
        case (.series, 2): return ("samples", 2)
        case (.series, 3): return ("exemplars", 2)
        case (.series, 4): return ("histograms", 2)
        case (.label, 1): return ("name", 2)
        case (.label, 2): return ("value", 2)
        case (.sample, 1): return ("value", 1)
        case (.sample, 2): return ("timestamp", 0)
        default: return nil
        }
    }

    static func typeName(_ t: Int) -> String {
        switch t {
        case 0: return "varint"
        case 1: return "fixed64"
        case 2: return "length-delimited"
        case 3: return "start group"
        case 4: return "end group"
        case 5: return "fixed32"
        default: return "invalid"
        }
    }
}

/// Single pass over a `WriteRequest`, writing series keys into a caller-sized buffer and samples into
/// columns. Strings are only built on the error path.
struct WriteRequestParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    let limits: RemoteWriteLimits
    let scratch: UnsafeMutablePointer<LabelRef>
    let keys: UnsafeMutablePointer<UInt8>
    let keysCapacity: Int

    var keysCount = 0
    var series: [DecodedWriteRequest.Series] = []
    var timestamps: [Int64] = []
    var values: [Double] = []
    var histogramsIgnored = 0
    var exemplarsIgnored = 0

    /// Labels collected so far for the current series.
    var labelCount = 0
    /// Where parsing is, for error messages.
    var context = WireContext.request

    /// Initial reservations, from Prometheus-shaped requests (≈ 10 labels and 1 sample per series is
    /// ≈ 250 protobuf bytes per series); the arrays still grow if a request is denser.
    static let protobufBytesPerSeriesGuess = 128
    static let protobufBytesPerSampleGuess = 64

    init(
        base: UnsafePointer<UInt8>, count: Int, limits: RemoteWriteLimits, scratch: UnsafeMutablePointer<LabelRef>,
        keys: UnsafeMutablePointer<UInt8>, keysCapacity: Int
    ) {
        self.base = base
        self.count = count
        self.limits = limits
        self.scratch = scratch
        self.keys = keys
        self.keysCapacity = keysCapacity
        series.reserveCapacity(count / Self.protobufBytesPerSeriesGuess + 1)
        timestamps.reserveCapacity(count / Self.protobufBytesPerSampleGuess + 1)
        values.reserveCapacity(count / Self.protobufBytesPerSampleGuess + 1)
    }

    // MARK: Messages

    mutating func parseWriteRequest() throws(DecodeFailure) {
        let base = self.base
        var pos = 0
        while pos < count {
            let tagStart = pos
            let tag = try Wire.readVarint(base, &pos, count)
            if tag == 0x0A {  // 1: timeseries
                let end = try Wire.readLength(base, &pos, count, tagStart)
                try parseSeries(pos, end)
                pos = end
            } else {  // 3: metadata, and unknown fields
                try Wire.skipField(base, tag, &pos, count, tagStart, in: .request)
            }
        }
    }

    mutating func parseSeries(_ start: Int, _ end: Int) throws(DecodeFailure) {
        let base = self.base
        context = .series
        labelCount = 0
        let sampleStart = timestamps.count
        var pos = start
        while pos < end {
            let tagStart = pos
            let tag = try Wire.readVarint(base, &pos, end)
            switch tag {
            case 0x0A:  // 1: labels
                let fieldEnd = try Wire.readLength(base, &pos, end, tagStart)
                try parseLabel(pos, fieldEnd)
                pos = fieldEnd
            case 0x12:  // 2: samples
                let fieldEnd = try Wire.readLength(base, &pos, end, tagStart)
                try parseSample(pos, fieldEnd)
                pos = fieldEnd
            case 0x1A:  // 3: exemplars
                pos = try Wire.readLength(base, &pos, end, tagStart)
                exemplarsIgnored += 1
            case 0x22:  // 4: histograms
                pos = try Wire.readLength(base, &pos, end, tagStart)
                histogramsIgnored += 1
            default:
                try Wire.skipField(base, tag, &pos, end, tagStart, in: .series)
            }
        }
        try finishSeries(sampleStart: sampleStart)
        context = .request
    }

    mutating func parseLabel(_ start: Int, _ end: Int) throws(DecodeFailure) {
        guard labelCount < limits.labelsPerSeriesMax else {
            throw seriesError("more than \(limits.labelsPerSeriesMax) labels (labelsPerSeriesMax); drop labels with relabelling before sending")
        }
        let base = self.base
        context = .label
        var nameStart = start, nameCount = 0, valueStart = start, valueCount = 0
        var pos = start
        while pos < end {
            let tagStart = pos
            let tag = try Wire.readVarint(base, &pos, end)
            switch tag {
            case 0x0A:  // 1: name
                let fieldEnd = try Wire.readLength(base, &pos, end, tagStart)
                nameStart = pos
                nameCount = fieldEnd - pos
                pos = fieldEnd
            case 0x12:  // 2: value
                let fieldEnd = try Wire.readLength(base, &pos, end, tagStart)
                valueStart = pos
                valueCount = fieldEnd - pos
                pos = fieldEnd
            default:
                try Wire.skipField(base, tag, &pos, end, tagStart, in: .label)
            }
        }
        if nameCount == 0 || nameCount > limits.labelNameBytesMax || valueCount > limits.labelValueBytesMax {
            throw labelSizeError(nameStart, nameCount, valueStart, valueCount)
        }
        // Tags and lengths under 128 are ASCII bytes too, so one scan of the whole Label message covers
        // both strings in the common case.
        if !isASCII(base + start, end - start) {
            if let bad = firstInvalidUTF8(base + nameStart, nameCount) {
                throw labelError("label name is not valid UTF-8 (byte 0x\(hex(base[nameStart + bad])) at offset \(bad) of the name)")
            }
            if let bad = firstInvalidUTF8(base + valueStart, valueCount) {
                throw labelError(
                    "label \"\(text(nameStart, nameCount))\": value is not valid UTF-8 (byte 0x\(hex(base[valueStart + bad])) at offset \(bad) of the value)")
            }
        }
        scratch[labelCount] = LabelRef(
            nameStart: Int32(nameStart), nameCount: Int32(nameCount),
            valueStart: Int32(valueStart), valueCount: Int32(valueCount), index: Int32(labelCount))
        labelCount += 1
        context = .series
    }

    mutating func parseSample(_ start: Int, _ end: Int) throws(DecodeFailure) {
        let base = self.base
        context = .sample
        var value: UInt64 = 0
        var timestamp: UInt64 = 0
        var pos = start
        while pos < end {
            let tagStart = pos
            let tag = try Wire.readVarint(base, &pos, end)
            switch tag {
            case 0x09:  // 1: value, fixed64
                guard end - pos >= 8 else { throw .wire(.fixedPastEnd(wireType: 1, field: 1), at: tagStart) }
                value = UInt64(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self))
                pos += 8
            case 0x10:  // 2: timestamp, varint
                timestamp = try Wire.readVarint(base, &pos, end)
            default:
                try Wire.skipField(base, tag, &pos, end, tagStart, in: .sample)
            }
        }
        timestamps.append(Int64(bitPattern: timestamp))
        values.append(Double(bitPattern: value))
        context = .series
    }

    /// Sorts the collected labels, rejects duplicates and writes the canonical key.
    mutating func finishSeries(sampleStart: Int) throws(DecodeFailure) {
        guard labelCount > 0 else { throw seriesError("series has no labels") }
        let base = self.base, scratch = self.scratch
        // Insertion sort: Prometheus sends labels sorted, so this is usually one comparison per label.
        // A name's twin, if any, sits right next to the slot it is inserted at, so duplicates show up here.
        for k in 1..<labelCount {
            let current = scratch[k]
            var j = k
            while j > 0 {
                let order = compareNames(base, scratch[j - 1], current)
                if order == 0 {
                    throw duplicateError(scratch[j - 1], current)
                }
                if order < 0 { break }
                scratch[j] = scratch[j - 1]
                j -= 1
            }
            scratch[j] = current
        }

        let keyStart = keysCount
        for k in 0..<labelCount {
            let label = scratch[k]
            guard label.valueCount > 0 else { continue }
            appendKeyString(Int(label.nameStart), Int(label.nameCount))
            appendKeyString(Int(label.valueStart), Int(label.valueCount))
        }
        guard keysCount > keyStart else {
            throw seriesError("every label has an empty value, so the series has no labels left (an empty value means \"no such label\")")
        }
        series.append(
            DecodedWriteRequest.Series(
                keyStart: Int32(keyStart), keyEnd: Int32(keysCount),
                sampleStart: Int32(sampleStart), sampleEnd: Int32(timestamps.count)))
    }

    /// Appends `uvarint(length)` and `length` protobuf bytes from `start` to the key buffer.
    @inline(__always)
    mutating func appendKeyString(_ start: Int, _ length: Int) {
        precondition(keysCount + (length < 0x80 ? 1 : varintSize(length)) + length <= keysCapacity, "BUG: remote write key buffer too small")
        var at = keysCount
        var v = UInt(length)
        while v >= 0x80 {
            keys[at] = UInt8(truncatingIfNeeded: v) | 0x80
            at += 1
            v >>= 7
        }
        keys[at] = UInt8(v)
        at += 1
        if length <= 32 && start + 32 <= count && at + 32 <= keysCapacity {
            // Label strings are short: 8-byte moves beat a memmove call. Both buffers have 32 bytes of
            // room here; bytes written past `length` are overwritten by the next string or left unused.
            let from = UnsafeRawPointer(base + start), to = UnsafeMutableRawPointer(keys + at)
            var k = 0
            repeat {
                to.storeBytes(of: from.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
                k += 8
            } while k < length
        } else {
            (keys + at).update(from: base + start, count: length)
        }
        keysCount = at + length
    }

    @inline(__always)
    func compareNames(_ base: UnsafePointer<UInt8>, _ a: LabelRef, _ b: LabelRef) -> Int {
        let pa = base + Int(a.nameStart), pb = base + Int(b.nameStart)
        let na = Int(a.nameCount), nb = Int(b.nameCount)
        let n = min(na, nb)
        var i = 0
        while i < n {
            let x = pa[i], y = pb[i]
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return na - nb
    }

    // MARK: Errors (cold path)

    /// The public error for a failure, located by where parsing stopped.
    func describe(_ failure: DecodeFailure) -> RemoteWriteError {
        switch failure {
        case let .rejected(message):
            return RemoteWriteError(message)
        case let .wire(problem, offset):
            return RemoteWriteError("protobuf: \(locationPrefix())\(problem.describe(at: offset))")
        }
    }

    func seriesPrefix() -> String {
        "timeseries[\(series.count)]"
    }

    func locationPrefix() -> String {
        switch context {
        case .request: return ""
        case .series: return "\(seriesPrefix()): "
        case .label: return "\(seriesPrefix()) label[\(labelCount)]: "
        case .sample: return "\(seriesPrefix()) sample[\(timestamps.count - (series.last.map { Int($0.sampleEnd) } ?? 0))]: "
        }
    }

    @inline(never)
    func seriesError(_ what: String) -> DecodeFailure {
        .rejected("\(seriesPrefix()): \(what)")
    }

    @inline(never)
    func labelError(_ what: String) -> DecodeFailure {
        .rejected("\(seriesPrefix()) label[\(labelCount)]: \(what)")
    }

    @inline(never)
    func duplicateError(_ a: LabelRef, _ b: LabelRef) -> DecodeFailure {
        .rejected(
            "\(seriesPrefix()) label[\(max(a.index, b.index))]: label name \"\(text(Int(b.nameStart), Int(b.nameCount)))\" appears twice")
    }

    @inline(never)
    func labelSizeError(_ nameStart: Int, _ nameCount: Int, _ valueStart: Int, _ valueCount: Int) -> DecodeFailure {
        if nameCount == 0 {
            return labelError("label name is empty (value \"\(text(valueStart, valueCount))\")")
        }
        if nameCount > limits.labelNameBytesMax {
            return labelError(
                "label name \"\(text(nameStart, nameCount))\" is \(nameCount) bytes, over the limit of \(limits.labelNameBytesMax) bytes (labelNameBytesMax)")
        }
        return labelError(
            "label \"\(text(nameStart, nameCount))\": value is \(valueCount) bytes, over the limit of \(limits.labelValueBytesMax) bytes (labelValueBytesMax)")
    }

    /// Bytes as text for a message, cut to 64 bytes, invalid UTF-8 replaced.
    func text(_ start: Int, _ length: Int) -> String {
        let shown = min(length, 64)
        let s = String(decoding: UnsafeBufferPointer(start: base + start, count: shown), as: UTF8.self)
        return shown < length ? s + "…" : s
    }

    func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }
}

@inline(__always)
func varintSize(_ n: Int) -> Int {
    var v = UInt(n), size = 1
    while v >= 0x80 {
        v >>= 7
        size += 1
    }
    return size
}

/// Whether all of `p[0..<n]` is below 0x80, 8 bytes at a time.
@inline(__always)
func isASCII(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    let raw = UnsafeRawPointer(p)
    let high: UInt64 = 0x8080_8080_8080_8080
    guard n >= 8 else {
        var i = 0
        while i < n {
            if p[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }
    var seen: UInt64 = 0
    var i = 0
    while i + 8 <= n {
        seen |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
    }
    // The last word overlaps what was already seen; no byte loop for the tail.
    seen |= raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    return seen & high == 0
}

/// Offset of the first byte that makes `p[0..<n]` invalid UTF-8 (overlong forms, surrogates and
/// code points over U+10FFFF are invalid), or nil when it is valid. ASCII is checked 8 bytes at a time.
@inline(__always)
func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n {
        if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
        i += 8
    }
    while i < n && p[i] < 0x80 { i += 1 }
    if i == n { return nil }
    return firstInvalidUTF8Slow(p, n, from: i)
}

@inline(never)
func firstInvalidUTF8Slow(_ p: UnsafePointer<UInt8>, _ n: Int, from: Int) -> Int? {
    var i = from
    @inline(__always) func isContinuation(_ k: Int) -> Bool { k < n && p[k] & 0xC0 == 0x80 }
    while i < n {
        let b0 = p[i]
        if b0 < 0x80 {
            i += 1
            continue
        }
        if b0 < 0xC2 { return i }  // stray continuation byte, or overlong 2-byte form
        if b0 < 0xE0 {
            guard isContinuation(i + 1) else { return i }
            i += 2
        } else if b0 < 0xF0 {
            guard i + 1 < n else { return i }
            let b1 = p[i + 1]
            let low: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80  // E0 80..9F would be overlong
            let high: UInt8 = b0 == 0xED ? 0x9F : 0xBF  // ED A0..BF would be a surrogate
            guard b1 >= low && b1 <= high, isContinuation(i + 2) else { return i }
            i += 3
        } else if b0 < 0xF5 {
            guard i + 1 < n else { return i }
            let b1 = p[i + 1]
            let low: UInt8 = b0 == 0xF0 ? 0x90 : 0x80  // F0 80..8F would be overlong
            let high: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF  // F4 90.. would be over U+10FFFF
            guard b1 >= low && b1 <= high, isContinuation(i + 2), isContinuation(i + 3) else { return i }
            i += 4
        } else {
            return i
        }
    }
    return nil
}

/// A few reusable scratch buffers (for transient data that never leaves one call). Buffers larger than
/// `bufferBytesMax` are allocated for the call and freed after; at most `buffersMax` are kept.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [UnsafeMutableRawBufferPointer] = []
    let buffersMax: Int
    let bufferBytesMax: Int
    /// Smallest buffer handed out, so small requests share buffers instead of each growing their own.
    static let bufferBytesMin = 64 << 10

    init(buffersMax: Int, bufferBytesMax: Int) {
        self.buffersMax = buffersMax
        self.bufferBytesMax = bufferBytesMax
    }

    deinit {
        for b in free { b.deallocate() }
    }

    /// A buffer of at least `minimumBytes` (contents undefined); hand it back with `give`.
    func take(minimumBytes: Int) -> UnsafeMutableRawBufferPointer {
        lock.lock()
        if let i = free.lastIndex(where: { $0.count >= minimumBytes }) {
            let b = free.remove(at: i)
            lock.unlock()
            return b
        }
        lock.unlock()
        // Round up to a power of two so a buffer serves the next somewhat larger request too.
        var size = Self.bufferBytesMin
        while size < minimumBytes && size < bufferBytesMax { size <<= 1 }
        return .allocate(byteCount: max(size, minimumBytes), alignment: 16)
    }

    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count <= bufferBytesMax else {
            buffer.deallocate()
            return
        }
        lock.lock()
        if free.count < buffersMax {
            free.append(buffer)
            lock.unlock()
            return
        }
        // Full: keep the larger buffers, they serve every request a smaller one would.
        let smallest = free.indices.min { free[$0].count < free[$1].count }!
        var dropped = buffer
        if free[smallest].count < buffer.count {
            dropped = free[smallest]
            free[smallest] = buffer
        }
        lock.unlock()
        dropped.deallocate()
    }
}
