import OspreyCore

/// Prometheus's canonical text of an expression (its `String()`), as `/api/v1/format_query` builds on:
/// `sum by (job) (rate(x{a="b"}[5m] offset 1m))`. Parsing the text again gives the same text.
extension Expr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number(let v, _): return formatPrometheusFloat(v)
        case .string(let s, _): return goQuote(s)
        case .vectorSelector(let v): return v.description
        case .matrixSelector(let m): return m.description
        case .subquery(let s): return s.expr.description + s.suffix
        case .call(let c): return c.name + "(" + c.args.map(\.description).joined(separator: ", ") + ")"
        case .aggregate(let a):
            let param = a.param.map { $0.description + ", " } ?? ""
            return a.opAndGrouping + "(" + param + a.expr.description + ")"
        case .binary(let b): return b.lhs.description + " " + b.operatorText + " " + b.rhs.description
        case .unary(let u): return (u.negate ? "-" : "+") + u.expr.description
        case .paren(let e, _): return "(" + e.description + ")"
        }
    }
}

extension DurationExpr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .literal(let ms): return Literals.formatDuration(ms)
        case .number(let v): return formatPrometheusFloat(v)
        case .step: return "step()"
        case .range: return "range()"
        case .negate(let e): return "-" + e.description
        case .binary(let op, let a, let b): return "\(a) \(op.rawValue) \(b)"
        case .minOf(let a, let b): return "min_of(\(a), \(b))"
        case .maxOf(let a, let b): return "max_of(\(a), \(b))"
        case .paren(let e): return "(\(e))"
        }
    }
}

/// A label name as Prometheus prints it in grouping clauses and matchers: bare when it is a classic name, quoted otherwise.
func printedLabelName(_ name: String) -> String {
    var first = true
    for c in name.utf8 {
        let ok = isAlpha(c) || (!first && isDigit(c))
        if !ok { return goQuote(name) }
        first = false
    }
    return name.isEmpty ? goQuote(name) : name
}

extension VectorSelector: CustomStringConvertible {
    /// Selector with its modifiers in Prometheus's order: `name{matchers} @ t anchored offset d`.
    public var description: String { selectorText + atText + extendedText + offsetText }

    /// `name{…}` without modifiers; matchers sorted by their text, the name matcher left out when the name is written.
    var selectorText: String {
        var parts: [String] = []
        for m in matchers {
            if m.kind == .equal && m.name == Labels.metricNameLabel && m.value == name && !(name ?? "").isEmpty { continue }
            parts.append(printedLabelName(m.name) + m.kind.rawValue + goQuote(m.value))
        }
        parts.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let written = name ?? ""
        // An empty selector (allowed as `info()`'s label filter) still prints its braces.
        return written + (parts.isEmpty && !written.isEmpty ? "" : "{" + parts.joined(separator: ",") + "}")
    }

    var atText: String { at.map(\.text) ?? "" }
    var extendedText: String { anchored ? " anchored" : smoothed ? " smoothed" : "" }
    var offsetText: String { printedOffset(offset) }
}

func printedOffset(_ offset: DurationExpr?) -> String {
    switch offset {
    case nil, .literal(0)?: return ""
    case .literal(let ms)?: return ms < 0 ? " offset -" + Literals.formatDuration(-ms) : " offset " + Literals.formatDuration(ms)
    case let d?: return " offset \(d)"
    }
}

extension AtModifier {
    var text: String {
        switch self {
        case .timestamp(let ms): return " @ " + String(format: "%.3f", Double(ms) / 1000)
        case .start: return " @ start()"
        case .end: return " @ end()"
        }
    }
}

extension MatrixSelector: CustomStringConvertible {
    /// `name{…}[range] anchored @ t offset d`.
    public var description: String {
        vector.selectorText + "[\(range)]" + vector.extendedText + vector.atText + vector.offsetText
    }
}

extension SubqueryExpr {
    /// `[range:step] @ t offset d`.
    var suffix: String { "[\(range):\(step.map(\.description) ?? "")]" + (at?.text ?? "") + printedOffset(offset) }
}

extension AggregateExpr {
    /// `sum`, `sum by (a, b) `, `sum without () ` — the text before the parenthesised arguments.
    var opAndGrouping: String {
        if without { return op.rawValue + " without (" + grouping.map(printedLabelName).joined(separator: ", ") + ") " }
        if !grouping.isEmpty { return op.rawValue + " by (" + grouping.map(printedLabelName).joined(separator: ", ") + ") " }
        return op.rawValue
    }
}

extension BinaryExpr {
    /// The operator with `bool`, matching, grouping and fill: `+ on (a) group_left (b) fill (0)`.
    var operatorText: String {
        var s = op.rawValue + (returnBool ? " bool" : "")
        guard let m = matching else { return s }
        let grouped = m.cardinality == .manyToOne || m.cardinality == .oneToMany
        if !m.labels.isEmpty || m.on || grouped {
            s += (m.on ? " on (" : " ignoring (") + m.labels.map(printedLabelName).joined(separator: ", ") + ")"
        }
        if grouped {
            s += (m.cardinality == .manyToOne ? " group_left (" : " group_right (") + m.include.map(printedLabelName).joined(separator: ", ") + ")"
        }
        if let l = m.fillLeft, let r = m.fillRight, l == r {
            s += " fill (\(goFormatG(l)))"
        } else {
            if let l = m.fillLeft { s += " fill_left (\(goFormatG(l)))" }
            if let r = m.fillRight { s += " fill_right (\(goFormatG(r)))" }
        }
        return s
    }
}
