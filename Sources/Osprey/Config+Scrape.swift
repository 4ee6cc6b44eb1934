import ConfigReader
import Foundation
import Ingest
import OspreyCore
import Pipeline
import Yams

/// `global` and `scrape_configs` in prometheus.yml's schema.
extension ConfigLoader {
    /// Kubernetes, Consul, DNS, EC2 … discovery: valid in prometheus.yml, not used by this version of Osprey
    /// (their targets are not discovered; static and file discovery are).
    static let otherDiscoveryKeys: Set<String> = [
        "azure_sd_configs", "consul_sd_configs", "digitalocean_sd_configs", "docker_sd_configs", "dockerswarm_sd_configs",
        "dns_sd_configs", "ec2_sd_configs", "eureka_sd_configs", "gce_sd_configs", "hetzner_sd_configs", "http_sd_configs",
        "ionos_sd_configs", "kubernetes_sd_configs", "kuma_sd_configs", "lightsail_sd_configs", "linode_sd_configs",
        "marathon_sd_configs", "nerve_sd_configs", "nomad_sd_configs", "openstack_sd_configs", "ovhcloud_sd_configs",
        "puppetdb_sd_configs", "scaleway_sd_configs", "serverset_sd_configs", "triton_sd_configs", "uyuni_sd_configs",
        "vultr_sd_configs",
    ]

    /// Fields of a scrape job that are valid and accepted but change nothing in Osprey.
    static let acceptedScrapeFields: Set<String> = [
        "follow_redirects", "enable_http2", "target_limit", "scrape_protocols", "native_histogram_bucket_limit",
        "scrape_classic_histograms", "keep_dropped_targets", "enable_compression", "track_timestamps_staleness",
        "no_proxy", "proxy_from_environment", "proxy_connect_header", "metric_name_validation_scheme",
        "scrape_failure_log_file", "always_scrape_classic_histograms", "convert_classic_histograms_to_nhcb",
        "native_histogram_min_bucket_factor", "metric_name_escaping_scheme", "fallback_scrape_protocol",
    ]

    static func global(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        for (k, v) in try r.mapping(node, "global") {
            let field = "global.\(k)"
            switch k {
            case "scrape_interval":
                config.global.scrapeIntervalMs = try r.positiveDuration(v, field)
            case "scrape_timeout":
                config.global.scrapeTimeoutMs = try r.positiveDuration(v, field)
            case "evaluation_interval":
                config.evaluationIntervalMs = try r.positiveDuration(v, field)
            case "rule_query_offset":
                config.ruleQueryOffsetMs = try r.duration(v, field)
                guard config.ruleQueryOffsetMs >= 0 else { throw r.invalid(v, field, "must not be negative") }
            case "external_labels":
                var labels: [Label] = []
                for (name, value) in try r.stringMap(v, field) {
                    guard isValidLabelName(name) else { throw r.invalid(v, "\(field).\(name)", "\"\(name)\" is not a valid label name") }
                    labels.append(Label(name, value))
                }
                config.global.externalLabels = labels.sorted()
            case "query_log_file", "scrape_protocols", "body_size_limit", "sample_limit", "label_limit",
                 "label_name_length_limit", "label_value_length_limit", "target_limit", "keep_dropped_targets",
                 "metric_name_validation_scheme", "scrape_failure_log_file",
                 "always_scrape_classic_histograms", "convert_classic_histograms_to_nhcb", "metric_name_escaping_scheme":
                config.ignored.append(field)
            default: throw r.unknown(v, field)
            }
        }
        if config.global.scrapeTimeoutMs > config.global.scrapeIntervalMs {
            throw ConfigError(file: r.file, line: node.mark?.line, field: "global.scrape_timeout",
                              message: "scrape timeout greater than scrape interval")
        }
    }

    static func scrapeConfigs(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        var names = Set<String>()
        for (i, jobNode) in try r.sequence(node, "scrape_configs").enumerated() {
            let job = try scrapeConfig(r, jobNode, "scrape_configs[\(i)]", config)
            guard names.insert(job.jobName).inserted else {
                throw r.invalid(jobNode, "scrape_configs[\(i)].job_name", "found multiple scrape configs with job name \"\(job.jobName)\"")
            }
            config.scrapeConfigs.append(job)
        }
    }

