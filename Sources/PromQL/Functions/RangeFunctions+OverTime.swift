import OspreyCore

/// The `*_over_time` aggregations over one window.
extension RangeFunctions {
    /// The mean with Kahan–Neumaier compensation; when the running sum overflows, it switches to an
    /// incremental mean so that large finite values still average to a finite result.
    static func avgOverTime(_ points: ArraySlice<Sample>) -> Double? {
        guard let first = points.first else { return nil }
        var sum = first.v, c = 0.0, count = 1.0
        var mean = 0.0, incremental = false
        for (i, p) in points.dropFirst().enumerated() {
            count = Double(i + 2)
            if !incremental {
                let (newSum, newC) = kahanInc(p.v, sum, c)
                if !newSum.isInfinite {
                    (sum, c) = (newSum, newC)
                    continue
                }
                incremental = true
                mean = sum / (count - 1)
                c /= (count - 1)
            }
            let q = (count - 1) / count
            (mean, c) = kahanInc(p.v / count, q * mean, q * c)
        }
        if incremental { return mean + c }
        return sum / count + c / count
    }

    static func sumOverTime(_ points: ArraySlice<Sample>) -> Double? {
        guard !points.isEmpty else { return nil }
        var sum = 0.0, c = 0.0
        for p in points { (sum, c) = kahanInc(p.v, sum, c) }
        return sum.isInfinite ? sum : sum + c
    }

    /// min/max (and the time of them): `better(current, best)` decides when a sample replaces the best so far.
    static func compareOverTime(_ points: ArraySlice<Sample>, timestamp: Bool, better: (Double, Double) -> Bool) -> Double? {
        guard var best = points.first else { return nil }
        for p in points where better(p.v, best.v) { best = p }
        return timestamp ? Double(best.t) / 1000 : best.v
    }

    /// Population variance by Welford's method, both accumulators Kahan-compensated.
    static func varianceOverTime(_ points: ArraySlice<Sample>) -> Double? {
        guard !points.isEmpty else { return nil }
        var count = 0.0, mean = 0.0, cMean = 0.0, aux = 0.0, cAux = 0.0
        for p in points {
            count += 1
            let delta = p.v - (mean + cMean)
            (mean, cMean) = kahanInc(delta / count, mean, cMean)
            (aux, cAux) = kahanInc(delta * (p.v - (mean + cMean)), aux, cAux)
        }
        return (aux + cAux) / count
    }

    static func quantileOverTime(_ input: RangeInput, notes: inout [FunctionAnnotation]) -> Double? {
        guard !input.points.isEmpty, let q = input.args.first else { return nil }
        if q.isNaN || q < 0 || q > 1 { notes.append(.invalidQuantile(q)) }
        var values = input.points.map(\.v)
        return quantile(q, &values)
    }

    /// Median absolute deviation; NaN when any sample is NaN.
    static func madOverTime(_ points: ArraySlice<Sample>) -> Double? {
        guard !points.isEmpty else { return nil }
        var values = points.map(\.v)
        if values.contains(where: \.isNaN) { return .nan }
        let median = quantile(0.5, &values)
        for i in values.indices { values[i] = abs(values[i] - median) }
        return quantile(0.5, &values)
    }

    /// The φ-quantile of `values` (sorted in place), interpolating between the two nearest ranks as
    /// Prometheus does: rank φ·(n−1). NaN for no values or φ = NaN, −Inf for φ < 0, +Inf for φ > 1.
    public static func quantile(_ q: Double, _ values: inout [Double]) -> Double {
        if values.isEmpty || q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        sortNaNFirst(&values)
        let n = Double(values.count)
        let rank = q * (n - 1)
        let lower = max(0, rank.rounded(.down))
        let upper = min(n - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return values[Int(lower)] * (1 - weight) + values[Int(upper)] * weight
    }

    /// Ascending order with NaN treated as smaller than everything (Prometheus's order for quantiles).
    static func sortNaNFirst(_ values: inout [Double]) {
        values.sort { a, b in
            if a.isNaN { return !b.isNaN }
            if b.isNaN { return false }
            return a < b
        }
    }
}

/// Kahan–Neumaier summation step: adds `inc` to `sum`, carrying the lost low-order bits in `c`.
/// An infinite sum resets the compensation (it would be NaN otherwise).
@inline(never)
func kahanInc(_ inc: Double, _ sum: Double, _ c: Double) -> (Double, Double) {
    let t = sum + inc
    var c = c
    if t.isInfinite {
        c = 0
    } else if abs(sum) >= abs(inc) {
        c += (sum - t) + inc
    } else {
        c += (inc - t) + sum
    }
    return (t, c)
}
