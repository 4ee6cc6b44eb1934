import ConfigReader
import Rules
import API
import ArgumentParser
import Foundation
import Hummingbird
import Ingest
import Logging
import Metrics
import MetricStore
import Prometheus
import ServiceLifecycle

let ospreyVersion = "0.1.0"

@main
struct OspreyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "osprey",
        abstract: "Osprey: metrics, logs, traces and alerting in one server.",
        subcommands: [Serve.self, Check.self, TestCommands.self, Version.self, PromQLTestCommand.self]
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")
    func run() {
        print("osprey, version \(ospreyVersion)")
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check configuration files.", subcommands: [CheckConfig.self, CheckAlerting.self, CheckRoutes.self, CheckRules.self])
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "Validate an osprey.yml (or prometheus.yml).")
    @Argument(help: "The configuration file.") var file: String

    func run() throws {
        do {
            let config = try ConfigLoader.load(path: file)
            print("Checking \(file)")
            for section in config.ignored { print("  \(section): accepted, not used by this version of Osprey") }
            print("  SUCCESS: \(file) is valid")
            print("")
            if !CheckRules.check(RuleManager.expandGlobs(config.ruleFiles)) { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            print("  FAILED: \(error)")
            throw ExitCode(1)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Osprey server.")
    @Option(help: "Configuration file (default: ./osprey.yml when it exists).") var config: String?
    @Option(help: "HTTP listen address, HOST:PORT (default 127.0.0.1:9700).") var listen: String?
    @Option(help: "Data directory (default ./data).") var data: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"
    @Option(name: .customLong("query.lookback-delta"), help: "How far back an instant selector looks (default 5m).") var queryLookbackDelta: String?
    @Option(name: .customLong("query.timeout"), help: "Longest a query may run (default 2m).") var queryTimeout: String?
    @Option(name: .customLong("query.max-samples"), help: "Samples one query may hold in memory (default 50000000).") var queryMaxSamples: Int?

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { var h = LogfmtHandler(label: $0); h.logLevel = level; return h }
        let logger = Logger(label: "osprey")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        var cfg = OspreyConfig()
        let path = config ?? (FileManager.default.fileExists(atPath: "osprey.yml") ? "osprey.yml" : nil)
        if let path {
            do { cfg = try ConfigLoader.load(path: path) } catch {
                logger.critical("invalid configuration", metadata: ["error": "\(error)"])
                throw ExitCode(2)
            }
            for section in cfg.ignored { logger.notice("config section accepted but not used by this version", metadata: ["section": "\(section)"]) }
        }
        if let listen { cfg.listenAddress = listen }
        if let data { cfg.dataDirectory = data }
        do { try cfg.query.apply(lookbackDelta: queryLookbackDelta, timeout: queryTimeout, maxSamples: queryMaxSamples) } catch {
            logger.critical("invalid flag", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        guard let address = HostPort(cfg.listenAddress) else {
            logger.critical("invalid listen address", metadata: ["address": "\(cfg.listenAddress)"])
            throw ExitCode(2)
        }

        let handle = StoreHandle()
        let sink = StoreSink(store: { handle.writable })
        var rwLimits = RemoteWriteLimits()
        rwLimits.bodyBytesMax = cfg.remoteWriteBodyBytesMax
        rwLimits.labelNameBytesMax = cfg.store.limits.labelNameBytesMax
        rwLimits.labelValueBytesMax = cfg.store.limits.labelValueBytesMax
        rwLimits.labelsPerSeriesMax = cfg.store.limits.labelsPerSeriesMax
        var deps = APIDependencies(store: handle, metricsText: { ownMetricsText(registry) }, version: ospreyVersion, remoteWriteLimits: rwLimits)
        deps.sink = sink
        let wiring: Wiring
        do {
            wiring = try Wiring(config: cfg, configPath: path, sink: sink, store: handle, logger: logger,
                                metricsText: { ownMetricsText(registry) })
        } catch {
            logger.critical("starting failed", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        wiring.configure(&deps)
        let app = Application(
            router: makeRouter(deps),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "Osprey"),
            logger: logger
        )
        let store = StoreService(handle: handle, directory: cfg.dataDirectory + "/metrics", options: cfg.store, logger: logger)
        logger.info("starting osprey", metadata: ["version": "\(ospreyVersion)", "listen": "\(cfg.listenAddress)", "data": "\(cfg.dataDirectory)"])
        // Order matters on shutdown: services stop in reverse, so the store (first) closes last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: store)]
        services += try wiring.services()
        services.append(.init(service: app))
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.info("osprey stopped cleanly")
    }
}

/// Osprey's own metrics in the Prometheus text format, plus process metrics read from /proc.
func ownMetricsText(_ registry: PrometheusCollectorRegistry) -> String {
    var buffer: [UInt8] = []
    registry.emit(into: &buffer)
    var out = String(decoding: buffer, as: UTF8.self)
    if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
       let close = stat.lastIndex(of: ")") {
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is state (field 3); utime/stime are fields 14/15, rss is field 24.
        if fields.count > 21, let ut = Double(fields[11]), let st = Double(fields[12]), let rss = Double(fields[21]) {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let page = Double(sysconf(Int32(_SC_PAGESIZE)))
            out += "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n"
            out += "process_cpu_seconds_total \((ut + st) / ticks)\n"
            out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n"
            out += "process_resident_memory_bytes \(rss * page)\n"
        }
    }
    return out
}
