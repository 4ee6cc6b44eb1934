import Foundation

extension Expr {
    /// Lines longer than this are split by `prettified()`, as in Prometheus.
    static let prettyLineCharactersMax = 100

    /// The indented multi-line form `/api/v1/format_query` returns (Prometheus's `Pretty(0)`): an expression
    /// whose text fits in 100 characters stays on one line; longer ones put operands, arguments and
    /// aggregated expressions on their own lines, two spaces deeper.
    public func prettified() -> String { prettified(lineCharactersMax: Expr.prettyLineCharactersMax) }

    /// `prettified()` with another line limit (tests use a short one to exercise splitting).
    func prettified(lineCharactersMax: Int) -> String { pretty(0, lineCharactersMax) }

    private static func indent(_ level: Int) -> String { String(repeating: "  ", count: level) }

    func pretty(_ level: Int, _ max: Int) -> String {
        let pad = Expr.indent(level)
        var fitsOnLine: Bool { description.utf8.count <= max }
        switch self {
        case .number, .string, .vectorSelector, .matrixSelector:
            return pad + description
        case .aggregate(let a):
            if fitsOnLine { return pad + description }
            var s = pad + a.opAndGrouping + "(\n"
            if let p = a.param { s += p.pretty(level + 1, max) + ",\n" }
            return s + a.expr.pretty(level + 1, max) + "\n" + pad + ")"
        case .binary(let b):
            if fitsOnLine { return pad + description }
            return b.lhs.pretty(level + 1, max) + "\n" + pad + b.operatorText + "\n" + b.rhs.pretty(level + 1, max)
        case .call(let c):
            if fitsOnLine { return pad + description }
            return pad + c.name + "(\n" + c.args.map { $0.pretty(level + 1, max) }.joined(separator: ",\n") + "\n" + pad + ")"
        case .paren(let e, _):
            if fitsOnLine { return pad + description }
            return pad + "(\n" + e.pretty(level + 1, max) + "\n" + pad + ")"
        case .subquery(let s):
            // Prometheus does not indent a subquery that fits; kept so output matches its byte for byte.
            if fitsOnLine { return description }
            return s.expr.pretty(level, max) + s.suffix
        case .unary(let u):
            let child = u.expr.pretty(level, max).trimmingCharacters(in: .whitespacesAndNewlines)
            return pad + (u.negate ? "-" : "+") + child
        }
    }
}
