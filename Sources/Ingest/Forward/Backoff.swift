/// The wait before retrying a failed request: `minMs` doubled per attempt up to `maxMs`, jittered
/// by -20 %..+20 % so many senders recovering at once do not retry in lockstep, and always within min..max.
struct Backoff: Sendable {
    let minMs: Int64
    let maxMs: Int64

    /// The delay before retry number `attempt` (0 for the first retry); `jitter` is uniform in 0..<1.
    func delayMs(attempt: Int, jitter: Double) -> Int64 {
        let doublings = min(attempt, 62)
        var base = minMs
        for _ in 0..<doublings where base < maxMs { base = base > maxMs / 2 ? maxMs : base * 2 }
        base = min(base, maxMs)
        let jittered = Int64((Double(base) * (0.8 + 0.4 * min(max(jitter, 0), 1))).rounded())
        return min(max(jittered, minMs), maxMs)
    }
}
