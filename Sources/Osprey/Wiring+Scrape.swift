import API
import Foundation
import Ingest
import Logging
import OspreyCore

/// The scrape manager with its built-in jobs: Osprey itself (when there are no scrape_configs), the host
/// collector and pushed groups.
final class ScrapeWiring: @unchecked Sendable {
    let manager: ScrapeManager
    let push: PushRegistry
    let listenAddress: String
    private(set) var pushJobName = "pushgateway"
    private let logger: Logger

    init(config: OspreyConfig, sink: StoreSink, logger: Logger, metricsText: @escaping @Sendable () -> String) throws {
        self.logger = logger
        self.listenAddress = config.listenAddress
        let pushDir = config.dataDirectory + "/push"
        try FileManager.default.createDirectory(atPath: pushDir, withIntermediateDirectories: true)
        let push = try PushRegistry(file: pushDir + "/groups.json")
        self.push = push
        let host = HostCollector()
        var limits = ScrapeLimits()
        limits.labelNameBytesMax = config.store.limits.labelNameBytesMax
        limits.labelValueBytesMax = config.store.limits.labelValueBytesMax
        limits.labelsPerSeriesMax = config.store.limits.labelsPerSeriesMax
        manager = ScrapeManager(
            sink: sink, limits: limits, logger: logger, userAgent: "Osprey/\(ospreyVersion)",
            builtIns: [
                .host: { (Array(host.collect().utf8), "text/plain; version=0.0.4") },
                .push: { (push.exposition(), "text/plain; version=0.0.4") },
                .selfMetrics: { (Array(metricsText().utf8), "text/plain; version=0.0.4") },
            ])
    }

    func configure(_ deps: inout APIDependencies) {
        let api = ScrapeAPI(manager: manager)
        let pushAPI = PushAPI(registry: push, manager: manager, pushJob: pushJobName)
        deps.extraRoutes.append { router in
            api.register(router)
            pushAPI.register(router)
        }
    }

    func start(_ config: OspreyConfig) throws { try apply(config) }

    func apply(_ config: OspreyConfig) throws {
        try manager.apply(jobs(config))
    }

    /// The configured jobs plus the built-in ones. A built-in job never takes a configured job's name:
    /// the host collector steps aside when a job of its name exists (that deployment runs node_exporter).
    func jobs(_ config: OspreyConfig) -> [ScrapeConfig] {
        var jobs = config.scrapeConfigs
        let taken = Set(jobs.map(\.jobName))
        let address = HostPort(listenAddress).map { ($0.host == "0.0.0.0" || $0.host == "::" ? "127.0.0.1" : $0.host) + ":\($0.port)" } ?? listenAddress
        if !config.scrapeConfigsPresent {
            var own = ScrapeConfig(jobName: "osprey", global: config.global)
            own.scrapeIntervalMs = 15_000
            own.scrapeTimeoutMs = 10_000
            own.builtIn = .selfMetrics
            own.staticConfigs = [TargetGroup(targets: [address], labels: [], source: "built-in")]
            jobs.append(own)
        }
        if config.hostMetrics.enabled {
            if taken.contains(config.hostMetrics.jobName) {
                logger.notice("built-in host metrics off: scrape_configs already has this job name",
                              metadata: ["job": "\(config.hostMetrics.jobName)"])
            } else {
                var host = ScrapeConfig(jobName: config.hostMetrics.jobName, global: config.global)
                host.scrapeIntervalMs = config.hostMetrics.intervalMs
                host.scrapeTimeoutMs = min(10_000, host.scrapeIntervalMs)
                host.builtIn = .host
                let name = ProcessInfo.processInfo.hostName
                host.staticConfigs = [TargetGroup(targets: [name.isEmpty ? "localhost" : name], labels: [], source: "built-in")]
                jobs.append(host)
            }
        }
        var push = ScrapeConfig(jobName: taken.contains("pushgateway") ? "osprey_pushgateway" : "pushgateway", global: config.global)
        pushJobName = push.jobName
        push.builtIn = .push
        push.honorLabels = true
        push.writesReportSeries = false
        push.addsInstanceLabel = false
        push.staticConfigs = [TargetGroup(targets: [address], labels: [], source: "built-in")]
        jobs.append(push)
        return jobs
    }
}
