import Foundation
import MetricStore
import OspreyCore

extension OTLPTranslator {
    /// Writes the series of one metric's points, converting deltas to running totals.
    struct Emitter {
        let family: String
        let metricName: String
        let delta: Bool
        let deltas: OTLPDeltaTracker
        var latestMs: Int64?

        /// Stores one sample of series `labels` + `__name__ = name`. Delta values are added to the running total.
        /// Returns false when the point was rejected (the caller stops emitting that point's other series).
        mutating func sample(_ name: String, _ labels: [String: String], _ ms: Int64, _ value: Double, into out: inout OTLPTranslation) -> Bool {
            var l = labels
            l[Labels.metricNameLabel] = name
            let series = Labels(l)
            var v = value
            if delta && !StaleNaN.isStale(value) {
                switch deltas.accumulate(series.encoded, ms: ms, delta: value, staging: &out.staging) {
                case .success(let total): v = total
                case .failure(let why):
                    out.reject(1, "metric \"\(metricName)\" series \(series): \(why)")
                    return false
                }
            }
            out.add(series, ms, v)
            latestMs = max(latestMs ?? ms, ms)
            return true
        }

        static func value(_ v: OTLPNumberPoint.Value, flags: UInt32) -> Double {
            if flags & otlpNoRecordedValueFlag != 0 { return StaleNaN.value }
            let d: Double
            switch v {
            case .absent: return StaleNaN.value
            case .double(let x): d = x
            case .int(let i): d = Double(i)
            }
            return d.isFinite ? d : StaleNaN.value
        }

        mutating func number(_ p: OTLPNumberPoint, labels: inout [String: String], into out: inout OTLPTranslation) {
            _ = sample(family, labels, OTLPTranslator.ms(p.timeUnixNano), Self.value(p.value, flags: p.flags), into: &out)
        }

        mutating func histogram(_ p: OTLPHistogramPoint, labels: inout [String: String], into out: inout OTLPTranslation) {
            let ms = OTLPTranslator.ms(p.timeUnixNano)
            let stale = p.flags & otlpNoRecordedValueFlag != 0
            guard p.bucketCounts.isEmpty || p.bucketCounts.count == p.explicitBounds.count + 1 else {
                out.reject(1, "metric \"\(metricName)\": a histogram point has \(p.bucketCounts.count) bucket counts for \(p.explicitBounds.count) bounds; there must be one more count than bounds")
                return
            }
            var cumulative: UInt64 = 0
            for (i, bound) in p.explicitBounds.enumerated() where !p.bucketCounts.isEmpty {
                cumulative &+= p.bucketCounts[i]
                var l = labels
                l["le"] = formatPrometheusFloat(bound)
                guard sample(family + "_bucket", l, ms, stale ? StaleNaN.value : Double(cumulative), into: &out) else { return }
            }
            var inf = labels
            inf["le"] = "+Inf"
            guard sample(family + "_bucket", inf, ms, stale ? StaleNaN.value : Double(p.count), into: &out) else { return }
            if let sum = p.sum {
                guard sample(family + "_sum", labels, ms, stale || !sum.isFinite ? StaleNaN.value : sum, into: &out) else { return }
            }
            _ = sample(family + "_count", labels, ms, stale ? StaleNaN.value : Double(p.count), into: &out)
        }

        mutating func summary(_ p: OTLPSummaryPoint, labels: inout [String: String], into out: inout OTLPTranslation) {
            let ms = OTLPTranslator.ms(p.timeUnixNano)
            let stale = p.flags & otlpNoRecordedValueFlag != 0
            for q in p.quantiles {
                var l = labels
                l["quantile"] = formatPrometheusFloat(q.quantile)
                _ = sample(family, l, ms, stale || !q.value.isFinite ? StaleNaN.value : q.value, into: &out)
            }
            _ = sample(family + "_sum", labels, ms, stale || !p.sum.isFinite ? StaleNaN.value : p.sum, into: &out)
            _ = sample(family + "_count", labels, ms, stale ? StaleNaN.value : Double(p.count), into: &out)
        }
    }
}
