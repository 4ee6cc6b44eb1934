import Logging
import OspreyCore
import ServiceLifecycle

/// The background job that collects resolved alerts, silences past their retention and expired notification
/// log entries. `tick(now:)` is the whole job; `run` only calls it every `intervalMs` until shutdown.
public struct AlertingGC: Service {
    /// Alertmanager collects every 30 minutes (`--alerts.gc-interval`); a resolved alert stays visible that long.
    public static let intervalMs: Int64 = 30 * 60_000

    let alerts: AlertStore
    let silences: Silences
    let notificationLog: NotificationLog
    let clock: any Clock
    let logger: Logger

    public init(alerts: AlertStore, silences: Silences, notificationLog: NotificationLog, clock: any Clock, logger: Logger) {
        self.alerts = alerts
        self.silences = silences
        self.notificationLog = notificationLog
        self.clock = clock
        self.logger = logger
    }

    /// One collection at `nowMs`.
    public func tick(now nowMs: Int64) {
        let resolved = alerts.gc(now: nowMs).count
        var silencesGone = 0, entriesGone = 0
        do { silencesGone = try silences.gc(now: nowMs) } catch { logger.error("silences GC failed", metadata: ["error": "\(error)"]) }
        do { entriesGone = try notificationLog.gc(now: nowMs) } catch { logger.error("notification log GC failed", metadata: ["error": "\(error)"]) }
        if resolved + silencesGone + entriesGone > 0 {
            logger.debug("alerting GC", metadata: ["alerts": "\(resolved)", "silences": "\(silencesGone)", "nflog": "\(entriesGone)"])
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Self.intervalMs))
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            tick(now: clock.nowMs())
        }
    }
}
