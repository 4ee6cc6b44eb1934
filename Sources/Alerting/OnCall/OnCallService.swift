import Logging
import OspreyCore
import ServiceLifecycle

/// Runs the escalation engine: `tick` with the clock's time every `tickIntervalMs`.
public struct OnCallService: Service {
    /// How often escalation checks for due steps: waits are minutes, so a second is precise enough
    /// and costs nothing when nothing is due.
    public static let tickIntervalMs: Int64 = 1000

    let engine: EscalationEngine

    public init(engine: EscalationEngine) { self.engine = engine }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await engine.tick(engine.now)
            try? await Task.sleep(for: .milliseconds(OnCallService.tickIntervalMs))
        }
    }
}
