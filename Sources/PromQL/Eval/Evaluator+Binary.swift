import Foundation
import OspreyCore

extension Evaluator {
    /// The static type of an expression's value.
    func valueType(_ e: Expr) -> ValueType {
        switch e {
        case .number: return .scalar
        case .string: return .string
        case .paren(let x, _): return valueType(x)
        case .unary(let u): return valueType(u.expr)
        case .vectorSelector, .aggregate: return .vector
        case .matrixSelector, .subquery: return .matrix
        case .call(let c):
            if let sig = FunctionSignatures.table[c.name] { return sig.returnType }
            return ["time", "scalar", "pi", "step", "range", "start", "end"].contains(c.name) ? .scalar : .vector
        case .binary(let b):
            return valueType(b.lhs) == .scalar && valueType(b.rhs) == .scalar ? .scalar : .vector
        }
    }

    func evalBinary(_ b: BinaryExpr) throws -> [StepSeries] {
        let lt = valueType(b.lhs), rt = valueType(b.rhs)
        let lhs = try evalSeries(b.lhs)
        let rhs = try evalSeries(b.rhs)
        switch (lt, rt) {
        case (.scalar, .scalar):
            let l = scalarSteps(lhs), r = scalarSteps(rhs)
            return scalarSeries { ts in
                let i = stepIndex(ts)
                return scalarOp(b.op, l[i], r[i])
            }
        case (.vector, .scalar), (.scalar, .vector):
            let swap = lt == .scalar
            let vec = swap ? rhs : lhs
            let s = scalarSteps(swap ? lhs : rhs)
            var out: [StepSeries] = []
            for series in vec {
                var points: [Sample] = []
                for p in series.points {
                    let sv = s[stepIndex(p.t)]
                    let (l, r) = swap ? (sv, p.v) : (p.v, sv)
                    var (value, keep) = elementOp(b.op, l, r)
                    if b.op.isComparison && swap { value = r }
                    if b.returnBool { value = keep ? 1 : 0; keep = true }
                    if keep { points.append(Sample(p.t, value)) }
                }
                if points.isEmpty { continue }
                let drop = series.dropName || !b.op.isComparison || b.returnBool
                out.append(StepSeries(labels: series.labels, points: points, dropName: drop))
            }
            return out
        default:
            let matching = b.matching ?? VectorMatching(cardinality: b.op.isSetOperator ? .manyToMany : .oneToOne)
            return try rangeEval([lhs, rhs]) { v, _ in
                switch b.op {
                case .and, .or, .unless: return setOp(b.op, v[0], v[1], matching)
                default: return try vectorOp(b, v[0], v[1], matching)
                }
            }
        }
    }

    private func signature(_ l: Labels, _ m: VectorMatching) -> Labels {
        m.on ? l.keeping(m.labels) : l.removing(m.labels + [Labels.metricNameLabel])
    }

    private func setOp(_ op: BinaryOp, _ lhs: [Elem], _ rhs: [Elem], _ m: VectorMatching) -> [Elem] {
        switch op {
        case .and:
            if lhs.isEmpty || rhs.isEmpty { return [] }
            let right = Set(rhs.map { signature($0.labels, m) })
            return lhs.filter { right.contains(signature($0.labels, m)) }
        case .or:
            if lhs.isEmpty { return rhs }
            if rhs.isEmpty { return lhs }
            let left = Set(lhs.map { signature($0.labels, m) })
            return lhs + rhs.filter { !left.contains(signature($0.labels, m)) }
        default:
            if lhs.isEmpty || rhs.isEmpty { return lhs }
            let right = Set(rhs.map { signature($0.labels, m) })
            return lhs.filter { !right.contains(signature($0.labels, m)) }
        }
    }

