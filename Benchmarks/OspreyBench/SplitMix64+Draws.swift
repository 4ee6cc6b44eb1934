import OspreyCore

/// Draws the fleet's shapes and values from `OspreyCore.SplitMix64`. Every series owns a generator,
/// so any series can be regenerated alone (the read-back checks do that) without replaying the others.
extension SplitMix64 {
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
