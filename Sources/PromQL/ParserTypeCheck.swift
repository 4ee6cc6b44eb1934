import OspreyCore

extension Expr {
    /// The type of the expression's value, as Prometheus derives it without evaluating.
    public var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vectorSelector: return .vector
        case .matrixSelector, .subquery: return .matrix
        case .call(let c): return FunctionSignatures.table[c.name]?.returnType ?? .none
        case .aggregate: return .vector
        case .binary(let b): return b.lhs.type == .scalar && b.rhs.type == .scalar ? .scalar : .vector
        case .unary(let u): return u.expr.type
        case .paren(let e, _): return e.type
        }
    }
}

/// Range functions `anchored` and `smoothed` selections may feed (Prometheus's lists).
let anchoredSafeFunctions = FunctionSignatures.anchoredSafe
let smoothedSafeFunctions = FunctionSignatures.smoothedSafe

/// Prometheus's type checks after parsing, in its order (children first), reporting the first problem.
/// Also settles vector matching: set operators are many-to-many, and operations with a scalar side have none.
struct TypeChecker {
    let parser: Parser

    func fail(_ message: String, at position: Int) -> PromQLError { parser.error(message, at: position) }

    /// Position of a binary operator: from the end of the left side, spaces skipped.
    func operatorPosition(_ b: BinaryExpr) -> Int {
        var i = b.lhs.position.end
        while i < parser.bytes.count, isSpace(parser.bytes[i]) { i += 1 }
        // Skip a closing parenthesis Prometheus's position range leaves out of paren expressions? No: paren ranges include it.
        return i
    }

    mutating func check(_ e: Expr) throws -> (expr: Expr, type: ValueType) {
        switch e {
        case .number, .string:
            return (e, e.type)
        case .paren(let inner, let p):
            let (checked, t) = try check(inner)
            return (.paren(checked, p), t)
        case .vectorSelector(let v):
            try checkSelector(v, bypassEmptyCheck: false)
            return (e, .vector)
        case .matrixSelector(let m):
            try checkSelector(m.vector, bypassEmptyCheck: false)
            return (e, .matrix)
        case .subquery(var s):
            let (inner, t) = try check(s.expr)
            if t != .vector { throw fail("subquery is only allowed on instant vector, got \(t.rawValue) instead", at: s.position.start) }
            s.expr = inner
            return (.subquery(s), .matrix)
        case .unary(var u):
            let (inner, t) = try check(u.expr)
            if t != .scalar && t != .vector {
                throw fail("unary expression only allowed on expressions of type scalar or instant vector, got \(goQuote(t.documented))",
                           at: u.position.start)
            }
            u.expr = inner
            return (.unary(u), t)
        case .aggregate(var a):
            let (inner, t) = try check(a.expr)
            if t != .vector { throw fail("expected type instant vector in aggregation expression, got \(t.documented)", at: a.expr.position.start) }
            a.expr = inner
            if let param = a.param {
                let (p, pt) = try check(param)
                let want: ValueType = a.op == .count_values ? .string : .scalar
                if pt != want { throw fail("expected type \(want.documented) in aggregation parameter, got \(pt.documented)", at: param.position.start) }
                a.param = p
            }
            return (.aggregate(a), .vector)
        case .call(let c):
            return try checkCall(c)
        case .binary(let b):
            return try checkBinary(b)
        }
    }

    func checkSelector(_ v: VectorSelector, bypassEmptyCheck: Bool) throws {
        if let name = v.name {
            for m in v.matchers.dropLast() where m.name == Labels.metricNameLabel {
                throw fail("metric name must not be set twice: \(goQuote(name)) or \(goQuote(m.value))", at: v.position.start)
            }
            return
        }
        if !bypassEmptyCheck && !v.matchers.contains(where: { !$0.matchesEmpty }) {
            throw fail("vector selector must contain at least one non-empty matcher", at: v.position.start)
        }
    }