    static func scrapeConfig(_ r: Reader, _ node: Node, _ at: String, _ config: OspreyConfig) throws -> ScrapeConfig {
        let fields = try r.mapping(node, at)
        guard let nameNode = fields.first(where: { $0.0 == "job_name" })?.1 else {
            throw r.invalid(node, "\(at).job_name", "job_name is required")
        }
        let name = try r.string(nameNode, "\(at).job_name")
        guard !name.isEmpty else { throw r.invalid(nameNode, "\(at).job_name", "must not be empty") }
        var job = ScrapeConfig(jobName: name, global: config.global)
        job.fingerprint = (try? Yams.serialize(node: node)) ?? "\(node)"
        var timeoutSet = false
        var username: String?, password: String?
        var authType = "Bearer", credentials: String?
        for (k, v) in fields {
            let field = "\(at).\(k)"
            switch k {
            case "job_name": break
            case "scrape_interval": job.scrapeIntervalMs = try r.positiveDuration(v, field)
            case "scrape_timeout": job.scrapeTimeoutMs = try r.positiveDuration(v, field); timeoutSet = true
            case "metrics_path":
                job.metricsPath = try r.string(v, field)
            case "scheme":
                let s = try r.string(v, field)
                guard s == "http" || s == "https" else { throw r.invalid(v, field, "must be http or https, not \"\(s)\"") }
                job.scheme = s
            case "params":
                for (pk, pv) in try r.mapping(v, field) { job.params.append((pk, try r.stringList(pv, "\(field).\(pk)"))) }
            case "basic_auth":
                for (bk, bv) in try r.mapping(v, field) {
                    switch bk {
                    case "username": username = try r.string(bv, "\(field).username")
                    case "password": password = try r.string(bv, "\(field).password")
                    case "password_file": password = try r.secretFile(bv, "\(field).password_file")
                    case "username_file": username = try r.secretFile(bv, "\(field).username_file")
                    default: throw r.unknown(bv, "\(field).\(bk)")
                    }
                }
                guard username != nil else { throw r.invalid(v, "\(field).username", "basic_auth needs a username") }
            case "authorization":
                for (ak, av) in try r.mapping(v, field) {
                    switch ak {
                    case "type":
                        authType = try r.string(av, "\(field).type")
                        guard authType.lowercased() != "basic" else {
                            throw r.invalid(av, "\(field).type", "authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
                        }
                    case "credentials": credentials = try r.string(av, "\(field).credentials")
                    case "credentials_file": credentials = try r.secretFile(av, "\(field).credentials_file")
                    default: throw r.unknown(av, "\(field).\(ak)")
                    }
                }
            case "bearer_token": credentials = try r.string(v, field)
            case "bearer_token_file": credentials = try r.secretFile(v, field)
            case "tls_config": job.tls = try tlsConfig(r, v, field)
            case "static_configs":
                for (si, sn) in try r.sequence(v, field).enumerated() {
                    job.staticConfigs.append(try targetGroup(r, sn, "\(field)[\(si)]"))
                }
            case "file_sd_configs":
                for (fi, fnode) in try r.sequence(v, field).enumerated() {
                    var sd = FileSDConfig(files: [])
                    for (fk, fv) in try r.mapping(fnode, "\(field)[\(fi)]") {
                        switch fk {
                        case "files":
                            sd.files = try r.stringList(fv, "\(field)[\(fi)].files").map { r.resolve($0) }
                            for (pi, p) in sd.files.enumerated() {
                                let base = URL(fileURLWithPath: p).lastPathComponent
                                let ok = [".json", ".yml", ".yaml"].contains { base.hasSuffix($0) }
                                guard ok else {
                                    throw r.invalid(fv, "\(field)[\(fi)].files[\(pi)]", "path \"\(p)\" must end in .json, .yml or .yaml")
                                }
                            }
                        case "refresh_interval": sd.refreshIntervalMs = try r.positiveDuration(fv, "\(field)[\(fi)].refresh_interval")
                        default: throw r.unknown(fv, "\(field)[\(fi)].\(fk)")
                        }
                    }
                    job.fileSDConfigs.append(sd)
                }
            case "relabel_configs": job.relabelConfigs = try r.relabelConfigs(v, field)
            case "metric_relabel_configs": job.metricRelabelConfigs = try r.relabelConfigs(v, field)
            case "honor_labels": job.honorLabels = try r.bool(v, field)
            case "honor_timestamps": job.honorTimestamps = try r.bool(v, field)
            case "sample_limit": job.sampleLimit = try r.nonNegativeInt(v, field)
            case "label_limit": job.labelLimit = try r.nonNegativeInt(v, field)
            case "label_name_length_limit": job.labelNameLengthLimit = try r.nonNegativeInt(v, field)
            case "label_value_length_limit": job.labelValueLengthLimit = try r.nonNegativeInt(v, field)
            case "body_size_limit": job.bodySizeLimitBytes = Int(try r.byteSize(v, field))
            case "oauth2", "proxy_url", "http_headers":
                throw r.invalid(v, field, "not supported by this version of Osprey; scrape this target through a proxy that adds it")
            default:
                if otherDiscoveryKeys.contains(k) || acceptedScrapeFields.contains(k) { continue }
                throw r.unknown(v, field)
            }
        }
        if username != nil && credentials != nil {
            throw r.invalid(node, at, "at most one of basic_auth, authorization and bearer_token may be configured")
        }
        if let username { job.auth = .basic(username: username, password: password ?? "") }
        if let credentials { job.auth = .authorization(type: authType, credentials: credentials) }
        if !timeoutSet {
            job.scrapeTimeoutMs = min(config.global.scrapeTimeoutMs, job.scrapeIntervalMs)
        } else if job.scrapeTimeoutMs > job.scrapeIntervalMs {
            throw r.invalid(node, "\(at).scrape_timeout", "scrape timeout greater than scrape interval for scrape config with job name \"\(name)\"")
        }
        return job
    }

    static func tlsConfig(_ r: Reader, _ node: Node, _ field: String) throws -> TLSSettings {
        var tls = TLSSettings()
        for (k, v) in try r.mapping(node, field) {
            switch k {
            case "ca_file": tls.caFile = try r.existingFile(v, "\(field).ca_file")
            case "cert_file": tls.certFile = try r.existingFile(v, "\(field).cert_file")
            case "key_file": tls.keyFile = try r.existingFile(v, "\(field).key_file")
            case "server_name": tls.serverName = try r.string(v, "\(field).server_name")
            case "insecure_skip_verify": tls.insecureSkipVerify = try r.bool(v, "\(field).insecure_skip_verify")
            case "min_version", "max_version": break
            default: throw r.unknown(v, "\(field).\(k)")
            }
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            throw r.invalid(node, field, "cert_file and key_file must be given together")
        }
        return tls
    }

    static func hostMetrics(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        for (k, v) in try r.mapping(node, "host_metrics") {
            switch k {
            case "enabled": config.hostMetrics.enabled = try r.bool(v, "host_metrics.enabled")
            case "scrape_interval": config.hostMetrics.intervalMs = try r.positiveDuration(v, "host_metrics.scrape_interval")
            case "job_name": config.hostMetrics.jobName = try r.string(v, "host_metrics.job_name")
            default: throw r.unknown(v, "host_metrics.\(k)")
            }
        }
    }

    static func targetGroup(_ r: Reader, _ node: Node, _ at: String) throws -> TargetGroup {
        var targets: [String] = []
        var labels: [Label] = []
        for (k, v) in try r.mapping(node, at) {
            switch k {
            case "targets":
                targets = try r.stringList(v, "\(at).targets")
                // A URL is fine here (blackbox jobs relabel it into a parameter); the address left after
                // relabeling must be HOST:PORT, which the target builder checks.
                for (i, t) in targets.enumerated() where t.isEmpty {
                    throw r.invalid(v, "\(at).targets[\(i)]", "a target must not be empty")
                }
            case "labels":
                for (name, value) in try r.stringMap(v, "\(at).labels") {
                    guard isValidLabelName(name) else { throw r.invalid(v, "\(at).labels.\(name)", "\"\(name)\" is not a valid label name") }
                    labels.append(Label(name, value))
                }
            default: throw r.unknown(v, "\(at).\(k)")
            }
        }
        return TargetGroup(targets: targets, labels: labels.sorted(), source: at)
    }
}

extension ConfigLoader.Reader {
    func positiveDuration(_ node: Node, _ field: String) throws -> Int64 {
        let ms = try duration(node, field)
        guard ms > 0 else { throw invalid(node, field, "must be greater than 0") }
        return ms
    }

    /// A path relative to the configuration file's folder, as Prometheus resolves them.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = URL(fileURLWithPath: file).deletingLastPathComponent().path
        return dir + "/" + path
    }

    func existingFile(_ node: Node, _ field: String) throws -> String {
        let path = resolve(try string(node, field))
        guard FileManager.default.isReadableFile(atPath: path) else { throw invalid(node, field, "cannot read \(path)") }
        return path
    }

    /// The trimmed contents of a secret file (`password_file`, `credentials_file`, `bearer_token_file`).
    func secretFile(_ node: Node, _ field: String) throws -> String {
        let path = try existingFile(node, field)
        guard let s = try? String(contentsOfFile: path, encoding: .utf8) else { throw invalid(node, field, "cannot read \(path)") }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
