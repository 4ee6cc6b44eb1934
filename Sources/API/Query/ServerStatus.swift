import Foundation
import Ingest
import PromQL

/// What the status endpoints report about the running server: start time, flags, the loaded configuration.
/// The server updates it on (re)load. Thread safe.
public final class ServerStatus: @unchecked Sendable {
    public let startTime: Date
    /// Settings in Prometheus's flag names (`query.timeout`, `storage.tsdb.retention.time`), for `/api/v1/status/flags`.
    public let flags: [String: String]
    /// Retention as `/api/v1/status/runtimeinfo` prints it (`15d`).
    public let storageRetention: String

    private let lock = NSLock()
    private var yaml = ""
    private var lastConfigTime: Date
    private var reloadSucceeded = true

    public init(startTime: Date = Date(), flags: [String: String], storageRetention: String) {
        self.startTime = startTime
        self.flags = flags
        self.storageRetention = storageRetention
        self.lastConfigTime = startTime
    }

    /// A configuration was loaded: its text becomes `/api/v1/status/config`'s answer.
    public func configLoaded(yaml: String, at time: Date = Date()) {
        lock.withLock {
            self.yaml = yaml
            lastConfigTime = time
            reloadSucceeded = true
        }
    }

    /// A reload failed; the running configuration stays.
    public func configReloadFailed() { lock.withLock { reloadSucceeded = false } }

    var config: (yaml: String, time: Date, success: Bool) { lock.withLock { (yaml, lastConfigTime, reloadSucceeded) } }
}

/// What the query and status endpoints need; set `APIDependencies.query` to serve them.
public struct QueryAPIDependencies: Sendable {
    public var engine: Engine
    /// The exemplar ring `/api/v1/query_exemplars` reads; nil answers an empty list.
    public var exemplars: ExemplarStore?
    public var status: ServerStatus

    public init(engine: Engine, exemplars: ExemplarStore?, status: ServerStatus) {
        self.engine = engine
        self.exemplars = exemplars
        self.status = status
    }
}
