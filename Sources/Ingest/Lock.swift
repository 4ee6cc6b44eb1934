import Foundation

/// A plain mutex for short critical sections that never await.
final class NSLockLike: @unchecked Sendable {
    private let lock = NSLock()
    @inline(__always) func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
