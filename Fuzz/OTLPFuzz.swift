// libFuzzer target for the OTLP metrics decoders. Not part of the SwiftPM package: scripts/fuzz-otlp.sh
// compiles this file together with the OTLP decoding sources and the test encoder into one module.
//
// Every input is fed to the protobuf decoder, the JSON decoder and gzip. Besides "never crash, never
// read out of bounds" (ASan), it checks that what the protobuf decoder accepts re-encodes to a request
// that decodes to the same bytes again, and that every name it yields translates to a valid Prometheus name.

import Foundation
import OspreyCore

/// Small enough that a hostile input cannot make one run allocate much; large enough for every seed.
let fuzzLimits = OTLPLimits(bodyBytesMax: 1 << 20, decodedBytesMax: 1 << 20, dataPointsPerRequestMax: 10_000, attributesPerPointMax: 32, attributeDepthMax: 8)

@_cdecl("LLVMFuzzerTestOneInput")
public func otlpFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    if let request = try? OTLPProtobufDecoder.decode(input, limits: fuzzLimits) {
        checkRoundTrip(request)
        checkNames(request)
    }
    if let request = try? OTLPJSONDecoder.decode(input, limits: fuzzLimits) {
        checkNames(request)
    }
    if let inflated = try? Gzip.decompress(input, limit: fuzzLimits.decodedBytesMax) {
        precondition(inflated.count <= fuzzLimits.decodedBytesMax, "gzip went past its limit")
        _ = try? OTLPProtobufDecoder.decode(inflated, limits: fuzzLimits)
    }
    return 0
}

func checkRoundTrip(_ request: OTLPMetricsRequest) {
    let once = OTLPProtoEncoder.encode(request)
    guard let again = try? OTLPProtobufDecoder.decode(once, limits: fuzzLimits) else {
        preconditionFailure("a re-encoded request was rejected")
    }
    precondition(OTLPProtoEncoder.encode(again) == once, "a protobuf round trip changed the request")
    precondition(again.dataPointCount == request.dataPointCount, "data point count changed in a round trip")
}

func validName(_ s: String, metric: Bool) -> Bool {
    guard let first = s.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
    return s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || (metric && $0 == 0x3A) }
}

func checkNames(_ request: OTLPMetricsRequest) {
    for rm in request.resourceMetrics {
        for kv in rm.resource {
            if let name = OTLPNaming.labelName(kv.key) { precondition(validName(name, metric: false), "bad label name \(name)") }
            _ = OTLPNaming.labelValue(kv.value)
        }
        for sm in rm.scopeMetrics {
            for m in sm.metrics {
                for kind in [OTLPNaming.Kind.gauge, .monotonicCounter, .histogram] {
                    if let name = OTLPNaming.metricName(m.name, unit: m.unit, kind: kind) {
                        precondition(validName(name, metric: true), "bad metric name \(name) from \(m.name) / \(m.unit)")
                    }
                }
            }
        }
    }
}

/// With OSPREY_FUZZ_WRITE_SEEDS=<dir> set, writes the seed corpus there and exits (the script runs this once).
@_cdecl("LLVMFuzzerInitialize")
public func otlpFuzzInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let dir = ProcessInfo.processInfo.environment["OSPREY_FUZZ_WRITE_SEEDS"] else { return 0 }
    for (name, bytes) in seeds() {
        let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
        do { try Data(bytes).write(to: url) } catch {
            FileHandle.standardError.write(Data("cannot write seed \(url.path): \(error)\n".utf8))
            exit(1)
        }
    }
    exit(0)
}

func seeds() -> [(String, [UInt8])] {
    let t: UInt64 = 1_700_000_000_000_000_000
    let request = OTLPMetricsRequest(resourceMetrics: [.init(
        resource: [.init("service.name", .string("shop")), .init("host.name", .string("h")),
                   .init("tags", .array([.int(1), .kvlist([.init("k", .double(0.5))])])), .init("raw", .bytes([0, 255]))],
        scopeMetrics: [.init(scopeName: "lib", scopeVersion: "1", metrics: [
            OTLPMetric(name: "http.server.duration", description: "d", unit: "s", data: .histogram([
                .init(attributes: [.init("route", .string("/"))], timeUnixNano: t, count: 3, sum: 1.5, bucketCounts: [1, 1, 1], explicitBounds: [0.1, 1]),
            ], temporality: .cumulative)),
            OTLPMetric(name: "requests", unit: "1", data: .sum([.init(timeUnixNano: t, value: .int(4))], temporality: .delta, monotonic: true)),
            OTLPMetric(name: "cpu", unit: "1", data: .gauge([.init(timeUnixNano: t, value: .double(0.5), flags: 1)])),
            OTLPMetric(name: "rpc", unit: "ms", data: .summary([.init(timeUnixNano: t, count: 2, sum: 3, quantiles: [.init(quantile: 0.5, value: 1)])])),
            OTLPMetric(name: "exp", data: .exponentialHistogram(pointCount: 1)),
        ])])])
    let json = """
        {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"x"}}]},"scopeMetrics":[{"metrics":[
        {"name":"g","unit":"By/s","gauge":{"dataPoints":[{"timeUnixNano":"1","asDouble":"NaN","attributes":[{"key":"a","value":{"arrayValue":{"values":[{"intValue":"2"}]}}}]}]}},
        {"name":"c","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true,"dataPoints":[{"asInt":7}]}}]}]}]}
        """
    return [("request.pb", OTLPProtoEncoder.encode(request)), ("request.json", Array(json.utf8)), ("empty.pb", [])]
}
