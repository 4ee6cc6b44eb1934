/// `histogram_quantile` and `histogram_fraction` over a classic histogram: the `_bucket` series of one
/// group, each an upper bound (`le`) with a cumulative count.
///
/// The evaluator groups the series (by all labels but `le` and the name), parses `le`, and passes the
/// buckets in any order; these functions sort and merge them.
public enum ClassicHistogram {
    /// Relative differences between neighbouring cumulative counts below this are float noise (e.g. from
    /// summing shards in a different order) and are evened out silently; larger drops get the info below.
    static let smallDeltaTolerance = 1e-12

    /// The info Prometheus raises when it had to even out bucket counts that decreased with the bound.
    public static let monotonicityNote = FunctionAnnotation(
        .info,
        "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)")

    /// Where counts had to be raised to make them monotonic: Prometheus reports these in the info's details.
    public struct MonotonicityFix: Sendable, Equatable {
        /// The lowest and highest upper bound whose count was raised.
        public var minBucket: Double
        public var maxBucket: Double
        /// The largest amount a count was raised by.
        public var maxDiff: Double
    }

    /// The φ-quantile, interpolated linearly inside the bucket it falls in; appends `monotonicityNote` to
    /// `notes` when counts had to be evened out (the φ-range warning is the caller's, once per call).
    ///
    /// - NaN when φ is NaN, when there is no `+Inf` bucket, fewer than two buckets or no observations;
    ///   −Inf for φ < 0 and +Inf for φ > 1.
    /// - The lowest bucket spans from 0 when its bound is positive; if its bound is ≤ 0, that bound is the answer.
    /// - A quantile in the `+Inf` bucket is the second-highest bound.
    public static func quantile(_ q: Double, buckets: [(upperBound: Double, count: Double)], notes: inout [FunctionAnnotation]) -> Double {
        let (value, fix) = quantileWithFix(q, buckets: buckets)
        if fix != nil { notes.append(monotonicityNote) }
        return value
    }

