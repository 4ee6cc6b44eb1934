import Alerting
import Foundation
import Ingest
import MetricStore
import OspreyCore
import ConfigReader
import Yams

/// `osprey.yml`. Every field has a default, so Osprey runs with no file at all.
struct OspreyConfig {
    var listenAddress = "127.0.0.1:9700"
    var dataDirectory = "./data"
    var store = MetricStoreDB.Options()
    var remoteWriteBodyBytesMax = 32 << 20
    var global = GlobalScrapeSettings()
    var evaluationIntervalMs: Int64 = 60_000
    /// `global.rule_query_offset`: how far in the past rule groups without their own `query_offset` query.
    var ruleQueryOffsetMs: Int64 = 0
    var scrapeConfigs: [ScrapeConfig] = []
    /// Whether the file has a `scrape_configs` section; without one Osprey scrapes itself.
    var scrapeConfigsPresent = false
    var hostMetrics = HostMetricsSettings()
    /// `remote_write`: receivers Osprey forwards every stored sample to.
    var remoteWrite: [RemoteWriteEntry] = []
    var otlp = OTLPConfig()
    var query = QuerySettings()
    /// `rule_files`: rule file paths and globs, resolved against the configuration file's directory.
    var ruleFiles: [String] = []
    /// `alerting`: where alerts are sent and how Osprey routes them (Alertmanager's schema).
    var alerting = AlertingSettings()
    /// `oncall:`: people, schedules with rotations, escalation policies.
    var onCall = OnCallConfig()
    /// Top-level sections that are valid but served by parts of Osprey not built yet.
    var ignored: [String] = []

    /// Sections of prometheus.yml and osprey.yml this version accepts without using them.
    static let acceptedIgnored: Set<String> = [
        "scrape_config_files", "remote_read",
        "tracing", "runtime", "logs", "traces", "probes", "slos", "auth",
    ]
}

/// The built-in host collector (node_exporter's metrics without node_exporter).
struct HostMetricsSettings {
    var enabled = true
    var intervalMs: Int64 = 15_000
    var jobName = "node"
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
            throw ConfigError(file: file, line: YAMLReader.line(of: e), field: "(yaml)", message: "\(e)")
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
            case "rule_files":
                try ruleFiles(r, value, &config)
            case "alerting":
                try alerting(r, value, &config)
            case "oncall":
                try onCall(r, value, &config)
            default:
                if OspreyConfig.acceptedIgnored.contains(key) {
                    config.ignored.append(key)
                } else {
                    throw r.unknown(value, key)
                }
            }
        }
        if let scrapeNode { try scrapeConfigs(r, scrapeNode, &config) }
        try checkOnCallReceivers(r, config)
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

    typealias Reader = YAMLReader
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

extension YAMLReader {
    func hostPort(_ node: Node, _ field: String) throws -> String {
        let s = try string(node, field)
        guard HostPort(s) != nil else { throw error(node, field, "must be HOST:PORT, not \"\(s)\"") }
        return s
    }
}
