import Foundation
import OspreyCore

/// Kahan–Babuška compensated addition: returns the new sum and compensation.
@inline(__always)
func kahanInc(_ inc: Double, _ sum: Double, _ c: Double) -> (Double, Double) {
    let t = sum + inc
    if t.isInfinite { return (t, 0) }
    if abs(sum) >= abs(inc) { return (t, c + ((sum - t) + inc)) }
    return (t, c + ((inc - t) + sum))
}

/// What a built-in range function sees: the kernel input plus the step time (for `predict_linear`).
struct RangeCall {
    var input: RangeInput
    var stepTime: Int64
    var rangeMs: Int64
}

/// Range-vector functions implemented by the evaluator itself, by name.
enum RangeFunctions {
    typealias Fn = @Sendable (RangeCall, inout [FunctionAnnotation]) throws -> Double?

    static let table: [String: Fn] = [
        "rate": { c, _ in extrapolated(c, counter: true, rate: true) },
        "increase": { c, _ in extrapolated(c, counter: true, rate: false) },
        "delta": { c, _ in extrapolated(c, counter: false, rate: false) },
        "irate": { c, _ in instant(c.input.points, rate: true) },
        "idelta": { c, _ in instant(c.input.points, rate: false) },
        "changes": { c, _ in changesOrResets(c.input, resets: false) },
        "resets": { c, _ in changesOrResets(c.input, resets: true) },
        "deriv": { c, _ in
            let p = c.input.points
            guard p.count >= 2 else { return nil }
            return linearRegression(p, interceptTime: p.first!.t).slope
        },
        "predict_linear": { c, _ in
            let p = c.input.points
            guard p.count >= 2, let d = c.input.args.first else { return nil }
            let (slope, intercept) = linearRegression(p, interceptTime: c.stepTime)
            return slope * d + intercept
        },
        "avg_over_time": { c, _ in avg(c.input.points) },
        "sum_over_time": { c, _ in
            guard !c.input.points.isEmpty else { return nil }
            var s = 0.0, comp = 0.0
            for p in c.input.points { (s, comp) = kahanInc(p.v, s, comp) }
            return s + comp
        },
        "count_over_time": { c, _ in c.input.points.isEmpty ? nil : Double(c.input.points.count) },
        "present_over_time": { c, _ in c.input.points.isEmpty ? nil : 1 },
        "last_over_time": { c, _ in c.input.points.last?.v },
        "first_over_time": { c, _ in c.input.points.first?.v },
        "ts_of_last_over_time": { c, _ in c.input.points.last.map { Double($0.t) / 1000 } },
        "ts_of_first_over_time": { c, _ in c.input.points.first.map { Double($0.t) / 1000 } },
        "max_over_time": { c, _ in extreme(c.input.points, max: true)?.v },
        "min_over_time": { c, _ in extreme(c.input.points, max: false)?.v },
        "ts_of_max_over_time": { c, _ in extreme(c.input.points, max: true).map { Double($0.t) / 1000 } },
        "ts_of_min_over_time": { c, _ in extreme(c.input.points, max: false).map { Double($0.t) / 1000 } },
        "stddev_over_time": { c, _ in variance(c.input.points).map { $0.squareRoot() } },
        "stdvar_over_time": { c, _ in variance(c.input.points) },
        "quantile_over_time": { c, notes in
            guard !c.input.points.isEmpty, let q = c.input.args.first else { return nil }
            return quantile(q, c.input.points.map(\.v))
        },
        "mad_over_time": { c, _ in
            guard !c.input.points.isEmpty else { return nil }
            let values = c.input.points.map(\.v)
            let median = quantile(0.5, values)
            return quantile(0.5, values.map { abs($0 - median) })
        },
        "double_exponential_smoothing": { c, _ in try doubleExponentialSmoothing(c.input) },
    ]

