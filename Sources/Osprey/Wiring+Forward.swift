import ConfigReader
import Ingest
import Logging
import OspreyCore
import Pipeline
import ServiceLifecycle

extension Wiring {
    /// One `RemoteWriteForwarder` per `remote_write` entry, buffered in `<data>/forward/<name or url hash>/`,
    /// installed on the sink (so every committed batch is forwarded) and run as services.
    func forwardServices() throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var forwarders: [RemoteWriteForwarder] = []
        for entry in config.remoteWrite {
            let directory = config.dataDirectory + "/forward/" + entry.config.directoryName
            do {
                forwarders.append(try RemoteWriteForwarder(
                    config: entry.config, directory: directory, userAgent: "Osprey/\(ospreyVersion)",
                    filter: try writeRelabelFilter(entry), logger: logger))
            } catch {
                throw ConfigError(file: configPath ?? "(no file)", line: nil, field: "remote_write \(entry.config.displayName)",
                                  message: "cannot start forwarding: \(error)")
            }
            if entry.config.tls.serverName != nil {
                logger.warning("remote_write tls_config.server_name is not supported yet; the URL's host name is verified",
                               metadata: ["remote": "\(entry.config.displayName)"])
            }
        }
        sink.setForwarders(forwarders)
        return forwarders.map { .init(service: RemoteWriteService(forwarder: $0)) }
    }

    /// What each series looks like when it leaves Osprey: `global.external_labels` added where the series
    /// lacks them, then the entry's `write_relabel_configs` (nil result: not sent). Nil when there is nothing to do.
    func writeRelabelFilter(_ entry: RemoteWriteEntry) throws -> (@Sendable (Labels) -> Labels?)? {
        let external = config.global.externalLabels
        let rules = entry.writeRelabelConfigs
        if external.isEmpty && rules.isEmpty { return nil }
        return { labels in
            var out = labels
            for l in external where out[l.name] == nil { out = out.setting(l.name, l.value) }
            return rules.isEmpty ? out : Relabeling.process(out, rules)
        }
    }
}

/// Runs a forwarder's sender until graceful shutdown; its buffer keeps what is not sent yet.
struct RemoteWriteService: Service {
    let forwarder: RemoteWriteForwarder

    func run() async throws {
        await cancelWhenGracefulShutdown { await forwarder.run() }
    }
}
