import Foundation
import PromQL

/// Runs query evaluations off Swift's cooperative pool and answers on time even when an evaluation is slow to stop.
///
/// The engine evaluates synchronously and reads the store with blocking calls; on the cooperative pool (one thread
/// per core) two long queries would stall every other request. Evaluations run instead on threads of their own
/// (`QueryExecutor`). A query whose client disconnects or whose `timeout` passes is
/// cancelled and answered at once; the engine stops at its next cancellation check.
enum QueryRunner {

    /// `body`'s result; `PromQLError(.timeout)` once `timeoutMs` passes; `CancellationError` when the calling task
    /// is cancelled. Neither of the last two waits for `body` to finish.
    static func run<T: Sendable>(timeoutMs: Int64?, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
                let evaluate: @Sendable () async -> Void = {
                    do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
                }
                let work: Task<Void, Never>
                if #available(macOS 15, *) {
                    work = Task(executorPreference: QueryExecutor.shared, operation: evaluate)
                } else {
                    work = Task(operation: evaluate)
                }
                var timer: Task<Void, Never>?
                if let timeoutMs {
                    timer = Task {
                        try? await Task.sleep(for: .milliseconds(max(0, timeoutMs)))
                        if !Task.isCancelled { race.finish(.failure(PromQLError(.timeout, "query timed out in expression evaluation"))) }
                    }
                }
                race.start(c, work: work, timer: timer)
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// The first outcome wins; the evaluation and the timer are cancelled then.
    private final class Race<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, any Error>?
        private var outcome: Result<T, any Error>?
        private var work: Task<Void, Never>?
        private var timer: Task<Void, Never>?

        func start(_ c: CheckedContinuation<T, any Error>, work: Task<Void, Never>, timer: Task<Void, Never>?) {
            let early: Result<T, any Error>? = lock.withLock {
                continuation = c
                self.work = work
                self.timer = timer
                return outcome
            }
            // An outcome that came before the continuation was stored (the caller was already cancelled).
            if let early { settle(early) }
        }

        func finish(_ result: Result<T, any Error>) {
            let first: Bool = lock.withLock {
                guard outcome == nil else { return false }
                outcome = result
                return true
            }
            if first { settle(result) }
        }

        private func settle(_ result: Result<T, any Error>) {
            let (c, w, t): (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?) = lock.withLock {
                defer { continuation = nil }
                return (continuation, work, timer)
            }
            w?.cancel()
            t?.cancel()
            c?.resume(with: result)
        }
    }
}

/// Runs each job on a serial dispatch queue of its own. Such queues draw on libdispatch's overcommitting thread
/// pool, so a query that computes for minutes never holds back another one (a concurrent queue would be capped
/// at one thread per core). A task has one job at a time, so its jobs still run one after another.
@available(macOS 15, *)
final class QueryExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = QueryExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        DispatchQueue(label: "osprey.api.query").async { unowned.runSynchronously(on: executor) }
    }
}
