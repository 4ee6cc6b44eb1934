import OspreyCore

/// Extra instant queries the promqltest runner derives from every `eval instant` case, as Prometheus's runner
/// does: the same expression with `@ <eval time>` on every selector and outermost subquery that has none,
/// evaluated at other times, must give the same result.
enum AtModifierCases {
    /// Functions whose result depends on the evaluation time even when their arguments do not.
    static let timeDependentFunctions: Set<String> = [
        "days_in_month", "day_of_month", "day_of_week", "day_of_year", "end", "hour", "minute", "month", "year",
        "predict_linear", "range", "start", "step", "time", "timestamp",
    ]

    /// `(query, evaluation time)` pairs; empty when the expression does not parse or uses a time-dependent function.
    static func cases(_ query: String, at t: Int64) -> [(String, Int64)] {
        guard let expr = try? PromQLParser.parse(query) else { return [] }
        var timeDependent = false
        let pinned = pin(expr, t, &timeDependent)
        if timeDependent { return [] }
        let text = pinned.description
        let times: [Int64] = t == 0 ? [-1000, 0, 1000] : [-10 * t, 0, t / 5, t, 10 * t]
        return times.map { (text, $0) }
    }

    /// Sets `@ t` where missing; leaves everything inside a subquery alone.
    private static func pin(_ e: Expr, _ t: Int64, _ timeDependent: inout Bool) -> Expr {
        switch e {
        case .number, .string: return e
        case .vectorSelector(var vs):
            if vs.at == nil { vs.at = .timestamp(t) }
            return .vectorSelector(vs)
        case .matrixSelector(var ms):
            if ms.vector.at == nil { ms.vector.at = .timestamp(t) }
            return .matrixSelector(ms)
        case .subquery(var sq):
            if sq.at == nil { sq.at = .timestamp(t) }
            return .subquery(sq)
        case .call(var c):
            if timeDependentFunctions.contains(c.name) { timeDependent = true }
            c.args = c.args.map { pin($0, t, &timeDependent) }
            return .call(c)
        case .aggregate(var a):
            a.expr = pin(a.expr, t, &timeDependent)
            a.param = a.param.map { pin($0, t, &timeDependent) }
            return .aggregate(a)
        case .binary(var b):
            b.lhs = pin(b.lhs, t, &timeDependent)
            b.rhs = pin(b.rhs, t, &timeDependent)
            return .binary(b)
        case .unary(var u):
            u.expr = pin(u.expr, t, &timeDependent)
            return .unary(u)
        case .paren(let inner, let p):
            return .paren(pin(inner, t, &timeDependent), p)
        }
    }
}
