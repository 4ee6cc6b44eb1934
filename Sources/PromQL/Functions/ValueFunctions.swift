import Foundation

/// The functions applied to each float element of a vector on its own: math, trigonometry, clamping,
/// rounding and the calendar functions. The evaluator applies them only to float samples and drops the
/// metric name from the result, as Prometheus does.
///
/// ```swift
/// let clamp = ValueFunctions.kernel("clamp")!
/// clamp(120, [0, 100])   // 100
/// ```
public enum ValueFunctions {
    /// The kernel for an element-wise function, or nil when `name` is not one.
    public static func kernel(_ name: String) -> ValueKernel? { table[name] }

    /// Every function name `kernel(_:)` knows, sorted.
    public static var names: [String] { table.keys.sorted() }

    /// False when the function, with these scalar arguments, returns an empty vector whatever its input:
    /// `clamp` with a maximum below its minimum. The evaluator checks this once per step before applying the kernel.
    public static func producesOutput(_ name: String, args: [Double]) -> Bool {
        if name == "clamp", args.count >= 2, args[1] < args[0] { return false }
        return true
    }

    static let table: [String: ValueKernel] = {
        var t: [String: ValueKernel] = [
            "abs": { v, _ in abs(v) },
            "ceil": { v, _ in v.rounded(.up) },
            "floor": { v, _ in v.rounded(.down) },
            "exp": { v, _ in Foundation.exp(v) },
            "sqrt": { v, _ in v.squareRoot() },
            "ln": { v, _ in Foundation.log(v) },
            "log2": { v, _ in Foundation.log2(v) },
            "log10": { v, _ in Foundation.log10(v) },
            "sgn": { v, _ in v < 0 ? -1 : (v > 0 ? 1 : v) },
            "round": { v, args in round(v, toNearest: args.first ?? 1) },
            "clamp": { v, args in goMax(args[0], goMin(args[1], v)) },
            "clamp_min": { v, args in goMax(args[0], goMin(.infinity, v)) },
            "clamp_max": { v, args in goMax(-.infinity, goMin(args[0], v)) },
            "sin": { v, _ in Foundation.sin(v) },
            "cos": { v, _ in Foundation.cos(v) },
            "tan": { v, _ in Foundation.tan(v) },
            "asin": { v, _ in Foundation.asin(v) },
            "acos": { v, _ in Foundation.acos(v) },
            "atan": { v, _ in Foundation.atan(v) },
            "sinh": { v, _ in Foundation.sinh(v) },
            "cosh": { v, _ in Foundation.cosh(v) },
            "tanh": { v, _ in Foundation.tanh(v) },
            "asinh": { v, _ in Foundation.asinh(v) },
            "acosh": { v, _ in Foundation.acosh(v) },
            "atanh": { v, _ in Foundation.atanh(v) },
            "rad": { v, _ in v * Double.pi / 180 },
            "deg": { v, _ in v * 180 / Double.pi },
        ]
        for (name, kernel) in DateFunctions.table { t[name] = kernel }
        return t
    }()

    /// Rounds half up to the nearest multiple of `toNearest` (Prometheus computes with the inverse, so
    /// `round(x, 0.1)` gives the same digits as it does).
    static func round(_ v: Double, toNearest: Double) -> Double {
        let inverse = 1.0 / toNearest
        return (v * inverse + 0.5).rounded(.down) / inverse
    }
}

/// Go's `math.Max`/`math.Min`, which clamping and `max_of`/`min_of` follow: an infinity in the direction of
/// the operation wins, then NaN wins over any other value; +0 is above -0.
func goMax(_ a: Double, _ b: Double) -> Double {
    if a == .infinity || b == .infinity { return .infinity }
    if a.isNaN || b.isNaN { return .nan }
    if a == 0 && b == 0 { return a.sign == .plus ? a : b }
    return a > b ? a : b
}

func goMin(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity || b == -.infinity { return -.infinity }
    if a.isNaN || b.isNaN { return .nan }
    if a == 0 && b == 0 { return a.sign == .minus ? a : b }
    return a < b ? a : b
}
