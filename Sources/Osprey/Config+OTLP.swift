import ConfigReader
import Foundation
import Yams

/// `otlp:` in osprey.yml: the OTLP receivers' listeners.
///
/// ```yaml
/// otlp:
///   http: {listen_address: 127.0.0.1:4318, enabled: true}
///   grpc: {listen_address: 127.0.0.1:4317, enabled: true}
/// ```
/// The keys Prometheus reads in its own `otlp:` section (translation_strategy, promote_resource_attributes, …)
/// are accepted and reported as not used, so a prometheus.yml loads unchanged.
struct OTLPConfig {
    struct Listener {
        var listenAddress: String
        var enabled = true
        /// Whether the address was set in the file. A default port that is taken only turns the listener
        /// off (with an error in the log); an address the user asked for must be available.
        var explicit = false
    }
    /// The OpenTelemetry default ports, on loopback like the rest of Osprey.
    var http = Listener(listenAddress: "127.0.0.1:4318")
    var grpc = Listener(listenAddress: "127.0.0.1:4317")

    static let prometheusKeys: Set<String> = [
        "promote_resource_attributes", "ignore_resource_attributes", "promote_all_resource_attributes", "translation_strategy",
        "keep_identifying_resource_attributes", "convert_histograms_to_nhcb", "promote_scope_metadata",
    ]
}

extension ConfigLoader {
    static func otlp(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        for (k, v) in try r.mapping(node, "otlp") {
            switch k {
            case "http": config.otlp.http = try otlpListener(r, v, "otlp.http", config.otlp.http)
            case "grpc": config.otlp.grpc = try otlpListener(r, v, "otlp.grpc", config.otlp.grpc)
            default:
                guard OTLPConfig.prometheusKeys.contains(k) else { throw r.unknown(v, "otlp.\(k)") }
                config.ignored.append("otlp.\(k)")
            }
        }
    }

    private static func otlpListener(_ r: Reader, _ node: Node, _ field: String, _ defaults: OTLPConfig.Listener) throws -> OTLPConfig.Listener {
        var listener = defaults
        for (k, v) in try r.mapping(node, field) {
            switch k {
            case "listen_address":
                listener.listenAddress = try r.hostPort(v, "\(field).listen_address")
                listener.explicit = true
            case "enabled": listener.enabled = try r.bool(v, "\(field).enabled")
            default: throw r.unknown(v, "\(field).\(k)")
            }
        }
        return listener
    }
}
