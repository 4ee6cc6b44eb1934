import Alerting
import ConfigReader
import Foundation
import OspreyCore
import Pipeline
import Yams

/// `alerting:` in osprey.yml: Prometheus's keys (where to send alerts) and Alertmanager's own configuration
/// (how Osprey routes them), the latter either inline or in an unchanged alertmanager.yml (`config_file`).
struct AlertingSettings {
    /// One `alertmanagers` entry: external Alertmanagers Osprey's rules also send to.
    struct AlertmanagerEndpoints {
        var scheme = "http"
        var pathPrefix = "/"
        var timeoutMs: Int64 = 10_000
        var apiVersion = "v2"
        /// HOST:PORT of each static target.
        var targets: [String] = []
        /// `relabel_configs`, applied to the discovered targets.
        var relabelConfigs: [RelabelConfig] = []
        /// `alert_relabel_configs` of this Alertmanager only.
        var alertRelabelConfigs: [RelabelConfig] = []
    }

    var alertmanagers: [AlertmanagerEndpoints] = []
    /// `alert_relabel_configs`: applied to every alert before it is sent anywhere.
    var alertRelabelConfigs: [RelabelConfig] = []
    /// Alertmanager's configuration (routes, receivers, inhibition); nil when `alerting:` holds none.
    var routing: AlertmanagerConfig?
    /// The alertmanager.yml `config_file` pointed to (resolved), if any.
    var routingFile: String?
}

extension ConfigLoader {
    /// Valid `alertmanagers` fields that change nothing about where Osprey sends alerts.
    static let alertmanagerIgnored: Set<String> = [
        "basic_auth", "authorization", "oauth2", "sigv4", "tls_config", "proxy_url", "no_proxy", "proxy_from_environment",
        "proxy_connect_header", "follow_redirects", "enable_http2", "http_headers", "bearer_token", "bearer_token_file",
        "file_sd_configs", "dns_sd_configs", "consul_sd_configs", "kubernetes_sd_configs", "ec2_sd_configs",
        "http_sd_configs", "azure_sd_configs", "gce_sd_configs",
    ]

    static func alerting(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        var s = AlertingSettings()
        var amEntries: [(String, Node)] = []
        var configFileNode: Node?
        for (k, v) in try r.mapping(node, "alerting") {
            let f = "alerting.\(k)"
            switch k {
            case "alertmanagers":
                s.alertmanagers = try r.sequence(v, f).enumerated().map { try alertmanagerEndpoints(r, $1, "\(f)[\($0)]", &config) }
            case "alert_relabel_configs":
                s.alertRelabelConfigs = try r.relabelConfigs(v, f)
            case "config_file":
                configFileNode = v
            default:
                guard AlertmanagerConfig.topLevelKeys.contains(k) else { throw r.unknown(v, f) }
                amEntries.append((k, v))
            }
        }
        let directory = URL(fileURLWithPath: r.file).deletingLastPathComponent().path
        if let configFileNode {
            guard amEntries.isEmpty else {
                throw r.invalid(amEntries[0].1, "alerting.\(amEntries[0].0)",
                                "alerting.config_file is set, so Alertmanager's keys belong in that file, not here")
            }
            let path = r.resolve(try r.string(configFileNode, "alerting.config_file"))
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw r.invalid(configFileNode, "alerting.config_file", "cannot read \(path)")
            }
            s.routingFile = path
            s.routing = try AlertmanagerConfig.load(path: path)
        } else if !amEntries.isEmpty {
            let original = (try? Yams.serialize(node: .mapping(.init(amEntries.map { (Node($0.0), $0.1) })))) ?? ""
            s.routing = try AlertmanagerConfig.parse(entries: amEntries, reader: r, fieldPrefix: "alerting.",
                                                     baseDirectory: directory, original: original, at: node)
        }
        for line in s.routing?.ignored ?? [] { config.ignored.append(s.routingFile.map { "\($0): \(line)" } ?? line) }
        config.alerting = s
    }

    static func alertmanagerEndpoints(_ r: Reader, _ node: Node, _ field: String, _ config: inout OspreyConfig) throws -> AlertingSettings.AlertmanagerEndpoints {
        var e = AlertingSettings.AlertmanagerEndpoints()
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "static_configs":
                for (i, group) in try r.sequence(v, f).enumerated() {
                    for (gk, gv) in try r.mapping(group, "\(f)[\(i)]") {
                        switch gk {
                        case "targets":
                            for (ti, t) in try r.stringList(gv, "\(f)[\(i)].targets").enumerated() {
                                guard HostPort(t) != nil || !t.contains(":") && !t.isEmpty else {
                                    throw r.invalid(gv, "\(f)[\(i)].targets[\(ti)]", "\"\(t)\" is not HOST or HOST:PORT")
                                }
                                e.targets.append(t)
                            }
                        case "labels": _ = try r.stringMap(gv, "\(f)[\(i)].labels")
                        default: throw r.unknown(gv, "\(f)[\(i)].\(gk)")
                        }
                    }
                }
            case "scheme":
                e.scheme = try r.string(v, f)
                guard e.scheme == "http" || e.scheme == "https" else { throw r.invalid(v, f, "must be http or https, not \"\(e.scheme)\"") }
            case "path_prefix": e.pathPrefix = try r.string(v, f)
            case "timeout":
                e.timeoutMs = try r.duration(v, f)
                guard e.timeoutMs > 0 else { throw r.invalid(v, f, "must be positive") }
            case "api_version":
                e.apiVersion = try r.string(v, f)
                guard e.apiVersion == "v2" else {
                    throw r.invalid(v, f, "unsupported Alertmanager API version \"\(e.apiVersion)\"; only v2 exists in current Alertmanagers")
                }
            case "relabel_configs": e.relabelConfigs = try r.relabelConfigs(v, f)
            case "alert_relabel_configs": e.alertRelabelConfigs = try r.relabelConfigs(v, f)
            default:
                guard alertmanagerIgnored.contains(k) else { throw r.unknown(v, f) }
                config.ignored.append(f)
            }
        }
        return e
    }
}
