import Foundation
import OspreyCore


/// Range functions that read sample start timestamps from a range selector (not from a subquery).
private let startTimestampFunctions: Set<String> = ["rate", "irate", "increase", "resets"]

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
        case "start_timestamp":
            // Start timestamps come from the store; an expression's result has none.
            guard case .vectorSelector(let vs) = unwrapParens(args[0]) else {
                _ = try evalSeries(args[0])
                return []
            }
            return try evalVectorSelector(vs, startTime: true).map { StepSeries(labels: $0.labels, points: $0.points, dropName: true) }
        case "time": return scalarSeries { Double($0) / 1000 }
        case "pi": return scalarSeries { _ in Double.pi }
        case "step": return scalarSeries { _ in Double(queryStep) / 1000 }
        case "range": return scalarSeries { _ in Double(queryEnd - queryStart) / 1000 }
        case "start": return scalarSeries { _ in Double(queryStart) / 1000 }
        case "end": return scalarSeries { _ in Double(queryEnd) / 1000 }
        case "min_of", "max_of":
            let a = scalarSteps(try evalSeries(args[0])), b = scalarSteps(try evalSeries(args[1]))
            let isMin = c.name == "min_of"
            let values = a.indices.map { i in isMin ? goMin(a[i], b[i]) : goMax(a[i], b[i]) }
            return [StepSeries(labels: Labels(sorted: []), points: zip(stepTimes, values).map { Sample($0, $1) })]
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
        if let fn = ValueFunctions.kernel(c.name) {
            if args.isEmpty {
                // Calendar functions without an argument read the evaluation time.
                return scalarVector { ts in fn(Double(ts) / 1000, []) }
            }
            return try evalValueFunction(c, fn)
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
        return input.compactMap { s in
            let points = s.points.compactMap { p -> Sample? in
                let args = scalars.map { $0[stepIndex(p.t)] }
                guard ValueFunctions.producesOutput(c.name, args: args) else { return nil }
                return Sample(p.t, fn(p.v, args))
            }
            return points.isEmpty ? nil : StepSeries(labels: s.labels, points: points, dropName: true)
        }
    }

    private func evalRangeFunction(_ c: Call, rangeArg: Int) throws -> [StepSeries] {
        guard let fn = RangeFunctions.kernel(c.name) else { throw fail("unknown function \(c.name)") }
        let scalars = try c.args.enumerated().filter { $0.offset != rangeArg }.map { scalarSteps(try evalSeries($0.element)) }
        let usesStarts = startTimestampFunctions.contains(c.name)
        guard let src = try rangeSource(c.args[rangeArg], startTimestamps: usesStarts) else {
            throw fail("expected a range vector in \(c.name)")
        }
        if src.anchored && !RangeFunctions.anchoredSafe.contains(c.name) {
            throw fail("anchored modifier can only be used with: \(RangeFunctions.anchoredSafe.sorted().joined(separator: ", ")) - not with \(c.name)")
        }
        if src.smoothed && !RangeFunctions.smoothedSafe.contains(c.name) {
            throw fail("smoothed modifier can only be used with: \(RangeFunctions.smoothedSafe.sorted().joined(separator: ", ")) - not with \(c.name)")
        }
        let keepName = nameKeepingFunctions.contains(c.name)
        // Prometheus reports function notes at the first argument (the range for rate, φ for quantile_over_time).
        let argPos = c.args[0].position
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
                // predict_linear predicts from the step time itself, whatever offset or @ moved the window.
                input.stepTime = ts
                if let starts = s.startTimestamps, !input.anchored, !input.smoothed { input.startTimestamps = starts[input.points.indices] }
                try RangeFunctions.validateArguments(c.name, input.args)
                if let v = fn(input, &notes) { points.append(Sample(ts, v)) }
            }
            if points.isEmpty { continue }
            try addSamples(points.count)
            out.append(StepSeries(labels: s.labels, points: points, dropName: keepName ? s.dropName : true))
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
    /// A subquery (or any other expression) gives none.
    private func absentLabels(_ arg: Expr) -> Labels {
        let matchers: [LabelMatcher]
        switch unwrapParens(arg) {
        case .vectorSelector(let vs): matchers = vs.matchers
        case .matrixSelector(let ms): matchers = ms.vector.matchers
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
        let desc = c.name.hasSuffix("_desc")
        var elements = input.map { VectorElement(labels: $0.labels, t: $0.points[0].t, v: $0.points[0].v) }
        if c.name.hasPrefix("sort_by_label") {
            let names = try c.args.dropFirst().map { try stringArg($0, c.name) }
            VectorSorting.byLabels(&elements, labels: names, descending: desc)
        } else {
            VectorSorting.byValue(&elements, descending: desc)
        }
        var byLabels: [Labels: StepSeries] = [:]
        for s in input { byLabels[s.labels] = s }
        return elements.map { byLabels[$0.labels]! }
    }
}

/// Functions of native histograms; over float samples they yield nothing.
let nativeHistogramFunctions: Set<String> = [
    "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar", "histogram_quantiles",
]
