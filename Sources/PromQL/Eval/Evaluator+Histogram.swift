import Foundation
import OspreyCore

struct Bucket {
    var upperBound: Double
    var count: Double
}

extension Evaluator {
    /// Classic-histogram buckets of one step's vector grouped by their labels without `le`.
    private func bucketGroups(_ vec: [Elem], _ pos: PositionRange) -> [(Labels, [Bucket])] {
        var order: [Labels] = []
        var groups: [Labels: [Bucket]] = [:]
        for e in vec {
            guard let le = e.labels["le"], let ub = parseBucketBound(le) else {
                let name = e.labels.metricName ?? ""
                var msg = "bucket label \"le\" is missing or has a malformed value of \"\(e.labels["le"] ?? "")\""
                if !name.isEmpty { msg += " for metric name \"\(name)\"" }
                note(FunctionAnnotation(.warning, msg), at: pos)
                continue
            }
            let key = e.labels.removing(["le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(Bucket(upperBound: ub, count: e.v))
        }
        return order.map { ($0, groups[$0]!) }
    }

    func evalHistogramQuantile(_ c: Call) throws -> [StepSeries] {
        let qs = scalarSteps(try evalSeries(c.args[0]))
        let input = try evalSeries(c.args[1])
        return try rangeEval([input]) { v, ts in
            let q = qs[stepIndex(ts)]
            if q.isNaN || q < 0 || q > 1 {
                note(FunctionAnnotation(.warning, "quantile value should be between 0 and 1, got \(formatGo(q))"), at: c.args[0].position)
            }
            return bucketGroups(v[0], c.args[1].position).map { labels, buckets in
                let r = bucketQuantile(q, buckets)
                if r.forcedMonotonic {
                    var msg = "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)"
                    if let n = labels.metricName { msg += " for metric name \"\(n)\"" }
                    note(FunctionAnnotation(.info, msg), at: c.args[1].position)
                }
                return Elem(labels: labels, v: r.value, dropName: true)
            }
        }
    }

    func evalHistogramFraction(_ c: Call) throws -> [StepSeries] {
        let lower = scalarSteps(try evalSeries(c.args[0]))
        let upper = scalarSteps(try evalSeries(c.args[1]))
        let input = try evalSeries(c.args[2])
        return try rangeEval([input]) { v, ts in
            let i = stepIndex(ts)
            return bucketGroups(v[0], c.args[2].position).map { labels, buckets in
                Elem(labels: labels, v: bucketFraction(lower[i], upper[i], buckets), dropName: true)
            }
        }
    }
}

func parseBucketBound(_ s: String) -> Double? {
    switch s.lowercased() {
    case "+inf", "inf": return .infinity
    case "-inf": return -.infinity
    case "nan": return .nan
    default: return Double(s)
    }
}

/// Go's `%g`.
func formatGo(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    return formatPrometheusFloat(v)
}

private func sortedCoalesced(_ input: [Bucket]) -> [Bucket] {
    let sorted = input.sorted { $0.upperBound < $1.upperBound }
    var out: [Bucket] = []
    for b in sorted {
        if let last = out.last, last.upperBound == b.upperBound {
            out[out.count - 1].count += b.count
        } else {
            out.append(b)
        }
    }
    return out
}

func bucketQuantile(_ q: Double, _ input: [Bucket]) -> (value: Double, forcedMonotonic: Bool) {
    if q.isNaN { return (.nan, false) }
    if q < 0 { return (-.infinity, false) }
    if q > 1 { return (.infinity, false) }
    guard let top = input.map(\.upperBound).max(), top == .infinity else { return (.nan, false) }
    var buckets = sortedCoalesced(input)
    var forced = false
    var prev = buckets[0].count
    for i in 1..<buckets.count {
        let cur = buckets[i].count
        if cur == prev { continue }
        if almostEqual(prev, cur, 1e-12) {
            buckets[i].count = prev
            continue
        }
        if cur < prev {
            buckets[i].count = prev
            forced = true
            continue
        }
        prev = cur
    }
    guard buckets.count >= 2 else { return (.nan, forced) }
    let observations = buckets[buckets.count - 1].count
    if observations == 0 { return (.nan, forced) }
    var rank = q * observations
    var b = 0
    while b < buckets.count - 1 && !(buckets[b].count >= rank) { b += 1 }
    if b == buckets.count - 1 { return (buckets[buckets.count - 2].upperBound, forced) }
    if b == 0 && buckets[0].upperBound <= 0 { return (buckets[0].upperBound, forced) }
    var bucketStart = 0.0
    let bucketEnd = buckets[b].upperBound
    var count = buckets[b].count
    if b > 0 {
        bucketStart = buckets[b - 1].upperBound
        count -= buckets[b - 1].count
        rank -= buckets[b - 1].count
    }
    return (bucketStart + (bucketEnd - bucketStart) * (rank / count), forced)
}

func bucketFraction(_ lower: Double, _ upper: Double, _ input: [Bucket]) -> Double {
    guard let top = input.map(\.upperBound).max(), top == .infinity else { return .nan }
    let buckets = sortedCoalesced(input)
    let count = buckets[buckets.count - 1].count
    if count == 0 || lower.isNaN || upper.isNaN { return .nan }
    if lower >= upper { return 0 }
    var rank = 0.0, lowerRank = 0.0, upperRank = 0.0
    var lowerSet = false, upperSet = false
    var lowerBound = buckets[0].upperBound <= 0 ? -Double.infinity : 0
    for (i, b) in buckets.enumerated() {
        if i > 0 { lowerBound = buckets[i - 1].upperBound }
        let upperBound = b.upperBound
        func interpolate(_ v: Double) -> Double {
            if lowerBound == -.infinity { return b.count }
            return rank + (b.count - rank) * (v - lowerBound) / (upperBound - lowerBound)
        }
        if !lowerSet && lowerBound >= lower { lowerRank = rank; lowerSet = true }
        if !upperSet && lowerBound >= upper { upperRank = rank; upperSet = true }
        if lowerSet && upperSet { break }
        if !lowerSet && lowerBound < lower && upperBound > lower { lowerRank = interpolate(lower); lowerSet = true }
        if !upperSet && lowerBound < upper && upperBound > upper { upperRank = interpolate(upper); upperSet = true }
        if lowerSet && upperSet { break }
        rank = b.count
    }
    if !lowerSet || lowerRank > count { lowerRank = count }
    if !upperSet || upperRank > count { upperRank = count }
    return (upperRank - lowerRank) / count
}

/// Prometheus's `almost.Equal`: equal, or relative difference within `epsilon`.
func almostEqual(_ a: Double, _ b: Double, _ epsilon: Double) -> Bool {
    if a == b { return true }
    if a.isNaN && b.isNaN { return true }
    let absSum = abs(a) + abs(b)
    let diff = abs(a - b)
    let minNormal = 2.2250738585072014e-308
    if a == 0 || b == 0 || absSum < minNormal { return diff < epsilon * minNormal }
    return diff / min(absSum, Double.greatestFiniteMagnitude) < epsilon
}