    private func vectorOp(_ b: BinaryExpr, _ lhsIn: [Elem], _ rhsIn: [Elem], _ m: VectorMatching) throws -> [Elem] {
        if (lhsIn.isEmpty && rhsIn.isEmpty) || ((lhsIn.isEmpty || rhsIn.isEmpty) && m.fillLeft == nil && m.fillRight == nil) {
            return []
        }
        let swapped = m.cardinality == .oneToMany
        let (lhs, rhs) = swapped ? (rhsIn, lhsIn) : (lhsIn, rhsIn)
        // As in Prometheus, the fill values are not swapped with the sides for group_right: `fill_right` fills
        // a missing "one" side series and `fill_left` a missing "many" side series.
        let (fillForRight, fillForLeft) = (m.fillRight, m.fillLeft)
        var right: [Labels: Elem] = [:]
        for r in rhs {
            let sig = signature(r.labels, m)
            if let dup = right[sig] {
                let side = swapped ? "left" : "right"
                var pair = [goLabelsText(r.labels), goLabelsText(dup.labels)]
                if pair[0] > pair[1] { pair.swapAt(0, 1) }
                throw fail("found duplicate series for the match group \(sig.description) on the \(side) hand-side of the operation: [\(pair[0]), \(pair[1])];many-to-many matching not allowed: matching labels must be unique on one side")
            }
            right[sig] = r
        }
        // Match groups that met a partner (for fill_left), and the pairs each matched so far. Every matched pair
        // counts towards the one-to-one and grouping uniqueness rules, also one a comparison then filters out
        // (Prometheus 3; 2.42 counted only pairs that produced output).
        var paired = Set<Labels>()
        var matchedOne = Set<Labels>()
        var matchedMany: [Labels: Set<Labels>] = [:]
        var out: [Elem] = []
        func apply(_ ls: Elem, _ rs: Elem, _ sig: Labels) throws {
            paired.insert(sig)
            var (fl, fr) = (ls.v, rs.v)
            if swapped { swap(&fl, &fr) }
            var (value, keep) = elementOp(b.op, fl, fr)
            if b.returnBool { value = keep ? 1 : 0 }
            let metric = resultLabels(ls.labels, rs.labels, b.op, m)
            if m.cardinality == .oneToOne {
                if matchedOne.contains(sig) {
                    throw fail("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
                matchedOne.insert(sig)
            } else {
                if matchedMany[sig, default: []].contains(metric) {
                    throw fail("multiple matches for labels: grouping labels must ensure unique matches")
                }
                matchedMany[sig, default: []].insert(metric)
            }
            if !keep && !b.returnBool { return }
            // A comparison keeps the labels of its left side, including a name an inner operation marked for removal.
            out.append(Elem(labels: metric, v: value, dropName: b.returnBool || (b.op.isComparison && ls.dropName)))
        }
        for ls in lhs {
            let sig = signature(ls.labels, m)
            if let rs = right[sig] {
                try apply(ls, rs, sig)
            } else if let fill = fillForRight {
                try apply(ls, Elem(labels: matchLabels(ls.labels, m), v: fill), sig)
            }
        }
        if let fill = fillForLeft {
            for rs in rhs {
                let sig = signature(rs.labels, m)
                if paired.contains(sig) { continue }
                try apply(Elem(labels: matchLabels(rs.labels, m), v: fill), rs, sig)
            }
        }
        return out
    }

    /// The labels a fill value's missing side gets: the matching labels of the present side.
    private func matchLabels(_ l: Labels, _ m: VectorMatching) -> Labels {
        m.on ? l.keeping(m.labels) : l.removing(m.labels + [Labels.metricNameLabel])
    }

    private func resultLabels(_ lhs: Labels, _ rhs: Labels, _ op: BinaryOp, _ m: VectorMatching) -> Labels {
        var result = lhs
        if !op.isComparison { result = result.droppingMetadata() }
        if m.cardinality == .oneToOne {
            result = m.on ? result.keeping(m.labels) : result.removing(m.labels)
        }
        for name in m.include {
            result = result.setting(name, rhs[name] ?? "")
        }
        return result
    }
}

func scalarOp(_ op: BinaryOp, _ l: Double, _ r: Double) -> Double {
    switch op {
    case .add: return l + r
    case .sub: return l - r
    case .mul: return l * r
    case .div: return l / r
    case .pow: return pow(l, r)
    case .mod: return fmod(l, r)
    case .atan2: return atan2(l, r)
    case .eql: return l == r ? 1 : 0
    case .neq: return l != r ? 1 : 0
    case .gtr: return l > r ? 1 : 0
    case .lss: return l < r ? 1 : 0
    case .gte: return l >= r ? 1 : 0
    case .lte: return l <= r ? 1 : 0
    case .and, .or, .unless: return .nan
    }
}

/// A binary operation on two element values: the result and whether a comparison keeps the element.
func elementOp(_ op: BinaryOp, _ l: Double, _ r: Double) -> (Double, Bool) {
    switch op {
    case .eql: return (l, l == r)
    case .neq: return (l, l != r)
    case .gtr: return (l, l > r)
    case .lss: return (l, l < r)
    case .gte: return (l, l >= r)
    case .lte: return (l, l <= r)
    default: return (scalarOp(op, l, r), true)
    }
}
