import Foundation

/// Decodes OTLP `ExportMetricsServiceRequest` protobuf (field numbers in docs/proto/otlp_metrics.proto).
/// Unknown fields are skipped; a field Osprey reads with the wrong wire type, a truncated or
/// overlong value, invalid UTF-8 in a string or a request over `OTLPLimits` is an error naming the
/// field path and byte offset, and nothing is returned.
///
/// ```swift
/// let request = try OTLPProtobufDecoder.decode(body, limits: OTLPLimits())
/// ```
public enum OTLPProtobufDecoder {
    public static func decode(_ bytes: [UInt8], limits: OTLPLimits) throws(OTLPDecodeError) -> OTLPMetricsRequest {
        guard bytes.count <= limits.decodedBytesMax else {
            throw OTLPDecodeError("protobuf: request is \(bytes.count) bytes, over the limit of \(limits.decodedBytesMax) bytes (decodedBytesMax)")
        }
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(OTLPDecodeError) -> OTLPMetricsRequest in
                guard let base = buffer.baseAddress, buffer.count > 0 else { return OTLPMetricsRequest() }
                var reader = OTLPProtoReader(base: base, limits: limits)
                return try reader.request(0..<buffer.count)
            }
        }
        return try result.get()
    }
}

extension OTLPProtoReader {
    mutating func request(_ r: Range<Int>) throws(OTLPDecodeError) -> OTLPMetricsRequest {
        var out = OTLPMetricsRequest()
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            if tag.field == 1 {
                let m = try message(tag, "resource_metrics", &pos, r.upperBound)
                let item = try at("resource_metrics[\(out.resourceMetrics.count)]") { (p) throws(OTLPDecodeError) in try p.resourceMetrics(m) }
                out.resourceMetrics.append(item)
            } else {
                try skip(tag, &pos, r.upperBound)
            }
        }
        return out
    }

    mutating func resourceMetrics(_ r: Range<Int>) throws(OTLPDecodeError) -> OTLPResourceMetrics {
        var out = OTLPResourceMetrics()
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 1:
                let m = try message(tag, "resource", &pos, r.upperBound)
                out.resource = try at("resource") { (p) throws(OTLPDecodeError) in try p.resource(m) }
            case 2:
                let m = try message(tag, "scope_metrics", &pos, r.upperBound)
                let item = try at("scope_metrics[\(out.scopeMetrics.count)]") { (p) throws(OTLPDecodeError) in try p.scopeMetrics(m) }
                out.scopeMetrics.append(item)
            default:
                try skip(tag, &pos, r.upperBound)
            }
        }
        return out
    }

    mutating func resource(_ r: Range<Int>) throws(OTLPDecodeError) -> [OTLPKeyValue] {
        var out: [OTLPKeyValue] = []
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            if tag.field == 1 {
                try attribute(tag, &pos, r.upperBound, into: &out)
            } else {
                try skip(tag, &pos, r.upperBound)
            }
        }
        return out
    }

    mutating func scopeMetrics(_ r: Range<Int>) throws(OTLPDecodeError) -> OTLPScopeMetrics {
        var out = OTLPScopeMetrics()
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 1:
                let m = try message(tag, "scope", &pos, r.upperBound)
                try at("scope") { (p) throws(OTLPDecodeError) in
                    var q = m.lowerBound
                    while let t = try p.nextTag(&q, m.upperBound) {
                        switch t.field {
                        case 1: out.scopeName = try p.string(t, "name", &q, m.upperBound)
                        case 2: out.scopeVersion = try p.string(t, "version", &q, m.upperBound)
                        default: try p.skip(t, &q, m.upperBound)
                        }
                    }
                }
            case 2:
                let m = try message(tag, "metrics", &pos, r.upperBound)
                let item = try at("metrics[\(out.metrics.count)]") { (p) throws(OTLPDecodeError) in try p.metric(m) }
                out.metrics.append(item)
            default:
                try skip(tag, &pos, r.upperBound)
            }
        }
        return out
    }

    mutating func metric(_ r: Range<Int>) throws(OTLPDecodeError) -> OTLPMetric {
        var out = OTLPMetric()
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 1: out.name = try string(tag, "name", &pos, r.upperBound)
            case 2: out.description = try string(tag, "description", &pos, r.upperBound)
            case 3: out.unit = try string(tag, "unit", &pos, r.upperBound)
            case 5:
                let m = try message(tag, "gauge", &pos, r.upperBound)
                out.data = .gauge(try at("gauge") { (p) throws(OTLPDecodeError) in try p.numberPoints(m).points })
            case 7:
                let m = try message(tag, "sum", &pos, r.upperBound)
                let s = try at("sum") { (p) throws(OTLPDecodeError) in try p.numberPoints(m) }
                out.data = .sum(s.points, temporality: s.temporality, monotonic: s.monotonic)
            case 9:
                let m = try message(tag, "histogram", &pos, r.upperBound)
                let h = try at("histogram") { (p) throws(OTLPDecodeError) in try p.histogram(m) }
                out.data = .histogram(h.points, temporality: h.temporality)
            case 10:
                let m = try message(tag, "exponential_histogram", &pos, r.upperBound)
                let n = try at("exponential_histogram") { (p) throws(OTLPDecodeError) in try p.countPoints(m) }
                out.data = .exponentialHistogram(pointCount: n)
            case 11:
                let m = try message(tag, "summary", &pos, r.upperBound)
                out.data = .summary(try at("summary") { (p) throws(OTLPDecodeError) in try p.summary(m) })
            default:
                try skip(tag, &pos, r.upperBound)
            }
        }
        return out
    }

    func temporality(_ raw: UInt64) throws(OTLPDecodeError) -> OTLPTemporality {
        guard raw <= 2, let t = OTLPTemporality(rawValue: Int(raw)) else {
            throw fail("aggregation_temporality \(raw) is not one of 0 (unspecified), 1 (delta), 2 (cumulative)")
        }
        return t
    }

    /// Gauge or Sum: `1: data_points`, and for Sum `2: aggregation_temporality`, `3: is_monotonic`.
    mutating func numberPoints(_ r: Range<Int>) throws(OTLPDecodeError) -> (points: [OTLPNumberPoint], temporality: OTLPTemporality, monotonic: Bool) {
        var points: [OTLPNumberPoint] = []
        var temporality = OTLPTemporality.unspecified
        var monotonic = false
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 1:
                let m = try message(tag, "data_points", &pos, r.upperBound)
                try countPoint()
                points.append(try at("data_points[\(points.count)]") { (p) throws(OTLPDecodeError) in try p.numberPoint(m) })
            case 2: temporality = try self.temporality(try varint(tag, "aggregation_temporality", &pos, r.upperBound))
            case 3: monotonic = try varint(tag, "is_monotonic", &pos, r.upperBound) != 0
            default: try skip(tag, &pos, r.upperBound)
            }
        }
        return (points, temporality, monotonic)
    }

    mutating func numberPoint(_ r: Range<Int>) throws(OTLPDecodeError) -> OTLPNumberPoint {
        var out = OTLPNumberPoint()
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 2: out.startTimeUnixNano = try fixed64(tag, "start_time_unix_nano", &pos, r.upperBound)
            case 3: out.timeUnixNano = try fixed64(tag, "time_unix_nano", &pos, r.upperBound)
            case 4: out.value = .double(try double(tag, "as_double", &pos, r.upperBound))
            case 6: out.value = .int(Int64(bitPattern: try fixed64(tag, "as_int", &pos, r.upperBound)))
            case 7: try attribute(tag, &pos, r.upperBound, into: &out.attributes)
            case 8: out.flags = UInt32(truncatingIfNeeded: try varint(tag, "flags", &pos, r.upperBound))
            default: try skip(tag, &pos, r.upperBound)
            }
        }
        return out
    }

    mutating func histogram(_ r: Range<Int>) throws(OTLPDecodeError) -> (points: [OTLPHistogramPoint], temporality: OTLPTemporality) {
        var points: [OTLPHistogramPoint] = []
        var temporality = OTLPTemporality.unspecified
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 1:
                let m = try message(tag, "data_points", &pos, r.upperBound)
                try countPoint()
                points.append(try at("data_points[\(points.count)]") { (p) throws(OTLPDecodeError) in try p.histogramPoint(m) })
            case 2: temporality = try self.temporality(try varint(tag, "aggregation_temporality", &pos, r.upperBound))
            default: try skip(tag, &pos, r.upperBound)
            }
        }
        return (points, temporality)
    }

    mutating func histogramPoint(_ r: Range<Int>) throws(OTLPDecodeError) -> OTLPHistogramPoint {
        var out = OTLPHistogramPoint()
        var bounds: [UInt64] = []
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 2: out.startTimeUnixNano = try fixed64(tag, "start_time_unix_nano", &pos, r.upperBound)
            case 3: out.timeUnixNano = try fixed64(tag, "time_unix_nano", &pos, r.upperBound)
            case 4: out.count = try fixed64(tag, "count", &pos, r.upperBound)
            case 5: out.sum = try double(tag, "sum", &pos, r.upperBound)
            case 6: try repeatedFixed64(tag, "bucket_counts", &pos, r.upperBound, into: &out.bucketCounts)
            case 7: try repeatedFixed64(tag, "explicit_bounds", &pos, r.upperBound, into: &bounds)
            case 9: try attribute(tag, &pos, r.upperBound, into: &out.attributes)
            case 10: out.flags = UInt32(truncatingIfNeeded: try varint(tag, "flags", &pos, r.upperBound))
            default: try skip(tag, &pos, r.upperBound)
            }
        }
        out.explicitBounds = bounds.map { Double(bitPattern: $0) }
        return out
    }

    /// Exponential histograms are not stored yet; their points are counted (for the limit and the rejection count).
    mutating func countPoints(_ r: Range<Int>) throws(OTLPDecodeError) -> Int {
        var n = 0
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 1:
                _ = try message(tag, "data_points", &pos, r.upperBound)
                try countPoint()
                n += 1
            case 2: _ = try temporality(try varint(tag, "aggregation_temporality", &pos, r.upperBound))
            default: try skip(tag, &pos, r.upperBound)
            }
        }
        return n
    }

    mutating func summary(_ r: Range<Int>) throws(OTLPDecodeError) -> [OTLPSummaryPoint] {
        var points: [OTLPSummaryPoint] = []
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            if tag.field == 1 {
                let m = try message(tag, "data_points", &pos, r.upperBound)
                try countPoint()
                points.append(try at("data_points[\(points.count)]") { (p) throws(OTLPDecodeError) in try p.summaryPoint(m) })
            } else {
                try skip(tag, &pos, r.upperBound)
            }
        }
        return points
    }

    mutating func summaryPoint(_ r: Range<Int>) throws(OTLPDecodeError) -> OTLPSummaryPoint {
        var out = OTLPSummaryPoint()
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 2: out.startTimeUnixNano = try fixed64(tag, "start_time_unix_nano", &pos, r.upperBound)
            case 3: out.timeUnixNano = try fixed64(tag, "time_unix_nano", &pos, r.upperBound)
            case 4: out.count = try fixed64(tag, "count", &pos, r.upperBound)
            case 5: out.sum = try double(tag, "sum", &pos, r.upperBound)
            case 6:
                let m = try message(tag, "quantile_values", &pos, r.upperBound)
                var q = OTLPSummaryPoint.Quantile(quantile: 0, value: 0)
                try at("quantile_values[\(out.quantiles.count)]") { (p) throws(OTLPDecodeError) in
                    var qp = m.lowerBound
                    while let t = try p.nextTag(&qp, m.upperBound) {
                        switch t.field {
                        case 1: q.quantile = try p.double(t, "quantile", &qp, m.upperBound)
                        case 2: q.value = try p.double(t, "value", &qp, m.upperBound)
                        default: try p.skip(t, &qp, m.upperBound)
                        }
                    }
                }
                out.quantiles.append(q)
            case 7: try attribute(tag, &pos, r.upperBound, into: &out.attributes)
            case 8: out.flags = UInt32(truncatingIfNeeded: try varint(tag, "flags", &pos, r.upperBound))
            default: try skip(tag, &pos, r.upperBound)
            }
        }
        return out
    }

    /// One `KeyValue` of an attributes list, checked against `attributesPerPointMax`.
    mutating func attribute(_ tag: Tag, _ pos: inout Int, _ end: Int, into out: inout [OTLPKeyValue]) throws(OTLPDecodeError) {
        let m = try message(tag, "attributes", &pos, end)
        guard out.count < limits.attributesPerPointMax else {
            throw fail("more than \(limits.attributesPerPointMax) attributes (attributesPerPointMax)")
        }
        let kv = try at("attributes[\(out.count)]") { (p) throws(OTLPDecodeError) in try p.keyValue(m, depth: 0) }
        out.append(kv)
    }

    mutating func keyValue(_ r: Range<Int>, depth: Int) throws(OTLPDecodeError) -> OTLPKeyValue {
        var key = ""
        var value = OTLPAnyValue.empty
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 1: key = try string(tag, "key", &pos, r.upperBound)
            case 2:
                let m = try message(tag, "value", &pos, r.upperBound)
                value = try anyValue(m, depth: depth)
            default: try skip(tag, &pos, r.upperBound)
            }
        }
        return OTLPKeyValue(key, value)
    }

    /// `AnyValue`: 1 string, 2 bool, 3 int, 4 double, 5 array, 6 kvlist, 7 bytes.
    mutating func anyValue(_ r: Range<Int>, depth: Int) throws(OTLPDecodeError) -> OTLPAnyValue {
        var value = OTLPAnyValue.empty
        var pos = r.lowerBound
        while let tag = try nextTag(&pos, r.upperBound) {
            switch tag.field {
            case 1: value = .string(try string(tag, "string_value", &pos, r.upperBound))
            case 2: value = .bool(try varint(tag, "bool_value", &pos, r.upperBound) != 0)
            case 3: value = .int(Int64(bitPattern: try varint(tag, "int_value", &pos, r.upperBound)))
            case 4: value = .double(try double(tag, "double_value", &pos, r.upperBound))
            case 5, 6:
                let isList = tag.field == 6
                let m = try message(tag, isList ? "kvlist_value" : "array_value", &pos, r.upperBound)
                guard depth < limits.attributeDepthMax else {
                    throw fail("attribute value nests arrays or key-value lists more than \(limits.attributeDepthMax) deep (attributeDepthMax)")
                }
                var items: [OTLPAnyValue] = []
                var pairs: [OTLPKeyValue] = []
                var q = m.lowerBound
                while let t = try nextTag(&q, m.upperBound) {
                    guard t.field == 1 else { try skip(t, &q, m.upperBound); continue }
                    let e = try message(t, "values", &q, m.upperBound)
                    if isList { pairs.append(try keyValue(e, depth: depth + 1)) } else { items.append(try anyValue(e, depth: depth + 1)) }
                }
                value = isList ? .kvlist(pairs) : .array(items)
            case 7:
                let m = try message(tag, "bytes_value", &pos, r.upperBound)
                value = .bytes(Array(UnsafeBufferPointer(start: base + m.lowerBound, count: m.count)))
            default: try skip(tag, &pos, r.upperBound)
            }
        }
        return value
    }
}
