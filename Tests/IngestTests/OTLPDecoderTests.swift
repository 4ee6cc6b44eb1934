import Foundation
import MetricStore
import OspreyCore
import Testing

@testable import Ingest

/// OTLP protobuf and JSON decoding, including what malformed input is told.
struct OTLPDecoderTests {
    static let limits = OTLPLimits()

    static let sample = OTLPMetricsRequest(resourceMetrics: [
        .init(resource: [
            .init("service.name", .string("shop")), .init("replicas", .int(-3)), .init("ratio", .double(0.25)),
            .init("on", .bool(true)), .init("tags", .array([.string("a"), .int(1)])),
            .init("meta", .kvlist([.init("k", .string("v"))])), .init("raw", .bytes([1, 2, 255])),
        ], scopeMetrics: [.init(scopeName: "io.lib", scopeVersion: "1.2", metrics: [
            OTLPMetric(name: "g", description: "a gauge", unit: "By", data: .gauge([
                .init(attributes: [.init("x", .string("1"))], startTimeUnixNano: 5, timeUnixNano: 1_700_000_000_000_000_001, value: .double(2.5)),
                .init(timeUnixNano: 7, value: .int(-9), flags: otlpNoRecordedValueFlag),
            ])),
            OTLPMetric(name: "c", data: .sum([.init(timeUnixNano: 7, value: .int(Int64.max))], temporality: .delta, monotonic: true)),
            OTLPMetric(name: "h", unit: "s", data: .histogram([
                .init(attributes: [.init("r", .string("/"))], timeUnixNano: 9, count: 6, sum: 1.5, bucketCounts: [1, 2, 3], explicitBounds: [0.5, 1]),
                .init(timeUnixNano: 9, count: 0),
            ], temporality: .cumulative)),
            OTLPMetric(name: "e", data: .exponentialHistogram(pointCount: 2)),
            OTLPMetric(name: "s", data: .summary([.init(timeUnixNano: 3, count: 4, sum: 10, quantiles: [.init(quantile: 0.9, value: 7)])])),
        ])]),
    ])

    @Test("a request round-trips through protobuf with every metric type and attribute value type")
    func protobufRoundTrip() throws {
        let bytes = OTLPProtoEncoder.encode(Self.sample)
        #expect(try OTLPProtobufDecoder.decode(bytes, limits: Self.limits) == Self.sample)
        #expect(Self.sample.dataPointCount == 8)
    }

    @Test("hand-built bytes decode with the OTLP field numbers")
    func literalBytes() throws {
        // resource_metrics(1) { scope_metrics(2) { metrics(2) { name(1) "up"; gauge(5) { data_points(1) { time(3) fixed64 1000000; as_int(6) sfixed64 1 } } } } }
        let point: [UInt8] = [0x19] + [0x40, 0x42, 0x0F, 0, 0, 0, 0, 0] + [0x31] + [1, 0, 0, 0, 0, 0, 0, 0]
        let gauge: [UInt8] = [0x0A, UInt8(point.count)] + point
        let metric: [UInt8] = [0x0A, 2, 0x75, 0x70, 0x2A, UInt8(gauge.count)] + gauge
        let scope: [UInt8] = [0x12, UInt8(metric.count)] + metric
        let body: [UInt8] = [0x0A, UInt8(scope.count + 2), 0x12, UInt8(scope.count)] + scope
        let r = try OTLPProtobufDecoder.decode(body, limits: Self.limits)
        #expect(r.resourceMetrics[0].scopeMetrics[0].metrics[0] == OTLPMetric(name: "up", data: .gauge([.init(timeUnixNano: 1_000_000, value: .int(1))])))
    }

    @Test("unpacked repeated bucket counts and unknown fields of every wire type are read")
    func unpackedAndUnknown() throws {
        var p = OTLPProtoWriter()
        p.fixed64(6, 2)
        p.fixed64(6, 3)
        p.fixed64(7, Double(1).bitPattern)
        p.fixed64(4, 5)
        p.varint(99, 1)
        p.tag(98, 5)
        p.bytes += [1, 2, 3, 4]
        p.string(97, "x")
        var w = OTLPProtoWriter()
        w.message(1) { w in w.message(2) { w in w.message(2) { w in
            w.string(1, "h")
            w.message(9) { w in w.bytesField(1, p.bytes); w.varint(2, 2) }
        } } }
        let r = try OTLPProtobufDecoder.decode(w.bytes, limits: Self.limits)
        #expect(r.resourceMetrics[0].scopeMetrics[0].metrics[0].data == .histogram([.init(count: 5, bucketCounts: [2, 3], explicitBounds: [1])], temporality: .cumulative))
    }

