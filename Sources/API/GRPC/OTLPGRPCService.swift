import Foundation
import Ingest

/// OTLP/gRPC metrics: `opentelemetry.proto.collector.metrics.v1.MetricsService/Export` on a `GRPCServer`.
/// Malformed requests get INVALID_ARGUMENT, a store that is not ready UNAVAILABLE (exporters retry),
/// rejected points an OK reply with `partial_success`.
public enum OTLPGRPCService {
    public static let metricsExportPath = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"

    /// The methods to register on a `GRPCServer`.
    public static func methods(_ receiver: OTLPMetricsReceiver) -> [String: GRPCUnaryHandler] {
        [metricsExportPath: { request in
            switch receiver.export(request.message, format: .protobuf, gzip: request.compression == "gzip") {
            case .success(let rejected, let message):
                return .ok(OTLPResponse.export(rejectedPoints: rejected, message: message, format: .protobuf))
            case .invalid(let message): return .error(.invalidArgument, "bad OTLP metrics request: \(message)")
            case .unavailable(let message): return .error(.unavailable, message)
            case .failed(let message): return .error(.internalError, message)
            }
        }]
    }
}
