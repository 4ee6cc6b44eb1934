import Foundation
import Logging
import Metrics
import MetricStore
import OspreyCore

/// How an OTLP body is encoded.
public enum OTLPFormat: Sendable {
    case protobuf, json
}

/// What became of an export request; the HTTP and gRPC front ends map it to their status codes.
public enum OTLPExportResult: Sendable, Equatable {
    /// Stored. `rejectedPoints > 0` is a partial success and `message` says why (first reasons).
    case success(rejectedPoints: Int, message: String)
    /// Malformed or over a limit; nothing was stored (HTTP 400, gRPC INVALID_ARGUMENT).
    case invalid(String)
    /// The store is opening or shutting down; retry later (HTTP 503, gRPC UNAVAILABLE).
    case unavailable(String)
    /// The store failed to write (HTTP 500, gRPC INTERNAL).
    case failed(String)
}

/// The OTLP metrics export pipeline shared by OTLP/HTTP and OTLP/gRPC: gunzip, decode, translate to
/// Prometheus series (`OTLPTranslator`), store through the `SampleSink`, report metadata.
///
/// ```swift
/// let receiver = OTLPMetricsReceiver(sink: sink)
/// switch receiver.export(body, format: .protobuf, gzip: false) { case .success: ...; default: ... }
/// ```
public final class OTLPMetricsReceiver: Sendable {
    let sink: SampleSink
    let metadata: MetadataSink?
    public let limits: OTLPLimits
    let deltas: OTLPDeltaTracker
    let logger: Logger
    let invalidRequests = Counter(label: "osprey_otlp_invalid_requests_total")
    let pointsReceived = Counter(label: "osprey_otlp_data_points_received_total")
    let pointsRejected = Counter(label: "osprey_otlp_data_points_rejected_total")

    public init(sink: SampleSink, metadata: MetadataSink? = nil, limits: OTLPLimits = OTLPLimits(),
                deltas: OTLPDeltaTracker = OTLPDeltaTracker(), logger: Logger = Logger(label: "osprey.otlp")) {
        self.sink = sink
        self.metadata = metadata
        self.limits = limits
        self.deltas = deltas
        self.logger = logger
    }

    /// Decodes a body as received: gzip-compressed when `gzip`, then protobuf or JSON.
    public func decode(_ body: [UInt8], format: OTLPFormat, gzip: Bool) throws(OTLPDecodeError) -> OTLPMetricsRequest {
        guard body.count <= limits.bodyBytesMax else {
            throw OTLPDecodeError("request body is \(body.count) bytes, over the limit of \(limits.bodyBytesMax) bytes (bodyBytesMax); send smaller batches")
        }
        var bytes = body
        if gzip {
            do { bytes = try Gzip.decompress(body, limit: limits.decodedBytesMax) } catch { throw OTLPDecodeError("bad gzip body: \(error)") }
        }
        switch format {
        case .protobuf: return try OTLPProtobufDecoder.decode(bytes, limits: limits)
        case .json: return try OTLPJSONDecoder.decode(bytes, limits: limits)
        }
    }

    public func export(_ body: [UInt8], format: OTLPFormat, gzip: Bool) -> OTLPExportResult {
        let request: OTLPMetricsRequest
        do { request = try decode(body, format: format, gzip: gzip) } catch {
            invalidRequests.increment()
            return .invalid(error.message)
        }
        return export(request)
    }

    /// Translates and stores a decoded request.
    public func export(_ request: OTLPMetricsRequest) -> OTLPExportResult {
        let hasDeltas = request.resourceMetrics.contains { $0.scopeMetrics.contains { $0.metrics.contains { m in
            switch m.data {
            case .sum(_, .delta, _), .histogram(_, .delta): return true
            default: return false
            }
        } } }
        // Requests with delta points run one at a time, so two of them cannot advance the same running total from the same base.
        if hasDeltas { deltas.exclusive.lock() }
        defer { if hasDeltas { deltas.exclusive.unlock() } }

        let translation = OTLPTranslator.translate(request, deltas: deltas)
        pointsReceived.increment(by: request.dataPointCount)
        let result: CommitResult
        do { result = try sink.write(translation.batch) } catch let e as SampleSinkError {
            return .unavailable(e.description)
        } catch {
            logger.error("storing OTLP samples failed", metadata: ["error": "\(error)"])
            return .failed("storing samples failed: \(error)")
        }
        deltas.apply(translation.staging)
        if let metadata {
            for m in translation.metadata {
                metadata.record(job: m.job, instance: m.instance, family: m.family, type: m.type, help: m.help, unit: m.unit)
            }
        }
        var reasons = translation.rejections
        if result.rejectedCount > 0 {
            reasons.append("\(result.rejectedCount) samples refused by the store, first: \(result.rejected.first.map { "\($0)" } ?? "")")
        }
        let rejected = translation.rejectedPoints + result.rejectedCount
        if rejected > 0 { pointsRejected.increment(by: rejected) }
        var message = reasons.joined(separator: "; ")
        if translation.rejectedPoints > translation.rejections.count {
            message += " (\(translation.rejectedPoints) points rejected in all, first \(translation.rejections.count) reasons shown)"
        }
        return .success(rejectedPoints: rejected, message: message)
    }
}