    static func protobufError(_ bytes: [UInt8], limits: OTLPLimits = OTLPDecoderTests.limits) -> String {
        do {
            _ = try OTLPProtobufDecoder.decode(bytes, limits: limits)
            return "(accepted)"
        } catch { return error.message }
    }

    static func metricBody(_ build: (inout OTLPProtoWriter) -> Void) -> [UInt8] {
        var w = OTLPProtoWriter()
        w.message(1) { w in w.message(2) { w in w.message(2, build) } }
        return w.bytes
    }

    @Test("malformed protobuf gets an error naming the field path and the problem", arguments: [
        ([0x0A, 0x80] as [UInt8], "truncated varint at byte 1"),
        ([0x08, 0x01], "field 1 (resource_metrics) at byte 0 has wire type 0 (varint), expected 2 (length-delimited)"),
        ([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "length 4294967295 of the field at byte 0 runs past the end of its enclosing message (0 bytes left)"),
        ([0x0B], "field 1 at byte 0 is a group (wire type 3); OTLP messages have no groups"),
        ([0x0F], "invalid wire type 7 for field 1 at byte 0"),
        ([0x00], "field number 0 at byte 0"),
        ([0x0A, 0x02, 0x12, 0x05], "resource_metrics[0]: length 5 of the field at byte 2 runs past the end of its enclosing message (0 bytes left)"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "varint longer than 10 bytes at byte 0"),
    ])
    func malformed(_ bytes: [UInt8], _ expected: String) {
        #expect(Self.protobufError(bytes) == expected)
    }

    @Test("invalid UTF-8 in a string names the field")
    func badUTF8() {
        let body = Self.metricBody { $0.bytesField(1, [0x61, 0xFF]) }
        #expect(Self.protobufError(body) == "resource_metrics[0].scope_metrics[0].metrics[0]: field 1 (name) at byte 6 is not valid UTF-8")
    }

    @Test("a truncated fixed64 in a data point names the point")
    func truncatedFixed() {
        let body = Self.metricBody { w in
            w.message(5) { w in w.bytesField(1, [0x19, 1, 2, 3]) }
        }
        #expect(Self.protobufError(body) == "resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points[0]: fixed64 field 3 at byte 10 runs past the end of its enclosing message")
    }

    @Test("limits: data points per request, attributes per point, attribute nesting, decoded size")
    func limits() {
        var small = OTLPLimits()
        small.dataPointsPerRequestMax = 2
        small.attributesPerPointMax = 1
        small.attributeDepthMax = 2
        let three = Self.metricBody { w in w.message(5) { w in for _ in 0..<3 { w.message(1) { $0.fixed64(3, 1) } } } }
        #expect(Self.protobufError(three, limits: small).contains("more than 2 data points (dataPointsPerRequestMax)"))
        let attrs = Self.metricBody { w in w.message(5) { w in w.message(1) { w in
            for k in ["a", "b"] { w.message(7) { OTLPProtoEncoder.keyValue(.init(k, .int(1)), &$0) } }
        } } }
        #expect(Self.protobufError(attrs, limits: small) == "resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points[0]: more than 1 attributes (attributesPerPointMax)")
        var deep = OTLPAnyValue.int(1)
        for _ in 0..<3 { deep = .array([deep]) }
        let nested = Self.metricBody { w in w.message(5) { w in w.message(1) { w in w.message(7) { OTLPProtoEncoder.keyValue(.init("a", deep), &$0) } } } }
        #expect(Self.protobufError(nested, limits: small).contains("nests arrays or key-value lists more than 2 deep (attributeDepthMax)"))
        small.decodedBytesMax = 4
        #expect(Self.protobufError([UInt8](repeating: 0, count: 5), limits: small).contains("over the limit of 4 bytes"))
    }

    static let json = """
        {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}},
          {"key":"n","value":{"intValue":"-3"}},{"key":"b","value":{"bytesValue":"AQL/"}},
          {"key":"l","value":{"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":0.5}}]}}}]},
         "scopeMetrics":[{"scope":{"name":"io.lib"},"metrics":[
          {"name":"g","unit":"By","gauge":{"dataPoints":[{"timeUnixNano":"1700000000000000001","asDouble":"NaN",
             "attributes":[{"key":"a","value":{"arrayValue":{"values":[{"boolValue":true}]}}}]},
             {"time_unix_nano":7,"as_int":5,"flags":1}]}},
          {"name":"c","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true,
             "dataPoints":[{"timeUnixNano":"9","asInt":"9223372036854775807","exemplars":[{"traceId":"5b8efff798038103d269b633813fc60c"}]}]}},
          {"name":"h","histogram":{"aggregationTemporality":1,"dataPoints":[{"timeUnixNano":"9","count":"3","sum":1.5,
             "bucketCounts":["1",2],"explicitBounds":[0.5]}]}},
          {"name":"s","summary":{"dataPoints":[{"timeUnixNano":"3","count":"4","sum":10,"quantileValues":[{"quantile":0.9,"value":"Infinity"}]}]}},
          {"name":"e","exponentialHistogram":{"dataPoints":[{},{}]}}]}]}]}
        """

    @Test("OTLP/JSON decodes: camelCase and snake_case names, int64 as strings, enums as names or numbers, special floats")
    func jsonDecode() throws {
        let r = try OTLPJSONDecoder.decode(Array(Self.json.utf8), limits: Self.limits)
        let rm = r.resourceMetrics[0]
        #expect(rm.resource == [
            .init("service.name", .string("shop")), .init("n", .int(-3)), .init("b", .bytes([1, 2, 255])),
            .init("l", .kvlist([.init("k", .double(0.5))])),
        ])
        let m = rm.scopeMetrics[0].metrics
        #expect(rm.scopeMetrics[0].scopeName == "io.lib")
        guard case .gauge(let g) = m[0].data else { Issue.record("gauge: \(m[0].data)"); return }
        #expect(g[0].timeUnixNano == 1_700_000_000_000_000_001)
        #expect(g[0].attributes == [.init("a", .array([.bool(true)]))])
        if case .double(let d) = g[0].value { #expect(d.isNaN) } else { Issue.record("asDouble NaN: \(g[0].value)") }
        #expect(g[1] == OTLPNumberPoint(timeUnixNano: 7, value: .int(5), flags: 1))
        #expect(m[1].data == .sum([.init(timeUnixNano: 9, value: .int(Int64.max))], temporality: .cumulative, monotonic: true))
        #expect(m[2].data == .histogram([.init(timeUnixNano: 9, count: 3, sum: 1.5, bucketCounts: [1, 2], explicitBounds: [0.5])], temporality: .delta))
        #expect(m[3].data == .summary([.init(timeUnixNano: 3, count: 4, sum: 10, quantiles: [.init(quantile: 0.9, value: .infinity)])]))
        #expect(m[4].data == .exponentialHistogram(pointCount: 2))
    }

