import OspreyCore

/// `deriv`, `predict_linear`, `double_exponential_smoothing`, `resets`, `changes`.
extension RangeFunctions {
    static func deriv(_ input: RangeInput) -> Double? {
        guard input.points.count >= 2 else { return nil }
        return linearRegression(input.points, interceptTime: input.points[input.points.startIndex].t).slope
    }

    /// The value the least-squares line through the window predicts `args[0]` seconds after the step's time
    /// (which, with `offset` or `@`, is not the window's end).
    static func predictLinear(_ input: RangeInput) -> Double? {
        guard input.points.count >= 2, let seconds = input.args.first else { return nil }
        let (slope, intercept) = linearRegression(input.points, interceptTime: input.stepTime ?? input.evalTime)
        return slope * seconds + intercept
    }

    /// Least squares over (seconds since `interceptTime`, value), Kahan-compensated sums. A constant series
    /// has slope 0 (NaN when the constant is infinite).
    static func linearRegression(_ points: ArraySlice<Sample>, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0
        var sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0, sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = points[points.startIndex].v
        var constY = true
        for p in points {
            if constY && p.v != initY { constY = false }
            n += 1
            let x = Double(p.t - interceptTime) / 1e3
            (sumX, cX) = kahanInc(x, sumX, cX)
            (sumY, cY) = kahanInc(p.v, sumY, cY)
            (sumXY, cXY) = kahanInc(x * p.v, sumXY, cXY)
            (sumX2, cX2) = kahanInc(x * x, sumX2, cX2)
        }
        if constY {
            return initY.isInfinite ? (.nan, .nan) : (0, initY)
        }
        sumX += cX
        sumY += cY
        sumXY += cXY
        sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }

    /// Holt's linear smoothing with smoothing factor `args[0]` and trend factor `args[1]`
    /// (validated by `validateArguments`); needs two samples.
    static func doubleExponentialSmoothing(_ input: RangeInput) -> Double? {
        let points = input.points
        guard points.count >= 2, input.args.count >= 2 else { return nil }
        let sf = input.args[0], tf = input.args[1]
        var s0 = 0.0
        var s1 = points[points.startIndex].v
        var b = points[points.startIndex + 1].v - s1
        for (i, p) in points.dropFirst().enumerated() {
            let x = sf * p.v
            if i > 0 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            (s0, s1) = (s1, x + y)
        }
        return s1
    }

    /// The samples `resets`/`changes` compare: with `anchored`, the last sample at or before the window's start
    /// leads as the baseline. Nil when no sample lies inside the window.
    static func comparedSamples(_ input: RangeInput) -> [Sample]? {
        guard !input.points.isEmpty else { return nil }
        if input.anchored, let before = input.before { return [before] + input.points }
        return Array(input.points)
    }

    /// How often the value dropped (or, with start timestamps, the counter restarted) between neighbours.
    static func resets(_ input: RangeInput) -> Double? {
        guard let samples = comparedSamples(input) else { return nil }
        // Start timestamps run parallel to `points`; an anchored baseline has none.
        let offset = samples.count - input.points.count
        let sts = input.startTimestamps.map(Array.init) ?? []
        func st(_ i: Int) -> Int64 {
            let j = i - offset
            return j >= 0 && j < sts.count ? sts[j] : 0
        }
        var count = 0
        for i in samples.indices.dropFirst() {
            let prev = samples[i - 1], cur = samples[i]
            if cur.v < prev.v || isStartTimestampReset(prevST: st(i - 1), prevT: prev.t, curST: st(i), curT: cur.t) {
                count += 1
            }
        }
        return Double(count)
    }

    /// How often the value differs from the one before (two NaNs count as equal).
    static func changes(_ input: RangeInput) -> Double? {
        guard let samples = comparedSamples(input) else { return nil }
        var count = 0
        for i in samples.indices.dropFirst() {
            let prev = samples[i - 1].v, cur = samples[i].v
            if cur != prev && !(cur.isNaN && prev.isNaN) { count += 1 }
        }
        return Double(count)
    }
}
