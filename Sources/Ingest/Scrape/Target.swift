import Foundation
import OspreyCore
import Pipeline

/// A scrape target after service discovery and relabeling: what to scrape and the labels its series get.
public struct ScrapeTarget: Sendable, Hashable {
    /// Labels before relabeling (`discoveredLabels` in the targets API).
    public let discoveredLabels: Labels
    /// Labels after relabeling, `__`-prefixed ones removed: added to every scraped series.
    public let labels: Labels
    public let url: String
    public let intervalMs: Int64
    public let timeoutMs: Int64
    public let job: String
    /// The `scrapeUrl` shown in the targets API.
    public var scrapeURL: String { url }

    public static func == (a: ScrapeTarget, b: ScrapeTarget) -> Bool {
        a.labels == b.labels && a.url == b.url && a.intervalMs == b.intervalMs && a.timeoutMs == b.timeoutMs && a.job == b.job
    }
    public func hash(into h: inout Hasher) {
        h.combine(labels); h.combine(url)
    }
}

/// A target relabeling dropped, kept for the targets API's `droppedTargets`.
public struct DroppedTarget: Sendable {
    public let discoveredLabels: Labels
    public let job: String
}

/// Turns discovered target groups into scrape targets the way Prometheus does: meta labels from the job,
/// `relabel_configs`, `instance` defaulting to `__address__`, `__` labels removed.
public enum TargetBuilder {
    public enum Outcome: Sendable {
        case target(ScrapeTarget)
        case dropped(DroppedTarget)
        case invalid(String)
    }

    public static func build(_ config: ScrapeConfig, _ groups: [TargetGroup]) -> [Outcome] {
        var out: [Outcome] = []
        for group in groups {
            for address in group.targets {
                out.append(build(config, address: address, groupLabels: group.labels))
            }
        }
        return out
    }

    public static func build(_ config: ScrapeConfig, address: String, groupLabels: [Label]) -> Outcome {
        var d: [String: String] = [:]
        for l in groupLabels { d[l.name] = l.value }
        d["__address__"] = address
        d["job"] = d["job"] ?? config.jobName
        d["__scheme__"] = d["__scheme__"] ?? config.scheme
        d["__metrics_path__"] = d["__metrics_path__"] ?? config.metricsPath
        d["__scrape_interval__"] = d["__scrape_interval__"] ?? Duration.format(config.scrapeIntervalMs)
        d["__scrape_timeout__"] = d["__scrape_timeout__"] ?? Duration.format(config.scrapeTimeoutMs)
        for (name, values) in config.params where d["__param_" + name] == nil {
            if let first = values.first { d["__param_" + name] = first }
        }
        let discovered = Labels(d)
        guard let relabeled = Relabeling.process(discovered, config.relabelConfigs) else {
            return .dropped(DroppedTarget(discoveredLabels: discovered, job: config.jobName))
        }
        guard let addr = relabeled["__address__"], !addr.isEmpty else {
            return .invalid("target \(discovered) has no __address__ after relabeling")
        }
        if addr.contains("/") {
            return .invalid("target address \"\(addr)\" must be HOST:PORT, without a scheme or path")
        }
        var interval = config.scrapeIntervalMs, timeout = config.scrapeTimeoutMs
        if let s = relabeled["__scrape_interval__"] {
            guard let ms = try? Duration.parseMs(s), ms > 0 else { return .invalid("target \(addr): invalid __scrape_interval__ \"\(s)\"") }
            interval = ms
        }
        if let s = relabeled["__scrape_timeout__"] {
            guard let ms = try? Duration.parseMs(s), ms > 0 else { return .invalid("target \(addr): invalid __scrape_timeout__ \"\(s)\"") }
            timeout = ms
        }
        if timeout > interval {
            return .invalid("target \(addr): scrape timeout \(Duration.format(timeout)) is greater than scrape interval \(Duration.format(interval))")
        }
        let scheme = relabeled["__scheme__"] ?? config.scheme
        let path = relabeled["__metrics_path__"] ?? config.metricsPath
        var query: [(String, String)] = []
        for (name, values) in config.params {
            if let override = relabeled["__param_" + name] {
                query.append((name, override))
                query += values.dropFirst().map { (name, $0) }
            } else {
                query += values.map { (name, $0) }
            }
        }
        for l in relabeled where l.name.hasPrefix("__param_") {
            let name = String(l.name.dropFirst(8))
            if !config.params.contains(where: { $0.0 == name }) { query.append((name, l.value)) }
        }
        var url = "\(scheme)://\(addr)\(path.hasPrefix("/") ? path : "/" + path)"
        if !query.isEmpty {
            url += "?" + query.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        }
        var final: [Label] = []
        for l in relabeled where !l.name.hasPrefix("__") && !l.value.isEmpty { final.append(l) }
        if relabeled["instance"] == nil, config.addsInstanceLabel { final.append(Label("instance", addr)) }
        return .target(ScrapeTarget(discoveredLabels: discovered, labels: Labels(final), url: url,
                                    intervalMs: interval, timeoutMs: timeout, job: config.jobName))
    }

    static func percentEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