    static func jsonError(_ text: String) -> String {
        do {
            _ = try OTLPJSONDecoder.decode(Array(text.utf8), limits: Self.limits)
            return "(accepted)"
        } catch { return error.message }
    }

    @Test("malformed OTLP/JSON gets an error naming the field", arguments: [
        ("{", "json: the body is not valid JSON"),
        ("[]", "json: the request must be a JSON object"),
        ("{\"resourceMetrics\":5}", "json: resourceMetrics must be a JSON array"),
        ("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"g\",\"gauge\":{\"dataPoints\":[{\"timeUnixNano\":\"soon\"}]}}]}]}]}",
         "json: resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0]: timeUnixNano \"soon\" is not an unsigned 64-bit integer"),
        ("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"c\",\"sum\":{\"aggregationTemporality\":\"SOMETIMES\"}}]}]}]}",
         "json: resourceMetrics[0].scopeMetrics[0].metrics[0]: aggregationTemporality \"SOMETIMES\" is not AGGREGATION_TEMPORALITY_DELTA or _CUMULATIVE"),
        ("{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":\"b\",\"value\":{\"bytesValue\":\"%%\"}}]}}]}",
         "json: resourceMetrics[0].resource.attributes[0]: bytesValue must be a base64 string"),
        ("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":7}]}]}]}",
         "json: resourceMetrics[0].scopeMetrics[0].metrics[0]: name must be a string"),
    ])
    func jsonMalformed(_ text: String, _ expected: String) {
        #expect(Self.jsonError(text).hasPrefix(expected), "\(Self.jsonError(text))")
    }

    @Test("invalid UTF-8 in a JSON body is an error")
    func jsonBadUTF8() {
        let bytes: [UInt8] = Array("{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"".utf8) + [0xFF, 0xFE] + Array("\"}]}]}]}".utf8)
        #expect(throws: OTLPDecodeError.self) { try OTLPJSONDecoder.decode(bytes, limits: Self.limits) }
    }
}
