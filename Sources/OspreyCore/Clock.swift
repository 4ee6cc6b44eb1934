import Foundation

/// Wall-clock time in milliseconds since the Unix epoch. Everything that schedules or expires takes one,
/// so tests drive time instead of sleeping.
public protocol Clock: Sendable {
    func nowMs() -> Int64
}

public struct SystemClock: Clock {
    public init() {}
    public func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// A clock tests set and advance by hand.
public final class ManualClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    public init(_ nowMs: Int64 = 0) { self.now = nowMs }

    public func nowMs() -> Int64 { lock.withLock { now } }
    public func set(_ ms: Int64) { lock.withLock { now = ms } }
    public func advance(_ ms: Int64) { lock.withLock { now += ms } }
}
