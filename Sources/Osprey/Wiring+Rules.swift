import API
import Foundation
import Ingest
import Logging
import MetricStore
import OspreyCore
import Pipeline
import PromQL
import Rules

/// Rule evaluation: the rule manager over the store, its output written through the store sink (so
/// remote-write forwarding sees it), its alerts handed to whatever senders are set, and its API routes.
final class RulesWiring: @unchecked Sendable {
    let manager: RuleManager
    let senders = SwitchableAlertSender()

    init(config: OspreyConfig, sink: StoreSink, store: StoreHandle, logger: Logger) throws {
        var options = EngineOptions()
        options.lookbackDeltaMs = config.query.lookbackDeltaMs
        options.timeout = .milliseconds(config.query.timeoutMs)
        options.maxSamples = config.query.maxSamples
        let engine = Engine(querier: StoreQuerier(store), options: options)
        var env = RuleEnvironment(engine: engine, writer: SinkRuleWriter(sink: sink), sender: senders,
                                  logger: Logger(label: "osprey.rules"))
        env.externalLabels = Labels(config.global.externalLabels)
        env.externalURL = Self.externalURL(config.listenAddress)
        env.defaultIntervalMs = config.evaluationIntervalMs
        manager = RuleManager(environment: env, clock: SystemClock())
        manager.start(with: try RuleManager.load(files: config.ruleFiles, defaultQueryOffsetMs: config.ruleQueryOffsetMs))
        useAlerting(config.alerting, logger: logger)
    }

    /// Base URLs of one `alerting.alertmanagers` entry's static targets: `<scheme>://<target><path_prefix>`.
    static func alertmanagerURLs(_ am: AlertingSettings.AlertmanagerEndpoints) -> [String] {
        var prefix = am.pathPrefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return am.targets.map { "\(am.scheme)://\($0)\(prefix)" }
    }

    /// Sends rule alerts as `alerting:` says: `alert_relabel_configs` first, then to each `alertmanagers` entry
    /// with that entry's own `alert_relabel_configs`.
    func useAlerting(_ settings: AlertingSettings, logger: Logger) {
        let external: [any AlertSender] = settings.alertmanagers.compactMap { am in
            let urls = Self.alertmanagerURLs(am)
            if urls.isEmpty { return nil }
            return RelabelingAlertSender(configs: am.alertRelabelConfigs, next: AlertmanagerHTTPSender(baseURLs: urls, logger: logger))
        }
        senders.setExternal(external.isEmpty ? nil : FanOutAlertSender(external))
        senders.setRelabeling(settings.alertRelabelConfigs)
    }

    /// Where users reach this server (alert generator links, `$externalURL`).
    static func externalURL(_ listen: String) -> String {
        guard let hp = HostPort(listen) else { return "http://\(listen)" }
        let host = hp.host == "0.0.0.0" || hp.host == "::" ? (ProcessInfo.processInfo.hostName) : hp.host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(hp.port)"
    }

    /// Adds an in-process receiver of rule alerts (Osprey's own alert routing).
    func addAlertSender(_ sender: any AlertSender) { senders.addInternal(sender) }

    /// Reloads the rule files of a new configuration; an invalid file throws and keeps the running rules.
    func apply(_ config: OspreyConfig, logger: Logger) throws {
        try manager.apply(files: config.ruleFiles, defaultIntervalMs: config.evaluationIntervalMs, defaultQueryOffsetMs: config.ruleQueryOffsetMs)
        useAlerting(config.alerting, logger: logger)
    }

    func configure(_ deps: inout APIDependencies) {
        let manager = self.manager
        deps.extraRoutes.append { router in
            RulesAPI(groups: { manager.groups }).register(router)
        }
    }
}

/// Stores rule output through the sink every ingest path uses, one commit per call.
struct SinkRuleWriter: RuleSampleWriter {
    let sink: StoreSink

    func write(_ samples: [RuleSample]) throws {
        var batch = EncodedBatch()
        batch.series.reserveCapacity(samples.count)
        for (i, s) in samples.enumerated() {
            let start = Int32(batch.keyBytes.count)
            batch.keyBytes += s.labels.encoded
            batch.series.append(.init(keyStart: start, keyEnd: Int32(batch.keyBytes.count), sampleStart: Int32(i), sampleEnd: Int32(i + 1)))
            batch.timestamps.append(s.t)
            batch.values.append(s.v)
        }
        // Samples refused as duplicates or out of order are dropped, as Prometheus drops them for rules.
        _ = try sink.write(batch)
    }
}

/// The alert senders in effect, after the global `alert_relabel_configs`; the set changes on configuration reload.
final class SwitchableAlertSender: AlertSender, @unchecked Sendable {
    private let lock = NSLock()
    private var external: (any AlertSender)?
    private var internals: [any AlertSender] = []
    private var relabeling: [RelabelConfig] = []

    func setExternal(_ s: (any AlertSender)?) { lock.withLock { external = s } }
    func addInternal(_ s: any AlertSender) { lock.withLock { internals.append(s) } }
    func setRelabeling(_ configs: [RelabelConfig]) { lock.withLock { relabeling = configs } }

    func send(_ alerts: [OutgoingAlert]) {
        let (targets, configs) = lock.withLock { (internals + (external.map { [$0] } ?? []), relabeling) }
        let out = RelabelingAlertSender.relabel(alerts, configs)
        if out.isEmpty { return }
        for t in targets { t.send(out) }
    }
}

/// Applies `alert_relabel_configs` to alert labels (an alert a rule drops is not sent) and passes the rest on.
struct RelabelingAlertSender: AlertSender {
    let configs: [RelabelConfig]
    let next: any AlertSender

    static func relabel(_ alerts: [OutgoingAlert], _ configs: [RelabelConfig]) -> [OutgoingAlert] {
        if configs.isEmpty { return alerts }
        return alerts.compactMap { a in
            guard let labels = Relabeling.process(a.labels, configs), !labels.isEmpty else { return nil }
            var a = a
            a.labels = labels
            return a
        }
    }

    func send(_ alerts: [OutgoingAlert]) {
        let out = Self.relabel(alerts, configs)
        if !out.isEmpty { next.send(out) }
    }
}
