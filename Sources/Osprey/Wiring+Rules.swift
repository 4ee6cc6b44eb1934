import API
import Foundation
import Ingest
import Logging
import MetricStore
import OspreyCore
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
        manager.start(with: try RuleManager.load(files: config.ruleFiles))
    }

    /// Where users reach this server (alert generator links, `$externalURL`).
    static func externalURL(_ listen: String) -> String {
        guard let hp = HostPort(listen) else { return "http://\(listen)" }
        let host = hp.host == "0.0.0.0" || hp.host == "::" ? (ProcessInfo.processInfo.hostName) : hp.host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(hp.port)"
    }

    /// Sends alerts to these external Alertmanagers (`alerting.alertmanagers` static configs, base URLs such as
    /// `http://am:9093`), next to any in-process receivers added with `addAlertSender`.
    func useAlertmanagers(_ baseURLs: [String], logger: Logger) {
        senders.setExternal(baseURLs.isEmpty ? nil : AlertmanagerHTTPSender(baseURLs: baseURLs, logger: logger))
    }

    /// Adds an in-process receiver of rule alerts (Osprey's own alert routing).
    func addAlertSender(_ sender: any AlertSender) { senders.addInternal(sender) }

    /// Reloads the rule files of a new configuration; an invalid file throws and keeps the running rules.
    func apply(_ config: OspreyConfig) throws {
        try manager.apply(files: config.ruleFiles)
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

/// The alert senders in effect; the set changes on configuration reload.
final class SwitchableAlertSender: AlertSender, @unchecked Sendable {
    private let lock = NSLock()
    private var external: AlertmanagerHTTPSender?
    private var internals: [any AlertSender] = []

    func setExternal(_ s: AlertmanagerHTTPSender?) { lock.withLock { external = s } }
    func addInternal(_ s: any AlertSender) { lock.withLock { internals.append(s) } }

    func send(_ alerts: [OutgoingAlert]) {
        let targets: [any AlertSender] = lock.withLock { internals + (external.map { [$0] } ?? []) }
        for t in targets { t.send(alerts) }
    }
}
