import API
import Foundation
import Ingest
import Logging
import ServiceLifecycle

/// Builds the server's parts from the configuration: which services run and which routes they add.
/// Each part keeps its wiring in its own `Wiring+Part.swift` file and is listed here once.
struct Wiring {
    let config: OspreyConfig
    let configPath: String?
    let sink: StoreSink
    let store: StoreHandle
    let logger: Logger

    /// Adds each part's HTTP routes to the main API router.
    func configure(_ deps: inout APIDependencies) {
    }

    /// The long-running services besides the store and the HTTP server, in start order.
    func services() throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var list: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // Forwarders first: services stop in reverse order, so they outlive every ingest path.
        list += try forwardServices()
        return list
    }
}