    static func extrapolated(_ c: RangeCall, counter: Bool, rate: Bool) -> Double? {
        let input = c.input
        if input.anchored || input.smoothed { return extended(c, counter: counter, rate: rate) }
        let p = input.points
        guard p.count >= 2, let first = p.first, let last = p.last else { return nil }
        var result = last.v - first.v
        if counter {
            var prev = first.v
            for s in p.dropFirst() {
                if s.v < prev { result += prev }
                prev = s.v
            }
        }
        var toStart = Double(first.t - input.rangeStart) / 1000
        var toEnd = Double(input.evalTime - last.t) / 1000
        let sampled = Double(last.t - first.t) / 1000
        let avgGap = sampled / Double(p.count - 1)
        let threshold = avgGap * 1.1
        if toStart >= threshold { toStart = avgGap / 2 }
        if counter && result > 0 && first.v >= 0 {
            let toZero = sampled * (first.v / result)
            if toZero < toStart { toStart = toZero }
        }
        if toEnd >= threshold { toEnd = avgGap / 2 }
        var factor = (sampled + toStart + toEnd) / sampled
        if rate { factor /= Double(c.rangeMs) / 1000 }
        return result * factor
    }

    /// rate/increase/delta over an anchored or smoothed window: no extrapolation, boundary values at both ends.
    static func extended(_ c: RangeCall, counter: Bool, rate: Bool) -> Double? {
        let input = c.input
        var all: [Sample] = []
        if let b = input.before { all.append(b) }
        all.append(contentsOf: input.points)
        if let a = input.after { all.append(a) }
        guard !all.isEmpty else { return nil }
        let rangeStart = input.rangeStart, rangeEnd = input.evalTime
        let lastIndex0 = all.count - 1
        var firstIndex = max(0, firstIndexWhere(all, upTo: lastIndex0) { $0.t > rangeStart } - 1)
        var lastIndex = lastIndex0
        if input.smoothed { lastIndex = firstIndexWhere(all, upTo: lastIndex0) { $0.t >= rangeEnd } }
        if all[lastIndex].t <= rangeStart { return nil }
        if input.smoothed && all[firstIndex].t > rangeEnd { return nil }
        func interp(_ a: Sample, _ b: Sample, _ t: Int64) -> Double {
            var y1 = a.v
            if counter && b.v < y1 { y1 = 0 }
            return y1 + (b.v - y1) * Double(t - a.t) / Double(b.t - a.t)
        }
        let left = (input.smoothed && all[firstIndex].t < rangeStart && firstIndex + 1 < all.count)
            ? interp(all[firstIndex], all[firstIndex + 1], rangeStart) : all[firstIndex].v
        let right = (input.smoothed && lastIndex > 0 && all[lastIndex].t > rangeEnd)
            ? interp(all[lastIndex - 1], all[lastIndex], rangeEnd) : all[lastIndex].v
        var result = right - left
        if counter {
            if all[firstIndex].t <= rangeStart { firstIndex += 1 }
            if all[lastIndex].t >= rangeEnd { lastIndex -= 1 }
            var correction = 0.0
            var prev = left
            if firstIndex <= lastIndex {
                for s in all[firstIndex...lastIndex] {
                    if s.v < prev { correction += prev }
                    prev = s.v
                }
            }
            if right < prev { correction += prev }
            result += correction
        }
        if rate { result /= Double(c.rangeMs) / 1000 }
        return result
    }

