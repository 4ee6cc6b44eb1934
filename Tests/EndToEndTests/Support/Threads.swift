import Foundation

/// A value shared between threads behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// Runs `body(i)` for i in 0..<count, each on its own thread (blocking I/O must not tie up the
/// Swift concurrency pool, which has one thread per core); `join()` waits for all of them.
final class ThreadGroup: @unchecked Sendable {
    private let group = DispatchGroup()

    init(count: Int, name: String, _ body: @escaping @Sendable (Int) -> Void) {
        for i in 0..<count {
            group.enter()
            let thread = Thread { [group] in
                body(i)
                group.leave()
            }
            thread.name = "\(name)-\(i)"
            thread.start()
        }
    }

    /// Waits up to `timeoutSeconds`; false if some thread is still running.
    func join(timeoutSeconds: Double = 120) -> Bool {
        group.wait(timeout: .now() + timeoutSeconds) == .success
    }
}
