import API
import Foundation
import Hummingbird
import Ingest
import Logging
import ServiceLifecycle

/// Builds the server's parts from the configuration: which services run and which routes they add, and
/// applies a reloaded configuration to them. Each part keeps its wiring in its own `Wiring+Part.swift` file.
final class Wiring: @unchecked Sendable {
    let config: OspreyConfig
    let configPath: String?
    let sink: StoreSink
    let store: StoreHandle
    let logger: Logger
    let metricsText: @Sendable () -> String
    let scrape: ScrapeWiring
    let alerting: AlertingWiring
    let rules: RulesWiring
    /// What the status endpoints report (configuration text, flags, start time).
    let status: ServerStatus
    let onCall: OnCallWiring

    init(config: OspreyConfig, configPath: String?, sink: StoreSink, store: StoreHandle, logger: Logger,
         metricsText: @escaping @Sendable () -> String) throws {
        self.config = config
        self.configPath = configPath
        self.sink = sink
        self.store = store
        self.logger = logger
        self.metricsText = metricsText
        self.scrape = try ScrapeWiring(config: config, sink: sink, logger: logger, metricsText: metricsText)
        self.alerting = try AlertingWiring(config: config, logger: logger)
        self.rules = try RulesWiring(config: config, sink: sink, store: store, logger: logger)
        self.status = Wiring.makeStatus(config, configPath: configPath)
        self.onCall = try OnCallWiring(config: config, alerting: alerting, logger: logger)
    }

    /// Adds each part's HTTP routes to the main API router.
    func configure(_ deps: inout APIDependencies) {
        scrape.configure(&deps)
        deps.extraRoutes.append { [self] router in
            for method in [HTTPRequest.Method.post, .put] {
                router.on("/-/reload", method: method) { _, _ in
                    do {
                        try self.reload()
                        return Response(status: .ok)
                    } catch {
                        return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "failed to reload config: \(error)\n")))
                    }
                }
            }
        }
        configureOTLP(&deps)
        configureQuery(&deps)
        configureAlerting(&deps)
        rules.configure(&deps)
        onCall.configure(&deps)
    }

    /// The long-running services besides the store and the HTTP server, in start order.
    func services() throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        // Forwarders first: services stop in reverse order, so they outlive every ingest path.
        var list = try forwardServices()
        try scrape.start(config)
        installReloadSignal()
        list.append(.init(service: scrape.manager))
        list += try otlpServices()
        // Alerting before rules: rules hand their alerts to it in process, so it must outlive them.
        list += alertingServices()
        list += onCall.services()
        list.append(.init(service: rules.manager))
        return list
    }

    /// Rereads the configuration file and applies what can change while running: scrape jobs and targets.
    /// An invalid file changes nothing. Storage and listen addresses need a restart.
    func reload() throws {
        guard let configPath else {
            logger.info("reload requested; running without a configuration file, nothing to reload")
            return
        }
        let next: OspreyConfig
        do { next = try ConfigLoader.load(path: configPath) } catch {
            status.configReloadFailed()
            logger.error("reloading the configuration failed; keeping the running one", metadata: ["error": "\(error)"])
            throw error
        }
        do { try rules.apply(next, logger: logger) } catch {
            status.configReloadFailed()
            logger.error("reloading rule files failed; keeping the running rules", metadata: ["error": "\(error)"])
            throw error
        }
        try scrape.apply(next)
        applyAlerting(next)
        let onCall = self.onCall, nextOnCall = next.onCall
        Task { await onCall.apply(nextOnCall) }
        status.configLoaded(yaml: (try? String(contentsOfFile: configPath, encoding: .utf8)) ?? "")
        logger.info("configuration reloaded", metadata: ["file": "\(configPath)"])
    }

    private var signalSource: DispatchSourceSignal?

    /// SIGHUP reloads the configuration, as it does for Prometheus.
    private func installReloadSignal() {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { [self] in try? self.reload() }
        source.resume()
        signalSource = source
    }
}
