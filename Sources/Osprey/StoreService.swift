import API
import Foundation
import Logging
import MetricStore
import ServiceLifecycle

/// Opens the metric store, runs its maintenance (WAL fsync, head cuts, compaction, retention) every
/// second, and on shutdown stops writes, flushes the WAL and closes the store.
struct StoreService: Service {
    let handle: StoreHandle
    let directory: String
    let options: MetricStoreDB.Options
    let logger: Logger
    /// How often maintenance runs; the WAL batch fsync interval is checked at this granularity.
    static let maintenanceIntervalMs: Int64 = 250

    private static let queue = DispatchQueue(label: "osprey.metric-store.maintenance")

    private func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            StoreService.queue.async { c.resume(with: Result { try body() }) }
        }
    }

    func run() async throws {
        let dir = directory, options = options, logger = logger
        let db = try await offload { try MetricStoreDB.open(directory: dir, options: options, logger: logger) }
        handle.set(db)
        logger.info("ready: accepting writes")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(StoreService.maintenanceIntervalMs))
                do { try await offload { try db.maintain() } } catch {
                    logger.error("metric store maintenance failed", metadata: ["error": "\(error)"])
                }
            }
        }
        handle.drain()
        try await offload { db.close() }
        logger.info("metric store flushed and closed")
    }
}
