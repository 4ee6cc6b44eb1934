import Ingest
import Logging
import OspreyCore
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

    /// The `write_relabel_configs` of an entry as a filter on series labels (nil: send every series unchanged).
    /// The relabel engine plugs in here.
    func writeRelabelFilter(_ entry: RemoteWriteEntry) throws -> (@Sendable (Labels) -> Labels?)? {
        if entry.writeRelabelConfigs != nil {
            logger.warning("remote_write write_relabel_configs is not applied yet; every series is sent",
                           metadata: ["remote": "\(entry.config.displayName)"])
        }
        return nil
    }
}

/// Runs a forwarder's sender until graceful shutdown; its buffer keeps what is not sent yet.
struct RemoteWriteService: Service {
    let forwarder: RemoteWriteForwarder

    func run() async throws {
        await cancelWhenGracefulShutdown { await forwarder.run() }
    }
}