    mutating func checkCall(_ call: Call) throws -> (expr: Expr, type: ValueType) {
        var c = call
        guard let sig = FunctionSignatures.table[c.name] else {
            throw fail("unknown function with name \(goQuote(c.name))", at: c.position.start)
        }
        let n = sig.argTypes.count
        if sig.variadic == 0 {
            if n != c.args.count {
                throw fail("expected \(n) argument(s) in call to \(goQuote(c.name)), got \(c.args.count)", at: c.position.start)
            }
        } else {
            if n - 1 > c.args.count {
                throw fail("expected at least \(n - 1) argument(s) in call to \(goQuote(c.name)), got \(c.args.count)", at: c.position.start)
            }
            if sig.variadic > 0 && n - 1 + sig.variadic < c.args.count {
                throw fail("expected at most \(n - 1 + sig.variadic) argument(s) in call to \(goQuote(c.name)), got \(c.args.count)",
                           at: c.position.start)
            }
        }
        var infoSelector = false
        if c.name == "info" && c.args.count > 1 {
            let second = c.args[1]
            if second.type != .vector {
                throw fail("expected type instant vector in call to function \"info\", got \(second.type.documented)", at: c.position.start)
            }
            if case .vectorSelector(let v) = second {
                if v.name != nil { throw fail("expected label selectors only, got vector selector instead", at: second.position.start) }
                infoSelector = true
            } else {
                throw fail("expected label selectors only", at: second.position.start)
            }
        }
        for (i, arg) in c.args.enumerated() {
            let want = sig.argTypes[min(i, n - 1)]
            let checked: Expr
            let t: ValueType
            if i == 1 && infoSelector, case .vectorSelector(let v) = arg {
                try checkSelector(v, bypassEmptyCheck: true)
                (checked, t) = (arg, .vector)
            } else {
                (checked, t) = try check(arg)
            }
            if t != want {
                throw fail("expected type \(want.documented) in call to function \(goQuote(c.name)), got \(t.documented)", at: arg.position.start)
            }
            c.args[i] = checked
        }
        // Prometheus raises these when evaluating; no evaluation can succeed, so Osprey reports them up front.
        for arg in c.args {
            guard case .matrixSelector(let m) = arg else { continue }
            if m.vector.anchored && !anchoredSafeFunctions.contains(c.name) {
                throw PromQLError(.execution, "anchored modifier can only be used with: \(anchoredSafeFunctions.sorted().joined(separator: ", ")) - not with \(c.name)",
                                  position: c.position)
            }
            if m.vector.smoothed && !smoothedSafeFunctions.contains(c.name) {
                throw PromQLError(.execution, "smoothed modifier can only be used with: \(smoothedSafeFunctions.sorted().joined(separator: ", ")) - not with \(c.name)",
                                  position: c.position)
            }
        }
        return (.call(c), sig.returnType)
    }

    mutating func checkBinary(_ binary: BinaryExpr) throws -> (expr: Expr, type: ValueType) {
        var b = binary
        let (lhs, lt) = try check(b.lhs)
        let (rhs, rt) = try check(b.rhs)
        b.lhs = lhs
        b.rhs = rhs
        let opAt = operatorPosition(b)
        if b.returnBool && !b.op.isComparison { throw fail("bool modifier can only be used on comparison operators", at: opAt) }
        if b.op.isComparison && !b.returnBool && lt == .scalar && rt == .scalar {
            throw fail("comparisons between scalars must use BOOL modifier", at: opAt)
        }
        var matching = b.matching ?? VectorMatching()
        if b.op.isSetOperator && matching.cardinality == .oneToOne { matching.cardinality = .manyToMany }
        if matching.on {
            for l in matching.labels where matching.include.contains(l) {
                throw fail("label \(goQuote(l)) must not occur in ON and GROUP clause at once", at: opAt)
            }
        }
        if lt != .scalar && lt != .vector { throw fail("binary expression must contain only scalar and instant vector types", at: b.lhs.position.start) }
        if rt != .scalar && rt != .vector { throw fail("binary expression must contain only scalar and instant vector types", at: b.rhs.position.start) }
        let filled = matching.fillLeft != nil || matching.fillRight != nil
        if lt != .vector || rt != .vector {
            if !matching.labels.isEmpty { throw fail("vector matching only allowed between instant vectors", at: b.position.start) }
            if filled { throw fail("filling in missing series only allowed between instant vectors", at: b.position.start) }
            b.matching = nil
        } else {
            if b.op.isSetOperator {
                if matching.cardinality == .oneToMany || matching.cardinality == .manyToOne {
                    throw fail("no grouping allowed for \(goQuote(b.op.rawValue)) operation", at: b.position.start)
                }
                if matching.cardinality != .manyToMany { throw fail("set operations must always be many-to-many", at: b.position.start) }
                if filled { throw fail("filling in missing series not allowed for set operators", at: b.position.start) }
            }
            b.matching = matching
        }
        if (lt == .scalar || rt == .scalar) && b.op.isSetOperator {
            throw fail("set operator \(goQuote(b.op.rawValue)) not allowed in binary scalar expression", at: b.position.start)
        }
        return (.binary(b), lt == .scalar && rt == .scalar ? .scalar : .vector)
    }
}
