import Foundation
import Ingest
import MetricStore
import OspreyCore
import Yams

/// `osprey.yml`. Every field has a default, so Osprey runs with no file at all.
struct OspreyConfig {
    var listenAddress = "127.0.0.1:9700"
    var dataDirectory = "./data"
    var store = MetricStoreDB.Options()
    var remoteWriteBodyBytesMax = 32 << 20
    var global = GlobalScrapeSettings()
    var evaluationIntervalMs: Int64 = 60_000
    var scrapeConfigs: [ScrapeConfig] = []
    /// Whether the file has a `scrape_configs` section; without one Osprey scrapes itself.
    var scrapeConfigsPresent = false
    var hostMetrics = HostMetricsSettings()
    /// `remote_write`: receivers Osprey forwards every stored sample to.
    var remoteWrite: [RemoteWriteEntry] = []
    var otlp = OTLPConfig()
    var query = QuerySettings()
    /// Top-level sections that are valid but served by parts of Osprey not built yet.
    var ignored: [String] = []

    /// Sections of prometheus.yml and osprey.yml this version accepts without using them.
    static let acceptedIgnored: Set<String> = [
        "scrape_config_files", "rule_files", "alerting", "remote_read",
        "tracing", "runtime", "logs", "traces", "probes", "slos", "oncall", "auth",
    ]
}

/// The built-in host collector (node_exporter's metrics without node_exporter).
struct HostMetricsSettings {
    var enabled = true
    var intervalMs: Int64 = 15_000
    var jobName = "node"
}

/// A config error that names the file, line and field.
struct ConfigError: Error, CustomStringConvertible {
    let file: String
    let line: Int?
    let field: String
    let message: String
    var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(field): \(message)"
    }
}

