import API
import Foundation
import OspreyCore
import PromQL

/// The PromQL engine behind `/api/v1/query*`, the status endpoints and the query page.
extension Wiring {
    static func makeStatus(_ config: OspreyConfig, configPath: String?) -> ServerStatus {
        let q = config.query
        var flags = [
            "web.listen-address": config.listenAddress,
            "storage.tsdb.path": config.dataDirectory + "/metrics",
            "storage.tsdb.retention.time": OspreyCore.Duration.format(config.store.retentionMs),
            "storage.tsdb.retention.size": "\(config.store.retentionBytes)B",
            "query.lookback-delta": OspreyCore.Duration.format(q.lookbackDeltaMs),
            "query.timeout": OspreyCore.Duration.format(q.timeoutMs),
            "query.max-samples": "\(q.maxSamples)",
        ]
        flags["config.file"] = configPath ?? ""
        let status = ServerStatus(flags: flags, storageRetention: OspreyCore.Duration.format(config.store.retentionMs))
        status.configLoaded(yaml: configPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "")
        return status
    }

    func configureQuery(_ deps: inout APIDependencies) {
        var options = EngineOptions()
        options.lookbackDeltaMs = config.query.lookbackDeltaMs
        options.timeout = .milliseconds(config.query.timeoutMs)
        options.maxSamples = config.query.maxSamples
        let engine = Engine(querier: StoreQuerier(store), options: options)
        deps.query = QueryAPIDependencies(engine: engine, exemplars: scrape.manager.exemplars, status: status)
    }
}
