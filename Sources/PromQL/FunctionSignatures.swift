/// The argument and return types of a PromQL function, used by the parser's type checks.
public struct FunctionSignature: Sendable {
    public var name: String
    public var argTypes: [ValueType]
    /// 0: exactly `argTypes.count` arguments; n > 0: the last n may be left out; -1: the last repeats without limit.
    public var variadic: Int
    public var returnType: ValueType
    /// Behind Prometheus's `promql-experimental-functions` flag; Osprey enables them.
    public var experimental: Bool
}

public enum FunctionSignatures {
    /// Every function Osprey's PromQL knows, by name.
    public static let table: [String: FunctionSignature] = [:]
}