    /// Go's sort.Search over `[0, n)`.
    private static func firstIndexWhere(_ a: [Sample], upTo n: Int, _ pred: (Sample) -> Bool) -> Int {
        var lo = 0, hi = n
        while lo < hi {
            let mid = (lo + hi) / 2
            if pred(a[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    static func instant(_ p: ArraySlice<Sample>, rate: Bool) -> Double? {
        guard p.count >= 2 else { return nil }
        let last = p[p.endIndex - 1], prev = p[p.endIndex - 2]
        var result = last.v - prev.v
        if rate && last.v < prev.v { result = last.v }
        let interval = last.t - prev.t
        if interval == 0 { return nil }
        if rate { result /= Double(interval) / 1000 }
        return result
    }

    static func changesOrResets(_ input: RangeInput, resets: Bool) -> Double? {
        var all: [Sample] = []
        if input.anchored, let b = input.before { all.append(b) }
        all.append(contentsOf: input.points)
        guard let first = all.first else { return nil }
        var count = 0.0
        var prev = first.v
        for s in all.dropFirst() {
            if resets {
                if s.v < prev { count += 1 }
            } else if s.v != prev && !(s.v.isNaN && prev.isNaN) {
                count += 1
            }
            prev = s.v
        }
        return count
    }

    static func linearRegression(_ p: ArraySlice<Sample>, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0, sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0, sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = p.first!.v
        var constY = true
        for s in p {
            if constY && s.v != initY { constY = false }
            n += 1
            let x = Double(s.t - interceptTime) / 1000
            (sumX, cX) = kahanInc(x, sumX, cX)
            (sumY, cY) = kahanInc(s.v, sumY, cY)
            (sumXY, cXY) = kahanInc(x * s.v, sumXY, cXY)
            (sumX2, cX2) = kahanInc(x * x, sumX2, cX2)
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }

    static func avg(_ p: ArraySlice<Sample>) -> Double? {
        guard !p.isEmpty else { return nil }
        var sum = 0.0, c = 0.0, count = 0.0
        var mean = 0.0, incremental = false
        for s in p {
            count += 1
            if !incremental {
                let (ns, nc) = kahanInc(s.v, sum, c)
                if !ns.isInfinite { sum = ns; c = nc; continue }
                incremental = true
                mean = sum / (count - 1)
                c /= (count - 1)
            }
            let q = (count - 1) / count
            (mean, c) = kahanInc(s.v / count, q * mean, q * c)
        }
        if incremental { return mean + c }
        return sum / count + c / count
    }

    static func extreme(_ p: ArraySlice<Sample>, max: Bool) -> Sample? {
        guard var best = p.first else { return nil }
        for s in p.dropFirst() where (max ? s.v > best.v : s.v < best.v) || best.v.isNaN {
            best = s
        }
        return best
    }

    static func variance(_ p: ArraySlice<Sample>) -> Double? {
        guard !p.isEmpty else { return nil }
        var count = 0.0, mean = 0.0, cMean = 0.0, aux = 0.0, cAux = 0.0
        for s in p {
            count += 1
            let delta = s.v - (mean + cMean)
            (mean, cMean) = kahanInc(delta / count, mean, cMean)
            (aux, cAux) = kahanInc(delta * (s.v - (mean + cMean)), aux, cAux)
        }
        return (aux + cAux) / count
    }

    static func doubleExponentialSmoothing(_ input: RangeInput) throws -> Double? {
        guard input.args.count >= 2 else { return nil }
        let sf = input.args[0], tf = input.args[1]
        if !(sf > 0 && sf < 1) {
            throw PromQLError(.execution, "invalid smoothing factor. Expected: 0 < sf < 1, got: \(goFloat(sf))")
        }
        if !(tf > 0 && tf < 1) {
            throw PromQLError(.execution, "invalid trend factor. Expected: 0 < tf < 1, got: \(goFloat(tf))")
        }
        let p = Array(input.points)
        guard p.count >= 2 else { return nil }
        var s0 = 0.0, s1 = p[0].v, b = p[1].v - p[0].v
        for i in 1..<p.count {
            let x = sf * p[i].v
            if i > 1 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            s0 = s1
            s1 = x + y
        }
        return s1
    }
}

/// `%f` formatting as Go prints it.
func goFloat(_ v: Double) -> String { String(format: "%f", v) }

/// The φ-quantile of `values` (φ outside [0, 1] gives ∓Inf, NaN gives NaN), interpolating between ranks.
func quantile(_ q: Double, _ values: [Double]) -> Double {
    if values.isEmpty || q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    let sorted = values.sorted { a, b in a.isNaN ? !b.isNaN : (b.isNaN ? false : a < b) }
    let n = Double(sorted.count)
    let rank = q * (n - 1)
    let lower = max(0, Int(rank.rounded(.down)))
    let upper = min(sorted.count - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return sorted[lower] * (1 - weight) + sorted[upper] * weight
}