    /// `quantile` returning where monotonicity was forced instead of a note, for callers that report details.
    public static func quantileWithFix(_ q: Double, buckets input: [(upperBound: Double, count: Double)]) -> (Double, MonotonicityFix?) {
        if q.isNaN { return (.nan, nil) }
        if q < 0 { return (-.infinity, nil) }
        if q > 1 { return (.infinity, nil) }
        guard var buckets = prepared(input) else { return (.nan, nil) }
        let fix = makeMonotonic(&buckets)
        guard buckets.count >= 2 else { return (.nan, fix) }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return (.nan, fix) }
        var rank = q * observations
        // The first bucket (not counting +Inf) whose cumulative count reaches the rank, by binary search as
        // Prometheus does (it matters only for NaN counts, which break the order).
        var lo = 0, hi = buckets.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if buckets[mid].count >= rank { hi = mid } else { lo = mid + 1 }
        }
        let b = lo
        if b == buckets.count - 1 { return (buckets[buckets.count - 2].upperBound, fix) }
        if b == 0 && buckets[0].upperBound <= 0 { return (buckets[0].upperBound, fix) }
        var bucketStart = 0.0
        let bucketEnd = buckets[b].upperBound
        var count = buckets[b].count
        if b > 0 {
            bucketStart = buckets[b - 1].upperBound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return (bucketStart + (bucketEnd - bucketStart) * (rank / count), fix)
    }

    /// The estimated fraction of observations between `lower` and `upper`, interpolating linearly inside
    /// buckets. The lowest bucket spans from 0 when its bound is positive, else from −Inf; no interpolation
    /// happens in a bucket with an infinite side, so none of its observations count.
    /// NaN without a `+Inf` bucket, without observations, or when a bound is NaN; 0 when `lower >= upper`.
    public static func fraction(lower: Double, upper: Double, buckets input: [(upperBound: Double, count: Double)]) -> Double {
        guard let buckets = prepared(input) else { return .nan }
        let total = buckets[buckets.count - 1].count
        if total == 0 || lower.isNaN || upper.isNaN { return .nan }
        if lower >= upper { return 0 }
        var rank = 0.0
        var lowerRank = 0.0, upperRank = 0.0
        var lowerSet = false, upperSet = false
        var lowerBound = buckets[0].upperBound <= 0 ? -Double.infinity : 0
        for (i, b) in buckets.enumerated() {
            if i > 0 { lowerBound = buckets[i - 1].upperBound }
            let upperBound = b.upperBound
            func interpolated(_ v: Double) -> Double {
                if lowerBound == -.infinity { return b.count }
                return rank + (b.count - rank) * (v - lowerBound) / (upperBound - lowerBound)
            }
            if !lowerSet && lowerBound >= lower { lowerRank = rank; lowerSet = true }
            if !upperSet && lowerBound >= upper { upperRank = rank; upperSet = true }
            if lowerSet && upperSet { break }
            if !lowerSet && lowerBound < lower && upperBound > lower { lowerRank = interpolated(lower); lowerSet = true }
            if !upperSet && lowerBound < upper && upperBound > upper { upperRank = interpolated(upper); upperSet = true }
            if lowerSet && upperSet { break }
            rank = b.count
        }
        if !lowerSet || lowerRank > total { lowerRank = total }
        if !upperSet || upperRank > total { upperRank = total }
        return (upperRank - lowerRank) / total
    }

    /// Sorted by bound with equal bounds merged (their counts added); nil when empty or without `+Inf`.
    static func prepared(_ input: [(upperBound: Double, count: Double)]) -> [(upperBound: Double, count: Double)]? {
        let sorted = input.sorted { $0.upperBound < $1.upperBound }
        guard let last = sorted.last, last.upperBound == .infinity else { return nil }
        var out: [(upperBound: Double, count: Double)] = []
        out.reserveCapacity(sorted.count)
        for b in sorted {
            if let prev = out.last, prev.upperBound == b.upperBound {
                out[out.count - 1].count += b.count
            } else {
                out.append(b)
            }
        }
        return out
    }

    /// Evens out counts that do not grow with the bound: differences within `smallDeltaTolerance` are copied
    /// over silently, decreases are raised to the previous count and reported.
    static func makeMonotonic(_ buckets: inout [(upperBound: Double, count: Double)]) -> MonotonicityFix? {
        var fix: MonotonicityFix?
        var prev = buckets[0].count
        for i in buckets.indices.dropFirst() {
            let cur = buckets[i].count
            if cur == prev { continue }
            if almostEqual(prev, cur, tolerance: smallDeltaTolerance) {
                buckets[i].count = prev
                continue
            }
            if cur < prev {
                buckets[i].count = prev
                let bound = buckets[i].upperBound
                var f = fix ?? MonotonicityFix(minBucket: .infinity, maxBucket: -.infinity, maxDiff: 0)
                f.minBucket = Swift.min(f.minBucket, bound)
                f.maxBucket = Swift.max(f.maxBucket, bound)
                f.maxDiff = Swift.max(f.maxDiff, prev - cur)
                fix = f
                continue
            }
            prev = cur
        }
        return fix
    }
}

/// Prometheus's `almost.Equal`: equal within a relative `tolerance` of the sum of magnitudes (absolute, scaled
/// by the smallest normal float, when either is 0 or both are tiny); two NaNs are equal.
func almostEqual(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
    if a.isNaN && b.isNaN { return true }
    if a == b { return true }
    let absSum = abs(a) + abs(b)
    let diff = abs(a - b)
    if a == 0 || b == 0 || absSum < Double.leastNormalMagnitude {
        return diff < tolerance * Double.leastNormalMagnitude
    }
    return diff / Swift.min(absSum, Double.greatestFiniteMagnitude) < tolerance
}
