import API
import Foundation
import Hummingbird
import Ingest
import Logging
import ServiceLifecycle

/// OTLP metrics ingest: `/otlp/v1/metrics` and `/api/v1/otlp/v1/metrics` on the main router, and the
/// OTLP/HTTP (`/v1/metrics`, default 127.0.0.1:4318) and OTLP/gRPC (default 127.0.0.1:4317) listeners.
extension Wiring {
    /// One running total per delta series for the whole process, shared by every OTLP entry point.
    static let otlpDeltas = OTLPDeltaTracker()

    var otlpReceiver: OTLPMetricsReceiver {
        OTLPMetricsReceiver(sink: sink, metadata: nil, deltas: Self.otlpDeltas, logger: logger)
    }

    func configureOTLP(_ deps: inout APIDependencies) {
        let handler = OTLPHTTPHandler(receiver: otlpReceiver)
        deps.extraRoutes.append { router in handler.addRoutes(to: router, paths: OTLPHTTPHandler.mainRouterPaths) }
    }

    func otlpServices() throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var list: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let receiver = otlpReceiver
        let cfg = config.otlp
        if cfg.http.enabled {
            guard let address = HostPort(cfg.http.listenAddress) else { throw OTLPWiringError("otlp.http.listen_address \"\(cfg.http.listenAddress)\" is not HOST:PORT") }
            let router = Router()
            OTLPHTTPHandler(receiver: receiver).addRoutes(to: router, paths: [OTLPHTTPHandler.listenerPath])
            let app = Application(router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: "Osprey"), logger: logger)
            list.append(.init(service: OTLPListener(inner: app, what: "OTLP/HTTP", field: "otlp.http.listen_address",
                                                   address: cfg.http.listenAddress, required: cfg.http.explicit, logger: logger)))
        }
        if cfg.grpc.enabled {
            guard let address = HostPort(cfg.grpc.listenAddress) else { throw OTLPWiringError("otlp.grpc.listen_address \"\(cfg.grpc.listenAddress)\" is not HOST:PORT") }
            let server = GRPCServer(name: "OTLP/gRPC", host: address.host, port: address.port, messageBytesMax: receiver.limits.bodyBytesMax,
                                    methods: OTLPGRPCService.methods(receiver), logger: logger)
            list.append(.init(service: OTLPListener(inner: server, what: "OTLP/gRPC", field: "otlp.grpc.listen_address",
                                                   address: cfg.grpc.listenAddress, required: cfg.grpc.explicit, logger: logger)))
        }
        return list
    }
}

struct OTLPWiringError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs an OTLP listener. When it fails on its default address (another program holds port 4317 or
/// 4318), Osprey keeps running without it and says so; an address set in osprey.yml must work.
struct OTLPListener: Service {
    let inner: any Service
    let what: String
    let field: String
    let address: String
    let required: Bool
    let logger: Logger

    func run() async throws {
        do {
            try await inner.run()
        } catch {
            if required || Task.isCancelled { throw error }
            logger.error("\(what) listener is off: it failed on its default address; set \(field) in osprey.yml to a free address",
                         metadata: ["address": "\(address)", "error": "\(error)"])
            // Stay in the group until shutdown: a service that returns early would stop the server.
            try? await gracefulShutdown()
        }
    }
}
