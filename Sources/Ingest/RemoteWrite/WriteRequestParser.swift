import OspreyCore
import Foundation

/// Single pass over a `WriteRequest`, writing series keys into a caller-sized buffer and samples into
/// columns. Strings are only built on the error path.
struct WriteRequestParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    let limits: RemoteWriteLimits
    let scratch: UnsafeMutablePointer<LabelRef>
    let scratchCapacity: Int
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
        base: UnsafePointer<UInt8>, count: Int, limits: RemoteWriteLimits,
        scratch: UnsafeMutablePointer<LabelRef>, scratchCapacity: Int, keys: UnsafeMutablePointer<UInt8>, keysCapacity: Int
    ) {
        self.base = base
        self.count = count
        self.limits = limits
        self.scratch = scratch
        self.scratchCapacity = scratchCapacity
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
        precondition(labelCount < scratchCapacity, "BUG: more labels than protobuf bytes allow")
        scratch[labelCount] = LabelRef(
            nameStart: Int32(nameStart), nameCount: Int32(nameCount),
            valueStart: Int32(valueStart), valueCount: Int32(valueCount), index: Int32(labelCount))
        labelCount += 1
        context = .series
    }

    mutating func parseSample(_ start: Int, _ end: Int) throws(DecodeFailure) {
        let base = self.base
        context = .sample
        // Fast path for the layout every Prometheus-compatible sender uses: value, then timestamp.
        if end - start >= 11 && base[start] == 0x09 && base[start + 9] == 0x10 {
            var pos = start + 10
            let timestamp = try Wire.readVarint(base, &pos, end)
            if pos == end {
                let value = UInt64(littleEndian: UnsafeRawPointer(base + start + 1).loadUnaligned(as: UInt64.self))
                timestamps.append(Int64(bitPattern: timestamp))
                values.append(Double(bitPattern: value))
                context = .series
                return
            }
        }
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
