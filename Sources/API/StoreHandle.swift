import Foundation
import MetricStore

/// The metric store once it is open. Until then the server is up but not ready:
/// `/-/ready` and writes answer 503, as Prometheus does during WAL replay.
public final class StoreHandle: @unchecked Sendable {
    private let lock = NSLock()
    private var db: MetricStoreDB?
    private var draining = false

    public init() {}

    public func set(_ db: MetricStoreDB) { lock.withLock { self.db = db } }

    /// Stops accepting writes (shutdown in progress).
    public func drain() { lock.withLock { draining = true } }

    public var store: MetricStoreDB? { lock.withLock { db } }

    /// The store while it accepts writes: nil while opening and once shutdown has begun.
    public var writable: MetricStoreDB? { lock.withLock { draining ? nil : db } }

    func require() throws -> MetricStoreDB {
        guard let db = store else { throw APIError(type: .unavailable, message: "the metric store is still opening (replaying its WAL)") }
        return db
    }
}
