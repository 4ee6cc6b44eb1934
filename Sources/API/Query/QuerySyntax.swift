import OspreyCore
import PromQL

/// The PromQL parser as the HTTP API uses it: errors worded as Prometheus's API words them.
enum QuerySyntax {
    /// Parses the `query` parameter; a syntax error is `bad_data` naming the parameter and the position.
    static func parse(_ query: String) throws -> Expr {
        do { return try PromQLParser.parse(query) } catch let e as PromQLError {
            throw APIError.badData("invalid parameter \"query\": \(e.message)")
        }
    }

    /// The expression pretty-printed as `/api/v1/format_query` answers it.
    static func pretty(_ expr: Expr) throws -> String { expr.prettified() }

    /// A `match[]` series selector (`up`, `{job="a"}`, `{"utf8.name"}`) into matchers.
    static func parseSelector(_ s: String) throws -> [LabelMatcher] {
        try PromQLParser.parseMetricSelector(s)
    }

    /// Every selector's matchers in the expression, in order (what `/api/v1/query_exemplars` looks up).
    static func selectors(in expr: Expr) -> [[LabelMatcher]] {
        var out: [[LabelMatcher]] = []
        func walk(_ e: Expr) {
            switch e {
            case .number, .string: break
            case .vectorSelector(let v): out.append(v.matchers)
            case .matrixSelector(let m): out.append(m.vector.matchers)
            case .subquery(let s): walk(s.expr)
            case .call(let c): c.args.forEach(walk)
            case .aggregate(let a):
                if let p = a.param { walk(p) }
                walk(a.expr)
            case .binary(let b):
                walk(b.lhs)
                walk(b.rhs)
            case .unary(let u): walk(u.expr)
            case .paren(let inner, _): walk(inner)
            }
        }
        walk(expr)
        return out
    }
}
