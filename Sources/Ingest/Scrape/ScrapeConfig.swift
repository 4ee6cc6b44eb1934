import Foundation
import OspreyCore
import Pipeline

/// `global:` of prometheus.yml: defaults every scrape job inherits.
public struct GlobalScrapeSettings: Sendable, Equatable {
    public var scrapeIntervalMs: Int64 = 60_000
    public var scrapeTimeoutMs: Int64 = 10_000
    /// Added to series when they leave Osprey (forwarding, federation, alerts); not written to the local store,
    /// as Prometheus does.
    public var externalLabels: [Label] = []
    public init() {}
}

/// One `scrape_configs` entry, in prometheus.yml's schema.
public struct ScrapeConfig: Sendable {
    public var jobName: String
    public var scrapeIntervalMs: Int64
    public var scrapeTimeoutMs: Int64
    public var metricsPath = "/metrics"
    public var scheme = "http"
    /// URL query parameters; each also becomes a `__param_<name>` target label (first value).
    public var params: [(String, [String])] = []
    public var auth: ScrapeAuth = .none
    public var tls = TLSSettings()
    public var staticConfigs: [TargetGroup] = []
    public var fileSDConfigs: [FileSDConfig] = []
    public var relabelConfigs: [RelabelConfig] = []
    public var metricRelabelConfigs: [RelabelConfig] = []
    public var honorLabels = false
    public var honorTimestamps = true
    /// 0 means no limit, as in Prometheus.
    public var sampleLimit = 0
    public var labelLimit = 0
    public var labelNameLengthLimit = 0
    public var labelValueLengthLimit = 0
    public var bodySizeLimitBytes = 0
    /// Identifies the job's settings as configured (the config loader sets it from the job's YAML): a
    /// target's loop survives a reload only when this is unchanged.
    public var fingerprint = ""
    /// Whether each scrape writes `up`, `scrape_duration_seconds`, … (off for the internal push job, which
    /// stands for the Pushgateway's contents, not for a target anyone runs).
    public var writesReportSeries = true
    /// Whether targets get `instance` from their address when relabeling leaves none. Off for the internal
    /// push job: a pushed group has an `instance` only when its grouping key has one, as with a Pushgateway
    /// (which exposes `instance=""` and is scraped with `honor_labels`).
    public var addsInstanceLabel = true
    /// Set for the built-in jobs (self, host metrics, push), which are read in-process, not over HTTP.
    public var builtIn: BuiltInSource?

    public init(jobName: String, global: GlobalScrapeSettings) {
        self.jobName = jobName
        self.scrapeIntervalMs = global.scrapeIntervalMs
        self.scrapeTimeoutMs = min(global.scrapeTimeoutMs, global.scrapeIntervalMs)
    }
}

/// How a scrape request authenticates.
public enum ScrapeAuth: Sendable, Equatable {
    case none
    case basic(username: String, password: String)
    /// `authorization: {type, credentials}`; `bearer_token` is `type: Bearer`.
    case authorization(type: String, credentials: String)

    /// The `Authorization` header value, if any.
    public var headerValue: String? {
        switch self {
        case .none: return nil
        case .basic(let u, let p): return "Basic " + Data("\(u):\(p)".utf8).base64EncodedString()
        case .authorization(let t, let c): return "\(t) \(c)"
        }
    }
}

/// `tls_config` of a scrape job.
public struct TLSSettings: Sendable, Equatable, Hashable {
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var serverName: String?
    public var insecureSkipVerify = false
    public init() {}
}

/// A group of targets sharing labels: a `static_configs` entry or one entry of a file_sd file.
public struct TargetGroup: Sendable, Equatable {
    public var targets: [String]
    public var labels: [Label]
    /// Where the group came from, for error messages and the targets API (`static`, or a file path).
    public var source: String
    public init(targets: [String], labels: [Label], source: String) {
        self.targets = targets; self.labels = labels; self.source = source
    }
}

/// `file_sd_configs`: target groups read from JSON or YAML files, reread when they change.
public struct FileSDConfig: Sendable, Equatable {
    /// Paths; the last path element may contain `*` globs, as Prometheus allows.
    public var files: [String]
    public var refreshIntervalMs: Int64 = 300_000
    public init(files: [String]) { self.files = files }
}

/// Targets Osprey reads in-process instead of over HTTP.
public enum BuiltInSource: Sendable, Equatable {
    /// The host collector (node_exporter's metrics from /proc and /sys).
    case host
    /// Pushed groups (the Pushgateway-compatible endpoint).
    case push
    /// Osprey's own `/metrics`.
    case selfMetrics
}
