/// A float sample: milliseconds since the Unix epoch and a value.
public struct Sample: Hashable, Sendable {
    public var t: Int64
    public var v: Double

    public init(_ t: Int64, _ v: Double) {
        self.t = t
        self.v = v
    }

    /// Bitwise equality, so NaN and the staleness marker compare as stored.
    public func isIdentical(to other: Sample) -> Bool {
        t == other.t && v.bitPattern == other.v.bitPattern
    }
}

/// The staleness marker: a NaN whose bit pattern Prometheus reserves to mean "this series ended".
public enum StaleNaN {
    public static let bits: UInt64 = 0x7FF0_0000_0000_0002
    public static let value = Double(bitPattern: bits)
    public static func isStale(_ v: Double) -> Bool { v.bitPattern == bits }
}
