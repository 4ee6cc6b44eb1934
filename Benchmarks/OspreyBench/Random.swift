/// SplitMix64: eight bytes of state, fast, and the same sequence on every machine, so two runs with
/// one seed send byte-identical requests. Every series owns one, so any series can be regenerated
/// alone (the correctness checks do that) without replaying the others.
struct SplitMix64: Sendable {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.finalize(state)
    }

    /// A well-mixed hash of two words; used for values that must be pure functions of their inputs
    /// (per-series seeds, per-scrape timestamp jitter).
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        finalize(a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019))
    }

    private static func finalize(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in `range` (modulo bias is irrelevant at these range sizes).
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        return range.lowerBound + Int64(bitPattern: width == 0 ? next() : next() % width)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int(int(Int64(range.lowerBound)...Int64(range.upperBound)))
    }

    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * unit()
    }

    mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// Roughly standard normal (Irwin–Hall with four uniforms): cheap, bounded at ±3.5σ.
    mutating func normal() -> Double {
        (unit() + unit() + unit() + unit() - 2) * 1.7320508075688772
    }

    mutating func pick<T>(_ xs: [T]) -> T {
        xs[int(0...(xs.count - 1))]
    }

    mutating func hex(_ digits: Int) -> String {
        let alphabet = Array("0123456789abcdef")
        return String((0..<digits).map { _ in alphabet[int(0...15)] })
    }
}
