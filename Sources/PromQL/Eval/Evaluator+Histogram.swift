import Foundation
import OspreyCore

extension Evaluator {
    /// Classic-histogram buckets of one step's vector grouped by their labels without `le` (the metric name
    /// still counts, so same-labelled histograms of two names clash once it is dropped); a series whose `le`
    /// is missing or not a number is left out with a warning.
    private func bucketGroups(_ vec: [Elem], _ pos: PositionRange) -> [(Labels, [(upperBound: Double, count: Double)])] {
        var order: [Labels] = []
        var groups: [Labels: [(upperBound: Double, count: Double)]] = [:]
        for e in vec {
            guard let le = e.labels["le"], let bound = parseBucketBound(le) else {
                note(.badBucketLabel(e.labels["le"] ?? "", metricName: e.labels.metricName ?? ""), at: pos)
                continue
            }
            let key = e.labels.removing(["le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((bound, e.v))
        }
        return order.map { ($0, groups[$0]!) }
    }

    func evalHistogramQuantile(_ c: Call) throws -> [StepSeries] {
        let qs = scalarSteps(try evalSeries(c.args[0]))
        let input = try evalSeries(c.args[1])
        return try rangeEval([input]) { v, ts in
            let q = qs[stepIndex(ts)]
            if q.isNaN || q < 0 || q > 1 { note(.invalidQuantile(q), at: c.args[0].position) }
            return bucketGroups(v[0], c.args[1].position).map { labels, buckets in
                let (value, fix) = ClassicHistogram.quantileWithFix(q, buckets: buckets)
                if fix != nil {
                    var n = ClassicHistogram.monotonicityNote
                    if let name = labels.metricName { n.message += " for metric name \(goQuote(name))" }
                    note(n, at: c.args[1].position)
                }
                return Elem(labels: labels, v: value, dropName: true)
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
                Elem(labels: labels, v: ClassicHistogram.fraction(lower: lower[i], upper: upper[i], buckets: buckets), dropName: true)
            }
        }
    }
}

/// A bucket's `le` value as a number (`+Inf`, `-Inf`, `NaN` spelled any case); nil when it is not one.
func parseBucketBound(_ s: String) -> Double? {
    switch s.lowercased() {
    case "+inf", "inf": return .infinity
    case "-inf": return -.infinity
    case "nan": return .nan
    default: return Double(s)
    }
}
