import Logging
import OspreyCore
import ServiceLifecycle

/// Runs a `Dispatcher` in the server: subscribes it to the alert store, then flushes due groups as their time
/// comes, each group's flush in its own task, so a slow or retrying receiver never holds back other groups.
/// On graceful shutdown it stops taking new flushes and lets running ones end (a running retry is cut at its
/// next wait).
public struct DispatcherService: Service {
    /// How often the loop looks for due groups when none is due sooner: new alerts can make a group due at
    /// once (an old alert in a new group), and a quarter second is well below any `group_wait` people use.
    public static let pollIntervalMs: Int64 = 250

    let dispatcher: Dispatcher

    public init(dispatcher: Dispatcher) { self.dispatcher = dispatcher }

    public func run() async throws {
        dispatcher.start()
        defer { dispatcher.stop() }
        await withDiscardingTaskGroup { tasks in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let now = dispatcher.clock.nowMs()
                for job in dispatcher.takeDue(now: now) {
                    tasks.addTask { await dispatcher.flush(job) }
                }
                let wait = min(max((dispatcher.nextFlushMs ?? .max) - dispatcher.clock.nowMs(), 1), Self.pollIntervalMs)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(wait)) }
            }
        }
    }
}
