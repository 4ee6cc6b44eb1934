import ConfigReader
import OspreyCore
import Yams

/// `query:` in osprey.yml: PromQL engine settings (Prometheus has them as `--query.*` flags).
struct QuerySettings {
    /// `lookback_delta`: how far back an instant selector looks for a sample.
    var lookbackDeltaMs: Int64 = 5 * 60_000
    /// `timeout`: a query running longer is stopped.
    var timeoutMs: Int64 = 2 * 60_000
    /// `max_samples`: samples one query may hold in memory at once.
    var maxSamples = 50_000_000
}

extension QuerySettings {
    /// Applies the `--query.*` flags, which override osprey.yml as Prometheus's flags would.
    mutating func apply(lookbackDelta: String?, timeout: String?, maxSamples: Int?) throws {
        func positive(_ text: String, _ flag: String) throws -> Int64 {
            guard let ms = try? OspreyCore.Duration.parseMs(text), ms > 0 else {
                throw ConfigError(file: "(flags)", line: nil, field: flag, message: "must be a positive duration such as 30s or 5m, not \"\(text)\"")
            }
            return ms
        }
        if let lookbackDelta { lookbackDeltaMs = try positive(lookbackDelta, "--query.lookback-delta") }
        if let timeout { timeoutMs = try positive(timeout, "--query.timeout") }
        if let maxSamples {
            guard maxSamples > 0 else {
                throw ConfigError(file: "(flags)", line: nil, field: "--query.max-samples", message: "must be a positive integer, not \(maxSamples)")
            }
            self.maxSamples = maxSamples
        }
    }
}

extension ConfigLoader {
    static func query(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        for (k, v) in try r.mapping(node, "query") {
            let field = "query.\(k)"
            switch k {
            case "lookback_delta":
                let ms = try r.duration(v, field)
                guard ms > 0 else { throw r.invalid(v, field, "must be positive") }
                config.query.lookbackDeltaMs = ms
            case "timeout":
                let ms = try r.duration(v, field)
                guard ms > 0 else { throw r.invalid(v, field, "must be positive") }
                config.query.timeoutMs = ms
            case "max_samples": config.query.maxSamples = try r.positiveInt(v, field)
            default: throw r.unknown(v, field)
            }
        }
    }
}
