import Foundation
import OspreyCore

#if canImport(Ingest)
@testable import Ingest
#endif

/// Encodes `OTLPMetricsRequest` as OTLP protobuf, field by field (numbers as in docs/proto/otlp_metrics.proto),
/// for tests and fuzz seeds. Also used by scripts/fuzz-otlp.sh, so it imports nothing but Foundation and OspreyCore.
struct OTLPProtoWriter {
    var bytes: [UInt8] = []

    mutating func tag(_ field: Int, _ wireType: Int) { appendUVarint(&bytes, UInt64(field << 3 | wireType)) }
    mutating func varint(_ field: Int, _ v: UInt64) {
        tag(field, 0)
        appendUVarint(&bytes, v)
    }
    mutating func fixed64(_ field: Int, _ v: UInt64) {
        tag(field, 1)
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
    }
    mutating func double(_ field: Int, _ v: Double) { fixed64(field, v.bitPattern) }
    mutating func bytesField(_ field: Int, _ v: [UInt8]) {
        tag(field, 2)
        appendUVarint(&bytes, UInt64(v.count))
        bytes += v
    }
    mutating func string(_ field: Int, _ s: String) { bytesField(field, Array(s.utf8)) }
    mutating func message(_ field: Int, _ build: (inout OTLPProtoWriter) -> Void) {
        var inner = OTLPProtoWriter()
        build(&inner)
        bytesField(field, inner.bytes)
    }
}

enum OTLPProtoEncoder {
    static func encode(_ r: OTLPMetricsRequest) -> [UInt8] {
        var w = OTLPProtoWriter()
        for rm in r.resourceMetrics {
            w.message(1) { w in
                w.message(1) { w in for kv in rm.resource { w.message(1) { keyValue(kv, &$0) } } }
                for sm in rm.scopeMetrics {
                    w.message(2) { w in
                        w.message(1) { w in
                            w.string(1, sm.scopeName)
                            w.string(2, sm.scopeVersion)
                        }
                        for m in sm.metrics { w.message(2) { metric(m, &$0) } }
                    }
                }
            }
        }
        return w.bytes
    }

    static func metric(_ m: OTLPMetric, _ w: inout OTLPProtoWriter) {
        w.string(1, m.name)
        if !m.description.isEmpty { w.string(2, m.description) }
        if !m.unit.isEmpty { w.string(3, m.unit) }
        switch m.data {
        case .none: break
        case .gauge(let ps): w.message(5) { w in for p in ps { w.message(1) { numberPoint(p, &$0) } } }
        case .sum(let ps, let t, let monotonic):
            w.message(7) { w in
                for p in ps { w.message(1) { numberPoint(p, &$0) } }
                w.varint(2, UInt64(t.rawValue))
                w.varint(3, monotonic ? 1 : 0)
            }
        case .histogram(let ps, let t):
            w.message(9) { w in
                for p in ps { w.message(1) { histogramPoint(p, &$0) } }
                w.varint(2, UInt64(t.rawValue))
            }
        case .exponentialHistogram(let n):
            w.message(10) { w in
                for _ in 0..<n { w.message(1) { w in w.fixed64(3, 1); w.fixed64(4, 2) } }
                w.varint(2, 2)
            }
        case .summary(let ps):
            w.message(11) { w in
                for p in ps {
                    w.message(1) { w in
                        for kv in p.attributes { w.message(7) { keyValue(kv, &$0) } }
                        w.fixed64(2, p.startTimeUnixNano)
                        w.fixed64(3, p.timeUnixNano)
                        w.fixed64(4, p.count)
                        w.double(5, p.sum)
                        for q in p.quantiles { w.message(6) { w in w.double(1, q.quantile); w.double(2, q.value) } }
                        if p.flags != 0 { w.varint(8, UInt64(p.flags)) }
                    }
                }
            }
        }
    }

    static func numberPoint(_ p: OTLPNumberPoint, _ w: inout OTLPProtoWriter) {
        w.fixed64(2, p.startTimeUnixNano)
        w.fixed64(3, p.timeUnixNano)
        switch p.value {
        case .absent: break
        case .double(let d): w.double(4, d)
        case .int(let i): w.fixed64(6, UInt64(bitPattern: i))
        }
        for kv in p.attributes { w.message(7) { keyValue(kv, &$0) } }
        if p.flags != 0 { w.varint(8, UInt64(p.flags)) }
    }

    static func histogramPoint(_ p: OTLPHistogramPoint, _ w: inout OTLPProtoWriter) {
        w.fixed64(2, p.startTimeUnixNano)
        w.fixed64(3, p.timeUnixNano)
        w.fixed64(4, p.count)
        if let sum = p.sum { w.double(5, sum) }
        // Packed, as the SDKs send them.
        if !p.bucketCounts.isEmpty {
            var packed: [UInt8] = []
            for c in p.bucketCounts { for k in 0..<8 { packed.append(UInt8(truncatingIfNeeded: c >> (8 * k))) } }
            w.bytesField(6, packed)
        }
        if !p.explicitBounds.isEmpty {
            var packed: [UInt8] = []
            for b in p.explicitBounds { for k in 0..<8 { packed.append(UInt8(truncatingIfNeeded: b.bitPattern >> (8 * k))) } }
            w.bytesField(7, packed)
        }
        for kv in p.attributes { w.message(9) { keyValue(kv, &$0) } }
        if p.flags != 0 { w.varint(10, UInt64(p.flags)) }
    }

    static func keyValue(_ kv: OTLPKeyValue, _ w: inout OTLPProtoWriter) {
        w.string(1, kv.key)
        w.message(2) { anyValue(kv.value, &$0) }
    }

    static func anyValue(_ v: OTLPAnyValue, _ w: inout OTLPProtoWriter) {
        switch v {
        case .empty: break
        case .string(let s): w.string(1, s)
        case .bool(let b): w.varint(2, b ? 1 : 0)
        case .int(let i): w.varint(3, UInt64(bitPattern: i))
        case .double(let d): w.double(4, d)
        case .array(let items): w.message(5) { w in for i in items { w.message(1) { anyValue(i, &$0) } } }
        case .kvlist(let pairs): w.message(6) { w in for p in pairs { w.message(1) { keyValue(p, &$0) } } }
        case .bytes(let b): w.bytesField(7, b)
        }
    }
}
