import Foundation
import OspreyCore


/// Functions whose result keeps the input's metric name.
private let nameKeepingFunctions: Set<String> = [
    "last_over_time", "first_over_time", "sort", "sort_desc", "sort_by_label", "sort_by_label_desc",
]

extension Evaluator {
    func evalCall(_ c: Call) throws -> [StepSeries] {
        let args = c.args
        switch c.name {
        case "timestamp":
            if case .vectorSelector(let vs) = unwrapParens(args[0]) {
                let series = try evalVectorSelector(vs, sampleTime: true)
                return series.map { StepSeries(labels: $0.labels, points: $0.points, dropName: true) }
            }
            return try mapValues(try evalSeries(args[0])) { ts, _ in Double(ts) / 1000 }
        case "time": return scalarSeries { Double($0) / 1000 }
        case "pi": return scalarSeries { _ in Double.pi }
        case "step": return scalarSeries { _ in Double(queryStep) / 1000 }
        case "range": return scalarSeries { _ in Double(queryEnd - queryStart) / 1000 }
        case "start": return scalarSeries { _ in Double(queryStart) / 1000 }
        case "end": return scalarSeries { _ in Double(queryEnd) / 1000 }
        case "vector":
            let s = scalarSteps(try evalSeries(args[0]))
            return [StepSeries(labels: Labels(sorted: []), points: stepTimes.map { Sample($0, s[stepIndex($0)]) })]
        case "scalar":
            let input = try evalSeries(args[0])
            return try rangeEval([input]) { v, _ in [Elem(labels: Labels(sorted: []), v: v[0].count == 1 ? v[0][0].v : .nan)] }
        case "absent": return try evalAbsent(args[0])
        case "absent_over_time": return try evalAbsentOverTime(args[0])
        case "label_replace": return try evalLabelReplace(args)
        case "label_join": return try evalLabelJoin(args)
        case "sort", "sort_desc", "sort_by_label", "sort_by_label_desc": return try evalSort(c)
        case "histogram_quantile": return try evalHistogramQuantile(c)
        case "histogram_fraction": return try evalHistogramFraction(c)
        case "info": return try evalInfo(c)
        default: break
        }
        if nativeHistogramFunctions.contains(c.name) {
            // Float samples carry no native histograms: these functions return nothing for them.
            _ = try evalSeries(args[0])
            return []
        }
        if let index = args.firstIndex(where: { isRangeArg($0) }) {
            return try evalRangeFunction(c, rangeArg: index)
        }
        if let fn = ValueFunctions.table[c.name] {
            return try evalValueFunction(c, fn)
        }
        if let fn = DateFunctions.table[c.name] {
            if args.isEmpty {
                return scalarVector { ts in fn(Double(ts) / 1000) }
            }
            let input = try evalSeries(args[0])
            return try mapValues(input) { _, v in fn(v) }
        }
        throw fail("unknown function \(c.name)")
    }

    func unwrapParens(_ e: Expr) -> Expr {
        if case .paren(let inner, _) = e { return unwrapParens(inner) }
        return e
    }

    func isRangeArg(_ e: Expr) -> Bool {
        switch unwrapParens(e) {
        case .matrixSelector, .subquery: return true
        default: return false
        }
    }

    /// A one-element vector without labels at every step.
    func scalarVector(_ f: (Int64) -> Double) -> [StepSeries] {
        [StepSeries(labels: Labels(sorted: []), points: stepTimes.map { Sample($0, f($0)) })]
    }

    /// Applies `f` to every point, dropping the metric name.
    func mapValues(_ input: [StepSeries], _ f: (Int64, Double) -> Double) throws -> [StepSeries] {
        input.map { s in
            StepSeries(labels: s.labels, points: s.points.map { Sample($0.t, f($0.t, $0.v)) }, dropName: true)
        }
    }

    private func evalValueFunction(_ c: Call, _ fn: ValueKernel) throws -> [StepSeries] {
        let input = try evalSeries(c.args[0])
        let scalars = try c.args.dropFirst().map { scalarSteps(try evalSeries($0)) }
        return input.map { s in
            StepSeries(labels: s.labels, points: s.points.map { p in
                let i = stepIndex(p.t)
                return Sample(p.t, fn(p.v, scalars.map { $0[i] }))
            }, dropName: true)
        }
    }

    private func evalRangeFunction(_ c: Call, rangeArg: Int) throws -> [StepSeries] {
        guard let fn = RangeFunctions.table[c.name] else { throw fail("unknown function \(c.name)") }
        let scalars = try c.args.enumerated().filter { $0.offset != rangeArg }.map { scalarSteps(try evalSeries($0.element)) }
        guard let src = try rangeSource(c.args[rangeArg]) else { throw fail("expected a range vector in \(c.name)") }
        if src.anchored && !anchoredSafeFunctions.contains(c.name) {
            throw fail("anchored modifier can only be used with: \(anchoredSafeFunctions.sorted().joined(separator: ", ")) - not with \(c.name)")
        }
        if src.smoothed && !smoothedSafeFunctions.contains(c.name) {
            throw fail("smoothed modifier can only be used with: \(smoothedSafeFunctions.sorted().joined(separator: ", ")) - not with \(c.name)")
        }
        let keepName = nameKeepingFunctions.contains(c.name)
        let argPos = c.args[rangeArg].position
        var out: [StepSeries] = []
        var notes: [FunctionAnnotation] = []
        for s in src.series {
            try checkDone()
            var points: [Sample] = []
            for ts in stepTimes {
                var input = rangeInput(src, s, at: ts)
                if input.points.isEmpty && input.before == nil && input.after == nil { continue }
                let i = stepIndex(ts)
                input.args = scalars.map { $0[i] }
                let call = RangeCall(input: input, stepTime: ts, rangeMs: src.rangeMs)
                if let v = try fn(call, &notes) { points.append(Sample(ts, v)) }
            }
            if points.isEmpty { continue }
            try addSamples(points.count)
            out.append(StepSeries(labels: s.labels, points: points, dropName: keepName ? s.dropName : true))
            if c.name == "rate" || c.name == "increase", let name = s.labels.metricName {
                if !["_total", "_sum", "_count", "_bucket"].contains(where: { name.hasSuffix($0) }) {
                    notes.append(FunctionAnnotation(.info, "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"\(name)\""))
                }
            }
        }
        if c.name == "quantile_over_time" {
            for q in scalars.first ?? [] where q.isNaN || q < 0 || q > 1 {
                notes.append(FunctionAnnotation(.warning, "quantile value should be between 0 and 1, got \(formatPrometheusFloat(q))"))
            }
        }
        for n in notes { note(n, at: argPos) }
        return out
    }

