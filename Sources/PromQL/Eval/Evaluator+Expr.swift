import Foundation
import MetricStore
import OspreyCore

extension Evaluator {
    /// Evaluates `expr` over the current step grid.
    func eval(_ expr: Expr) throws -> EvalValue {
        try checkDone()
        switch expr {
        case .number(let v, _):
            return .series(scalarSeries { _ in v })
        case .string(let s, _):
            return .string(s)
        case .paren(let e, _):
            return try eval(e)
        case .unary(let u):
            var series = try eval(u.expr).steps
            if u.negate {
                for i in series.indices {
                    series[i].dropName = true
                    for j in series[i].points.indices { series[i].points[j].v = -series[i].points[j].v }
                }
                try checkUniqueAfterNameDrop(series, perStep: true)
            }
            return .series(series)
        case .vectorSelector(let vs):
            return .series(try evalVectorSelector(vs))
        case .matrixSelector(let ms):
            return .range(try rawRange(ms).map { StepSeries(labels: $0.labels, points: Array($0.window)) })
        case .subquery(let sq):
            return .range(try rawSubquery(sq).map { StepSeries(labels: $0.labels, points: Array($0.window), dropName: $0.dropName) })
        case .call(let c):
            let series = try evalCall(c)
            try checkUniqueAfterNameDrop(series, perStep: !c.args.contains(where: isRangeArg))
            return .series(series)
        case .aggregate(let a):
            return .series(try evalAggregate(a))
        case .binary(let b):
            let series = try evalBinary(b)
            try checkUniqueAfterNameDrop(series, perStep: true)
            return .series(series)
        }
    }

    func evalSeries(_ expr: Expr) throws -> [StepSeries] {
        try eval(expr).steps
    }

    // MARK: - Durations and @

    /// A duration expression in milliseconds.
    func durationMs(_ d: DurationExpr) throws -> Int64 {
        let seconds = try durationSeconds(d)
        guard seconds.isFinite, abs(seconds) < 9.2e15 else { throw fail("duration out of range: \(seconds)s") }
        return Int64((seconds * 1000).rounded())
    }

    private func durationSeconds(_ d: DurationExpr) throws -> Double {
        switch d {
        case .literal(let ms): return Double(ms) / 1000
        case .number(let s): return s
        case .step: return Double(queryStep) / 1000
        case .range: return Double(queryEnd - queryStart) / 1000
        case .negate(let e): return -(try durationSeconds(e))
        case .paren(let e): return try durationSeconds(e)
        case .minOf(let a, let b): return min(try durationSeconds(a), try durationSeconds(b))
        case .maxOf(let a, let b): return max(try durationSeconds(a), try durationSeconds(b))
        case .binary(let op, let a, let b):
            let x = try durationSeconds(a), y = try durationSeconds(b)
            switch op {
            case .add: return x + y
            case .sub: return x - y
            case .mul: return x * y
            case .div:
                if y == 0 { throw fail("division by zero in duration expression") }
                return x / y
            case .mod:
                if y == 0 { throw fail("modulo by zero in duration expression") }
                return x.truncatingRemainder(dividingBy: y)
            case .pow: return pow(x, y)
            default: throw fail("operator \(op.rawValue) not allowed in duration expressions")
            }
        }
    }

    func atTime(_ at: AtModifier?) -> Int64? {
        switch at {
        case nil: return nil
        case .timestamp(let t): return t
        case .start: return queryStart
        case .end: return queryEnd
        }
    }

    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamples] {
        do {
            return try querier.select(matchers, mint: mint, maxt: maxt, samplesMax: max(0, maxSamples - currentSamples))
        } catch let e as PromQLError {
            throw e
        } catch StoreError.limit {
            throw PromQLError(.execution, "query processing would load too many samples into memory in query execution")
        } catch {
            throw PromQLError(.execution, "expanding series: \(error)")
        }
    }

    /// Like `select`, with each sample's start timestamp when the querier stores them (nil otherwise).
    func selectWithStartTimestamps(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [(SeriesSamples, [Int64]?)] {
        guard let stQuerier = querier as? any StartTimestampQuerier else {
            return try select(matchers, mint: mint, maxt: maxt).map { ($0, nil) }
        }
        do {
            return try stQuerier.selectWithStartTimestamps(matchers, mint: mint, maxt: maxt).map { ($0.series, $0.startTimestamps) }
        } catch let e as PromQLError {
            throw e
        } catch {
            throw PromQLError(.execution, "expanding series: \(error)")
        }
    }

    // MARK: - Instant vector selectors

    /// A vector selector at every step: the newest sample in `(ref - lookback, ref]`, unless it is a staleness marker.
    /// With `sampleTime`, the value is the sample's timestamp in seconds (for `timestamp()`); with `startTime`, the
    /// sample's start timestamp in seconds (for `start_timestamp()`; nothing when the store has none).
    func evalVectorSelector(_ vs: VectorSelector, sampleTime: Bool = false, startTime: Bool = false) throws -> [StepSeries] {
        let offset = try vs.offset.map(durationMs) ?? 0
        let at = atTime(vs.at)
        func ref(_ ts: Int64) -> Int64 { (at ?? ts) - offset }
        let mint = ref(start) - lookback + 1
        let maxt = ref(end) + (vs.smoothed ? lookback : 0)
        let lo = min(mint, ref(end) - lookback + 1), hi = max(maxt, ref(start))
        let data = startTime ? try selectWithStartTimestamps(vs.matchers, mint: lo, maxt: hi)
            : try select(vs.matchers, mint: lo, maxt: hi).map { ($0, nil) }
        var out: [StepSeries] = []
        for (s, starts) in data {
            if startTime && starts == nil { continue }
            try checkDone()
            var points: [Sample] = []
            let samples = s.samples
            var c = 0
            for ts in stepTimes {
                let r = ref(ts)
                if at != nil { c = 0 }
                while c < samples.count && samples[c].t <= r { c += 1 }
                if vs.smoothed {
                    if let v = smoothedValue(samples, next: c, at: r) { points.append(Sample(ts, v)) }
                    continue
                }
                guard c > 0 else { continue }
                let p = samples[c - 1]
                guard p.t > r - lookback, !StaleNaN.isStale(p.v) else { continue }
                if let starts, startTime {
                    points.append(Sample(ts, Double(starts[c - 1]) / 1000))
                } else {
                    points.append(Sample(ts, sampleTime ? Double(p.t) / 1000 : p.v))
                }
            }
            if !points.isEmpty {
                try addSamples(points.count)
                out.append(StepSeries(labels: s.labels, points: points))
            }
        }
        return out
    }

    /// `smoothed` instant selection: the value at `r` interpolated between its neighbours within the lookback delta.
    private func smoothedValue(_ samples: [Sample], next c: Int, at r: Int64) -> Double? {
        var prev: Sample?
        var i = c - 1
        while i >= 0 && samples[i].t > r - lookback {
            if !StaleNaN.isStale(samples[i].v) { prev = samples[i]; break }
            i -= 1
        }
        guard let p = prev else { return nil }
        if p.t == r { return p.v }
        var j = c
        while j < samples.count && samples[j].t <= r + lookback {
            if !StaleNaN.isStale(samples[j].v) {
                let n = samples[j]
                return p.v + (n.v - p.v) * Double(r - p.t) / Double(n.t - p.t)
            }
            j += 1
        }
        return p.v
    }
}