enum ConfigLoader {
    static func load(path: String) throws -> OspreyConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, field: "(file)", message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, field: "(file)", message: "not valid UTF-8")
        }
        return try parse(text, file: path)
    }

    static func parse(_ text: String, file: String) throws -> OspreyConfig {
        var config = OspreyConfig()
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw ConfigError(file: file, line: lineOf(e), field: "(yaml)", message: "\(e)")
        }
        guard let root else { return config }
        let r = Reader(file: file)
        let top = try r.mapping(root, "(top level)")
        // Jobs inherit `global`, which may come after them in the file.
        var scrapeNode: Node?
        for (key, value) in top {
            switch key {
            case "web":
                for (k, v) in try r.mapping(value, "web") {
                    switch k {
                    case "listen_address": config.listenAddress = try r.hostPort(v, "web.listen_address")
                    default: throw r.unknown(v, "web.\(k)")
                    }
                }
            case "storage":
                try storage(r, value, &config)
            case "global":
                try global(r, value, &config)
            case "scrape_configs":
                config.scrapeConfigsPresent = true
                scrapeNode = value
            case "host_metrics":
                try hostMetrics(r, value, &config)
            case "remote_write":
                try remoteWrite(r, value, &config)
            case "otlp":
                try otlp(r, value, &config)
            case "query":
                try query(r, value, &config)
            default:
                if OspreyConfig.acceptedIgnored.contains(key) {
                    config.ignored.append(key)
                } else {
                    throw r.unknown(value, key)
                }
            }
        }
        if let scrapeNode { try scrapeConfigs(r, scrapeNode, &config) }
        return config
    }

    private static func storage(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        for (k, v) in try r.mapping(node, "storage") {
            switch k {
            case "path": config.dataDirectory = try r.string(v, "storage.path")
            case "retention":
                for (rk, rv) in try r.mapping(v, "storage.retention") {
                    switch rk {
                    case "time": config.store.retentionMs = try r.duration(rv, "storage.retention.time")
                    case "size": config.store.retentionBytes = try r.byteSize(rv, "storage.retention.size")
                    default: throw r.unknown(rv, "storage.retention.\(rk)")
                    }
                }
            case "wal":
                var policy = "batch"
                var interval: Int64 = 1000
                for (wk, wv) in try r.mapping(v, "storage.wal") {
                    switch wk {
                    case "fsync":
                        policy = try r.string(wv, "storage.wal.fsync")
                        guard ["always", "batch", "never"].contains(policy) else {
                            throw r.invalid(wv, "storage.wal.fsync", "must be always, batch or never, not \"\(policy)\"")
                        }
                    case "fsync_interval":
                        interval = try r.duration(wv, "storage.wal.fsync_interval")
                        guard interval > 0 else { throw r.invalid(wv, "storage.wal.fsync_interval", "must be positive") }
                    default: throw r.unknown(wv, "storage.wal.\(wk)")
                    }
                }
                config.store.fsync = policy == "always" ? .always : policy == "never" ? .never : .batch(intervalMs: interval)
            case "block_range":
                let ms = try r.duration(v, "storage.block_range")
                guard ms >= 60_000 else { throw r.invalid(v, "storage.block_range", "must be at least 1m") }
                config.store.blockRangeMs = ms
            case "limits":
                for (lk, lv) in try r.mapping(v, "storage.limits") {
                    let field = "storage.limits.\(lk)"
                    switch lk {
                    case "label_name_bytes_max": config.store.limits.labelNameBytesMax = try r.positiveInt(lv, field)
                    case "label_value_bytes_max": config.store.limits.labelValueBytesMax = try r.positiveInt(lv, field)
                    case "labels_per_series_max": config.store.limits.labelsPerSeriesMax = try r.positiveInt(lv, field)
                    case "series_max": config.store.limits.seriesMax = try r.positiveInt(lv, field)
                    case "remote_write_body_bytes_max": config.remoteWriteBodyBytesMax = try r.positiveInt(lv, field)
                    default: throw r.unknown(lv, field)
                    }
                }
            case "tsdb", "exemplars":
                config.ignored.append("storage.\(k)")
            default:
                throw r.unknown(v, "storage.\(k)")
            }
        }
    }

    private static func lineOf(_ e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    struct Reader {
        let file: String

        func error(_ node: Node, _ field: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: node.mark?.line, field: field, message: message)
        }
        func unknown(_ node: Node, _ field: String) -> ConfigError { error(node, field, "unknown field") }
        func invalid(_ node: Node, _ field: String, _ m: String) -> ConfigError { error(node, field, m) }

        func mapping(_ node: Node, _ field: String) throws -> [(String, Node)] {
            if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { return [] }
            guard let m = node.mapping else { throw error(node, field, "must be a mapping") }
            var seen = Set<String>()
            return try m.map { k, v in
                guard let key = k.string else { throw error(k, field, "keys must be strings") }
                guard seen.insert(key).inserted else { throw error(k, "\(field).\(key)", "appears twice") }
                return (key, v)
            }
        }

        func string(_ node: Node, _ field: String) throws -> String {
            guard case .scalar(let s) = node else { throw error(node, field, "must be a string") }
            return s.string
        }

        func duration(_ node: Node, _ field: String) throws -> Int64 {
            let s = try string(node, field)
            do { return try OspreyCore.Duration.parseMs(s) } catch { throw self.error(node, field, "\(error)") }
        }

        func byteSize(_ node: Node, _ field: String) throws -> Int64 {
            let s = try string(node, field)
            do { return try ByteSize.parse(s) } catch { throw self.error(node, field, "\(error)") }
        }

        func positiveInt(_ node: Node, _ field: String) throws -> Int {
            let s = try string(node, field)
            guard let n = Int(s), n > 0 else { throw error(node, field, "must be a positive integer, not \"\(s)\"") }
            return n
        }

        func bool(_ node: Node, _ field: String) throws -> Bool {
            let s = try string(node, field)
            switch s {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: throw error(node, field, "must be true or false, not \"\(s)\"")
            }
        }

        func int(_ node: Node, _ field: String) throws -> Int {
            let s = try string(node, field)
            guard let n = Int(s) else { throw error(node, field, "must be an integer, not \"\(s)\"") }
            return n
        }

        func nonNegativeInt(_ node: Node, _ field: String) throws -> Int {
            let n = try int(node, field)
            guard n >= 0 else { throw error(node, field, "must not be negative") }
            return n
        }

        /// A YAML sequence (an empty or null node is an empty list).
        func sequence(_ node: Node, _ field: String) throws -> [Node] {
            if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { return [] }
            guard let seq = node.sequence else { throw error(node, field, "must be a list") }
            return Array(seq)
        }

        func stringList(_ node: Node, _ field: String) throws -> [String] {
            try sequence(node, field).enumerated().map { try string($1, "\(field)[\($0)]") }
        }

        func stringMap(_ node: Node, _ field: String) throws -> [(String, String)] {
            try mapping(node, field).map { ($0, try string($1, "\(field).\($0)")) }
        }

        func hostPort(_ node: Node, _ field: String) throws -> String {
            let s = try string(node, field)
            guard HostPort(s) != nil else { throw error(node, field, "must be HOST:PORT, not \"\(s)\"") }
            return s
        }
    }
}

struct HostPort {
    let host: String
    let port: Int

    init?(_ s: String) {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}
