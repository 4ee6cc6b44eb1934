import Foundation
import OspreyCore

extension Evaluator {
    /// `line:column` of a position in the query text, as Prometheus prints it in annotations.
    func positionText(_ pos: PositionRange) -> String {
        let bytes = Array(queryText.utf8)
        var line = 1, col = 1
        for b in bytes.prefix(max(0, min(pos.start, bytes.count))) {
            if b == UInt8(ascii: "\n") { line += 1; col = 1 } else { col += 1 }
        }
        return "\(line):\(col)"
    }
}

private let identifyingLabels = ["instance", "job"]

extension Evaluator {
    /// The `@` and offset at which info series are read, from the first vector selector in `e` (depth first):
    /// its own `@`, else that of the innermost enclosing subquery with one, and the offsets of the selector and
    /// of the subqueries up to and including that one. nil when `e` has no vector selector.
    func infoReference(_ e: Expr, subqueries: [SubqueryExpr]) throws -> (AtModifier?, Int64)? {
        switch e {
        case .vectorSelector(let vs):
            var at = vs.at
            var offset = try vs.offset.map(durationMs) ?? 0
            for sq in subqueries.reversed() where at == nil {
                offset += try sq.offset.map(durationMs) ?? 0
                at = sq.at
            }
            return (at, offset)
        case .matrixSelector(let ms): return try infoReference(.vectorSelector(ms.vector), subqueries: subqueries)
        case .subquery(let sq): return try infoReference(sq.expr, subqueries: subqueries + [sq])
        case .paren(let inner, _): return try infoReference(inner, subqueries: subqueries)
        case .unary(let u): return try infoReference(u.expr, subqueries: subqueries)
        case .call(let c):
            for a in c.args { if let r = try infoReference(a, subqueries: subqueries) { return r } }
            return nil
        case .aggregate(let a):
            if let p = a.param, let r = try infoReference(p, subqueries: subqueries) { return r }
            return try infoReference(a.expr, subqueries: subqueries)
        case .binary(let b):
            return try infoReference(b.lhs, subqueries: subqueries) ?? infoReference(b.rhs, subqueries: subqueries)
        case .number, .string: return nil
        }
    }
}

extension Evaluator {
    /// `info(v, {data matchers})`: adds the data labels of matching info series (by default `target_info`),
    /// joined on `instance` and `job`.
    func evalInfo(_ c: Call) throws -> [StepSeries] {
        let base = try evalSeries(c.args[0])
        var dataMatchers: [String: [LabelMatcher]] = [:]
        var nameMatchers: [LabelMatcher] = []
        if c.args.count > 1, case .vectorSelector(let sel) = unwrapParens(c.args[1]) {
            for m in sel.matchers {
                dataMatchers[m.name, default: []].append(m)
                if m.name == Labels.metricNameLabel { nameMatchers.append(m) }
            }
        } else {
            nameMatchers = [LabelMatcher.equal(Labels.metricNameLabel, "target_info")]
        }
        let effective = try effectiveInfoNameMatchers(nameMatchers)
        let ignored = Set(base.filter { s in effective.allSatisfy { $0.matches(s.labels.metricName ?? "") } }.map(\.labels))
        var idValues: [String: Set<String>] = [:]
        for s in base where !ignored.contains(s.labels) {
            for l in identifyingLabels { if let v = s.labels[l] { idValues[l, default: []].insert(v) } }
        }
        var infoSeries: [StepSeries] = []
        let dataNameMatchers = dataMatchers[Labels.metricNameLabel] ?? []
        dataMatchers[Labels.metricNameLabel] = nil
        if !idValues.isEmpty {
            var matchers: [LabelMatcher] = []
            for (name, values) in idValues {
                let re = values.sorted().map { NSRegularExpression.escapedPattern(for: $0) }.joined(separator: "|")
                matchers.append(try LabelMatcher(.regexMatch, name, re))
            }
            for ms in dataMatchers.values { matchers.append(contentsOf: ms) }
            matchers.append(contentsOf: try effectiveInfoNameMatchers(dataNameMatchers))
            var sel = VectorSelector(name: nil, matchers: matchers, position: c.position)
            if let (at, offsetMs) = try infoReference(c.args[0], subqueries: []) {
                sel.at = at
                sel.offset = .literal(offsetMs)
            }
            infoSeries = try evalVectorSelector(sel, sampleTime: true)
        }
        let infoNames = Set(infoSeries.compactMap { $0.labels.metricName })
        func sig(_ name: String, _ l: Labels) -> Labels {
            l.keeping(identifyingLabels).setting(Labels.metricNameLabel, name)
        }
        let allMatchEmpty = dataMatchers.values.allSatisfy { $0.allSatisfy(\.matchesEmpty) }
        return try rangeEval([base, infoSeries]) { v, _ in
            var bySig: [Labels: Elem] = [:]
            for s in v[1] {
                let key = sig(s.labels.metricName ?? "", s.labels)
                if let existing = bySig[key] {
                    if existing.v < s.v { bySig[key] = s } else if existing.v == s.v {
                        throw fail("found duplicate series for info metric: existing \(goLabelsText(existing.labels)) @ \(Int64(existing.v * 1000)), new \(goLabelsText(s.labels)) @ \(Int64(s.v * 1000))")
                    }
                } else {
                    bySig[key] = s
                }
            }
            var out: [Elem] = []
            for b in v[0] {
                if ignored.contains(b.labels) { out.append(b); continue }
                var added: [String: String] = [:]
                var seen = 0
                for name in infoNames.sorted() {
                    guard let info = bySig[sig(name, b.labels)] else { continue }
                    for l in info.labels where l.name != Labels.metricNameLabel {
                        if !dataMatchers.isEmpty && dataMatchers[l.name] == nil { continue }
                        if let prev = added[l.name], prev != l.value { throw fail("conflicting label: \(l.name)") }
                        if b.labels[l.name] != nil { continue }
                        added[l.name] = l.value
                    }
                    seen += 1
                }
                if seen == 0 && !allMatchEmpty { continue }
                var labels = b.labels
                for (k, val) in added { labels = labels.setting(k, val) }
                out.append(Elem(labels: labels, v: b.v, dropName: b.dropName))
            }
            return out
        }
    }

    private func effectiveInfoNameMatchers(_ matchers: [LabelMatcher]) throws -> [LabelMatcher] {
        if matchers.contains(where: { $0.kind == .equal || $0.kind == .regexMatch }) { return matchers }
        if !matchers.isEmpty { return [try LabelMatcher(.regexMatch, Labels.metricNameLabel, ".+_info")] + matchers }
        return [LabelMatcher.equal(Labels.metricNameLabel, "target_info")]
    }
}
