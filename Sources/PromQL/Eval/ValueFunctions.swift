import Foundation

/// Element-wise functions implemented by the evaluator, by name.
enum ValueFunctions {
    static let table: [String: ValueKernel] = [
        "abs": { v, _ in abs(v) }, "ceil": { v, _ in v.rounded(.up) }, "floor": { v, _ in v.rounded(.down) },
        "exp": { v, _ in Foundation.exp(v) }, "sqrt": { v, _ in v.squareRoot() }, "ln": { v, _ in Foundation.log(v) },
        "log2": { v, _ in Foundation.log2(v) }, "log10": { v, _ in Foundation.log10(v) },
        "sin": { v, _ in Foundation.sin(v) }, "cos": { v, _ in Foundation.cos(v) }, "tan": { v, _ in Foundation.tan(v) },
        "asin": { v, _ in Foundation.asin(v) }, "acos": { v, _ in Foundation.acos(v) }, "atan": { v, _ in Foundation.atan(v) },
        "sinh": { v, _ in Foundation.sinh(v) }, "cosh": { v, _ in Foundation.cosh(v) }, "tanh": { v, _ in Foundation.tanh(v) },
        "asinh": { v, _ in Foundation.asinh(v) }, "acosh": { v, _ in Foundation.acosh(v) }, "atanh": { v, _ in Foundation.atanh(v) },
        "deg": { v, _ in v * 180 / Double.pi }, "rad": { v, _ in v * Double.pi / 180 },
        "sgn": { v, _ in v > 0 ? 1 : (v < 0 ? -1 : v) },
        "clamp": { v, a in
            let lo = a[0], hi = a[1]
            if hi < lo { return .nan }
            return Swift.max(lo, Swift.min(hi, v)).nanOr(v, lo, hi)
        },
        "clamp_min": { v, a in (v.isNaN || a[0].isNaN) ? .nan : Swift.max(a[0], v) },
        "clamp_max": { v, a in (v.isNaN || a[0].isNaN) ? .nan : Swift.min(a[0], v) },
        "round": { v, a in
            let to = a.first ?? 1
            let inverse = 1 / to
            return ((v * inverse) + 0.5).rounded(.down) / inverse
        },
    ]
}

private extension Double {
    /// NaN when any input is NaN (Swift's max/min ignore a NaN argument).
    func nanOr(_ values: Double...) -> Double { values.contains { $0.isNaN } ? .nan : self }
}

/// Date functions of a Unix timestamp in seconds (UTC).
enum DateFunctions {
    static let table: [String: @Sendable (Double) -> Double] = [
        "year": { part($0, .year) }, "month": { part($0, .month) }, "day_of_month": { part($0, .day) },
        "hour": { part($0, .hour) }, "minute": { part($0, .minute) },
        "day_of_week": { part($0, .weekday) - 1 },
        "day_of_year": { v in
            guard let d = date(v) else { return .nan }
            return Double(calendar.ordinality(of: .day, in: .year, for: d) ?? 0)
        },
        "days_in_month": { v in
            guard let d = date(v) else { return .nan }
            return Double(calendar.range(of: .day, in: .month, for: d)?.count ?? 0)
        },
    ]

    private static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    private static func date(_ v: Double) -> Date? {
        guard v.isFinite else { return nil }
        return Date(timeIntervalSince1970: (v).rounded(.down))
    }

    private static func part(_ v: Double, _ c: Calendar.Component) -> Double {
        guard let d = date(v) else { return .nan }
        return Double(calendar.component(c, from: d))
    }
}
