/// The argument and return types of a PromQL function, used by the parser's type checks.
public struct FunctionSignature: Sendable {
    public var name: String
    /// The type of each argument; with `variadic != 0`, extra arguments take the last type.
    public var argTypes: [ValueType]
    /// As in Prometheus: 0 — exactly `argTypes.count` arguments; n > 0 — from `argTypes.count - 1` up to
    /// `argTypes.count - 1 + n` arguments; -1 — at least `argTypes.count - 1`, no upper limit.
    public var variadic: Int
    public var returnType: ValueType
    /// Behind Prometheus's `promql-experimental-functions` flag; Osprey enables them.
    public var experimental: Bool

    /// Fewest arguments a call may pass.
    public var minArgs: Int { variadic == 0 ? argTypes.count : argTypes.count - 1 }
    /// Most arguments a call may pass; nil when unlimited.
    public var maxArgs: Int? { variadic < 0 ? nil : variadic == 0 ? argTypes.count : argTypes.count - 1 + variadic }

    /// The expected type of argument `index` (0-based), nil past the last allowed argument.
    public func argType(at index: Int) -> ValueType? {
        if let maxArgs, index >= maxArgs { return nil }
        return argTypes.isEmpty ? nil : argTypes[min(index, argTypes.count - 1)]
    }
}

public enum FunctionSignatures {
    /// Every function Osprey's PromQL knows, by name: the float functions of the newest Prometheus, its
    /// experimental ones, and the native-histogram functions (so their queries parse).
    public static let table: [String: FunctionSignature] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Functions that accept an `anchored` range (Prometheus refuses the modifier on any other function).
    public static let anchoredSafe: Set<String> = ["resets", "changes", "rate", "increase", "delta"]

    /// Functions that accept a `smoothed` range.
    public static let smoothedSafe: Set<String> = ["rate", "increase", "delta"]

    private static func sig(_ name: String, _ args: [ValueType], _ ret: ValueType, variadic: Int = 0,
                            experimental: Bool = false) -> FunctionSignature {
        FunctionSignature(name: name, argTypes: args, variadic: variadic, returnType: ret, experimental: experimental)
    }

    private static let all: [FunctionSignature] = mathematical + time + overTime + labelsAndSorting + histograms

    /// One instant vector in, one out, value by value.
    private static let mathematical: [FunctionSignature] =
        ["abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "deg", "exp", "floor", "ln",
         "log10", "log2", "rad", "sgn", "sin", "sinh", "sqrt", "tan", "tanh", "absent", "timestamp"]
        .map { sig($0, [.vector], .vector) } + [
            sig("clamp", [.vector, .scalar, .scalar], .vector),
            sig("clamp_max", [.vector, .scalar], .vector),
            sig("clamp_min", [.vector, .scalar], .vector),
            sig("round", [.vector, .scalar], .vector, variadic: 1),
            sig("scalar", [.vector], .scalar),
            sig("vector", [.scalar], .vector),
            sig("pi", [], .scalar),
            sig("start_timestamp", [.vector], .vector, experimental: true),
        ]

    /// Calendar functions (default argument `vector(time())`) and the query-time scalars.
    private static let time: [FunctionSignature] =
        ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"]
        .map { sig($0, [.vector], .vector, variadic: 1) } + [
            sig("time", [], .scalar),
            sig("start", [], .scalar, experimental: true),
            sig("end", [], .scalar, experimental: true),
            sig("step", [], .scalar, experimental: true),
            sig("range", [], .scalar, experimental: true),
            sig("min_of", [.scalar, .scalar], .scalar, experimental: true),
            sig("max_of", [.scalar, .scalar], .scalar, experimental: true),
        ]

    /// Functions of a range vector.
    private static let overTime: [FunctionSignature] =
        ["absent_over_time", "avg_over_time", "changes", "count_over_time", "delta", "deriv", "first_over_time", "idelta",
         "increase", "irate", "last_over_time", "max_over_time", "min_over_time", "present_over_time", "rate", "resets",
         "stddev_over_time", "stdvar_over_time", "sum_over_time"]
        .map { sig($0, [.matrix], .vector) }
        + ["mad_over_time", "ts_of_first_over_time", "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time"]
        .map { sig($0, [.matrix], .vector, experimental: true) } + [
            sig("predict_linear", [.matrix, .scalar], .vector),
            sig("quantile_over_time", [.scalar, .matrix], .vector),
            sig("double_exponential_smoothing", [.matrix, .scalar, .scalar], .vector, experimental: true),
        ]

    private static let labelsAndSorting: [FunctionSignature] = [
        sig("label_replace", [.vector, .string, .string, .string, .string], .vector),
        sig("label_join", [.vector, .string, .string, .string], .vector, variadic: -1),
        sig("info", [.vector, .vector], .vector, variadic: 1, experimental: true),
        sig("sort", [.vector], .vector),
        sig("sort_desc", [.vector], .vector),
        sig("sort_by_label", [.vector, .string], .vector, variadic: -1, experimental: true),
        sig("sort_by_label_desc", [.vector, .string], .vector, variadic: -1, experimental: true),
    ]

    /// Classic-bucket quantiles and the native-histogram functions.
    private static let histograms: [FunctionSignature] =
        ["histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar"]
        .map { sig($0, [.vector], .vector) } + [
            sig("histogram_fraction", [.scalar, .scalar, .vector], .vector),
            sig("histogram_quantile", [.scalar, .vector], .vector),
            sig("histogram_quantiles", [.vector, .string, .scalar, .scalar], .vector, variadic: 9, experimental: true),
        ]
}