    /// Records a function annotation with the position Prometheus reports.
    func note(_ n: FunctionAnnotation, at pos: PositionRange) {
        let text = n.message + " (" + positionText(pos) + ")"
        switch n.level {
        case .warning: notes.warn("PromQL warning: " + text)
        case .info: notes.info("PromQL info: " + text)
        }
    }

    private func evalAbsent(_ arg: Expr) throws -> [StepSeries] {
        let input = try evalSeries(arg)
        var present = Set<Int64>()
        for s in input { for p in s.points { present.insert(p.t) } }
        let labels = absentLabels(arg)
        let points = stepTimes.filter { !present.contains($0) }.map { Sample($0, 1) }
        return points.isEmpty ? [] : [StepSeries(labels: labels, points: points)]
    }

    private func evalAbsentOverTime(_ arg: Expr) throws -> [StepSeries] {
        guard let src = try rangeSource(arg) else { throw fail("expected a range vector in absent_over_time") }
        var present = Set<Int64>()
        for s in src.series {
            for ts in stepTimes where !present.contains(ts) {
                if !rangeInput(src, s, at: ts).points.isEmpty { present.insert(ts) }
            }
        }
        let points = stepTimes.filter { !present.contains($0) }.map { Sample($0, 1) }
        return points.isEmpty ? [] : [StepSeries(labels: absentLabels(arg), points: points, dropName: true)]
    }

    /// Labels of `absent()`'s output: the equality matchers of a selector argument, unless a name repeats.
    private func absentLabels(_ arg: Expr) -> Labels {
        let matchers: [LabelMatcher]
        switch unwrapParens(arg) {
        case .vectorSelector(let vs): matchers = vs.matchers
        case .matrixSelector(let ms): matchers = ms.vector.matchers
        case .subquery(let sq):
            if case .vectorSelector(let vs) = unwrapParens(sq.expr) { matchers = vs.matchers } else { matchers = [] }
        default: matchers = []
        }
        var result: [String: String] = [:]
        var repeated = Set<String>()
        for m in matchers where m.name != Labels.metricNameLabel {
            if m.kind == .equal && !repeated.contains(m.name) && result[m.name] == nil {
                result[m.name] = m.value
            } else {
                result[m.name] = nil
                repeated.insert(m.name)
            }
        }
        return Labels(result)
    }

    private func evalSort(_ c: Call) throws -> [StepSeries] {
        let input = try evalSeries(c.args[0])
        if !isInstant {
            notes.warn("PromQL warning: sort is ineffective for range queries since results are always ordered by labels (" + positionText(c.position) + ")")
            return input
        }
        var sorted = input
        switch c.name {
        case "sort", "sort_desc":
            let desc = c.name == "sort_desc"
            sorted.sort { a, b in
                let x = a.points[0].v, y = b.points[0].v
                if x.isNaN { return false }
                if y.isNaN { return true }
                return desc ? x > y : x < y
            }
        default:
            let names = try c.args.dropFirst().map { e -> String in
                guard case .string(let s, _) = unwrapParens(e) else { throw fail("sort_by_label expects label names") }
                return s
            }
            let desc = c.name == "sort_by_label_desc"
            sorted.sort { a, b in
                for n in names {
                    let x = a.labels[n] ?? "", y = b.labels[n] ?? ""
                    if x != y {
                        let r = naturalLess(x, y)
                        return desc ? !r : r
                    }
                }
                return desc ? b.labels < a.labels : a.labels < b.labels
            }
        }
        return sorted
    }
}

/// Natural ordering: runs of digits compare by their numeric value.
func naturalLess(_ a: String, _ b: String) -> Bool {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    var i = 0, j = 0
    while i < x.count && j < y.count {
        let dx = ("0"..."9").contains(x[i]), dy = ("0"..."9").contains(y[j])
        if dx && dy {
            var ie = i, je = j
            while ie < x.count && ("0"..."9").contains(x[ie]) { ie += 1 }
            while je < y.count && ("0"..."9").contains(y[je]) { je += 1 }
            let nx = String(String.UnicodeScalarView(x[i..<ie])).drop { $0 == "0" }
            let ny = String(String.UnicodeScalarView(y[j..<je])).drop { $0 == "0" }
            if nx.count != ny.count { return nx.count < ny.count }
            if nx != ny { return nx < ny }
            i = ie; j = je
        } else {
            if x[i] != y[j] { return x[i].value < y[j].value }
            i += 1; j += 1
        }
    }
    return x.count - i < y.count - j
}

/// Functions of native histograms; over float samples they yield nothing.
let nativeHistogramFunctions: Set<String> = [
    "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar", "histogram_quantiles",
]
