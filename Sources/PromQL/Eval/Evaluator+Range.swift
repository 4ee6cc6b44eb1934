import MetricStore
import OspreyCore

/// The samples of one series a range function slides its window over.
struct RangeSeriesData {
    var labels: Labels
    /// Oldest first, staleness markers removed.
    var samples: [Sample]
    var dropName = false
    /// Start timestamp of each sample (same indices as `samples`; 0 = unknown), when the store has them and the
    /// function reads them.
    var startTimestamps: [Int64]?
    /// The window at the (single) evaluation time, for instant range-vector results.
    var window: ArraySlice<Sample> = []
}

/// A matrix selector or subquery, fetched once for the whole query range.
struct RangeSource {
    var series: [RangeSeriesData]
    var rangeMs: Int64
    var offsetMs: Int64
    var at: Int64?
    var anchored = false
    var smoothed = false
    var fromSubquery = false
    var metricNamePosition: PositionRange

    func ref(_ ts: Int64) -> Int64 { (at ?? ts) - offsetMs }
}

extension Evaluator {
    /// The matrix selector or subquery behind `expr` (parentheses allowed).
    /// With `startTimestamps`, a range selector's series carry their samples' start timestamps.
    func rangeSource(_ expr: Expr, startTimestamps: Bool = false) throws -> RangeSource? {
        switch expr {
        case .paren(let e, _): return try rangeSource(e, startTimestamps: startTimestamps)
        case .matrixSelector(let ms): return try matrixSource(ms, startTimestamps: startTimestamps)
        case .subquery(let sq): return try subquerySource(sq)
        default: return nil
        }
    }

    func matrixSource(_ ms: MatrixSelector, startTimestamps: Bool = false) throws -> RangeSource {
        let vs = ms.vector
        let range = try durationMs(ms.range)
        let offset = try vs.offset.map(durationMs) ?? 0
        var src = RangeSource(series: [], rangeMs: range, offsetMs: offset, at: atTime(vs.at),
                              anchored: vs.anchored, smoothed: vs.smoothed, metricNamePosition: vs.position)
        let extra = (vs.anchored || vs.smoothed) ? lookback : 0
        let mint = src.ref(start) - range - extra + 1
        let maxt = src.ref(end) + (vs.smoothed ? lookback : 0)
        let data = startTimestamps ? try selectWithStartTimestamps(vs.matchers, mint: min(mint, maxt), maxt: maxt)
            : try select(vs.matchers, mint: min(mint, maxt), maxt: maxt).map { ($0, nil) }
        var loaded = 0
        for (s, starts) in data {
            let kept = s.samples.indices.filter { !StaleNaN.isStale(s.samples[$0].v) }
            if kept.isEmpty { continue }
            loaded += kept.count
            var series = RangeSeriesData(labels: s.labels, samples: kept.map { s.samples[$0] })
            series.startTimestamps = starts.map { st in kept.map { st[$0] } }
            src.series.append(series)
        }
        try addSamples(loaded)
        return src
    }

    func subquerySource(_ sq: SubqueryExpr) throws -> RangeSource {
        let range = try durationMs(sq.range)
        let offset = try sq.offset.map(durationMs) ?? 0
        let step = try sq.step.map(durationMs) ?? defaultSubqueryStepMs
        guard step > 0 else { throw fail("zero or negative step in subquery") }
        let at = atTime(sq.at)
        let outerStart = at ?? start
        var outerEnd = at ?? end
        if at == nil && !isInstant { outerEnd = start + ((end - start) / interval) * interval }
        let subEnd = outerEnd - offset
        let lower = outerStart - offset - range
        var subStart = step * (lower / step)
        if subStart <= lower { subStart += step }
        let inner: [StepSeries] = try withRange(start: subStart, end: subEnd, interval: step) {
            subStart > subEnd ? [] : try evalSeries(sq.expr)
        }
        var src = RangeSource(series: [], rangeMs: range, offsetMs: offset, at: at, fromSubquery: true,
                              metricNamePosition: sq.position)
        src.series = inner.map { RangeSeriesData(labels: $0.labels, samples: $0.points, dropName: $0.dropName) }
        return src
    }

    /// Index of the first sample with `t > bound`.
    func firstAfter(_ samples: [Sample], _ bound: Int64) -> Int {
        var lo = 0, hi = samples.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if samples[mid].t > bound { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// The kernel input of series `s` of `src` at step `ts`.
    func rangeInput(_ src: RangeSource, _ s: RangeSeriesData, at ts: Int64) -> RangeInput {
        let r = src.ref(ts)
        let rangeStart = r - src.rangeMs
        let lo = firstAfter(s.samples, rangeStart)
        let hi = firstAfter(s.samples, r)
        var input = RangeInput(points: s.samples[lo..<max(lo, hi)], rangeStart: rangeStart, evalTime: r)
        if src.anchored || src.smoothed {
            input.anchored = src.anchored
            input.smoothed = src.smoothed
            if lo > 0 && s.samples[lo - 1].t > rangeStart - lookback { input.before = s.samples[lo - 1] }
            if src.smoothed && hi < s.samples.count && s.samples[hi].t <= r + lookback { input.after = s.samples[hi] }
        }
        input.metricName = s.labels.metricName
        return input
    }

    /// A range selector or subquery as the value of an instant query.
    func rawRange(_ ms: MatrixSelector) throws -> [RangeSeriesData] {
        let src = try matrixSource(ms)
        return windows(src)
    }

    func rawSubquery(_ sq: SubqueryExpr) throws -> [RangeSeriesData] {
        windows(try subquerySource(sq))
    }

    private func windows(_ src: RangeSource) -> [RangeSeriesData] {
        src.series.compactMap { s in
            let input = rangeInput(src, s, at: start)
            var pts = Array(input.points)
            if src.anchored || src.smoothed {
                pts = extendedPoints(input)
            }
            guard !pts.isEmpty else { return nil }
            var out = s
            out.window = pts[...]
            return out
        }
    }

    /// The window of an anchored/smoothed selector with its boundary points at `rangeStart` and `evalTime`.
    func extendedPoints(_ input: RangeInput) -> [Sample] {
        var all: [Sample] = []
        if let b = input.before { all.append(b) }
        all.append(contentsOf: input.points)
        if let a = input.after { all.append(a) }
        guard let lastInWindow = input.points.last ?? nil, !all.isEmpty else { return [] }
        _ = lastInWindow
        let left: Double
        if let b = input.before {
            if input.smoothed, b.t < input.rangeStart, let f = input.points.first {
                left = b.v + (f.v - b.v) * Double(input.rangeStart - b.t) / Double(f.t - b.t)
            } else {
                left = b.v
            }
        } else {
            left = input.points.first!.v
        }
        var right = input.points.last!.v
        if input.smoothed, input.points.last!.t < input.evalTime, let a = input.after {
            let p = input.points.last!
            right = p.v + (a.v - p.v) * Double(input.evalTime - p.t) / Double(a.t - p.t)
        }
        var out = [Sample(input.rangeStart, left)]
        out.append(contentsOf: input.points.filter { $0.t < input.evalTime })
        out.append(Sample(input.evalTime, right))
        return out
    }
}
