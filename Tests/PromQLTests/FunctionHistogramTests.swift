import Testing
@testable import PromQL

/// `histogram_quantile` and `histogram_fraction` over classic buckets, with cases from Prometheus's histograms.test
/// (the `_bucket` series at 50m, where each count is 10 × its per-step increment).
@Suite struct FunctionHistogramTests {
    typealias Buckets = [(upperBound: Double, count: Double)]
    let positive: Buckets = [(0.1, 50), (0.2, 70), (1, 110), (.infinity, 120)]
    let negative: Buckets = [(-0.2, 10), (-0.1, 20), (0.3, 20), (.infinity, 30)]

    func quantile(_ q: Double, _ b: Buckets) -> Double {
        var notes: [FunctionAnnotation] = []
        let v = ClassicHistogram.quantile(q, buckets: b, notes: &notes)
        #expect(notes.isEmpty)
        return v
    }

    @Test func quantilesInterpolateInsideBuckets() {
        let expected: [(Double, Double, Double)] = [(0, 0, -0.2), (0.2, 0.048, -0.2), (0.5, 0.15, -0.15), (0.8, 0.72, 0.3), (1, 1, 0.3)]
        for (q, pos, neg) in expected {
            #expect(close(quantile(q, positive), pos), "q=\(q)")
            #expect(close(quantile(q, negative), neg), "q=\(q)")
        }
    }

    @Test func quantileWithAZeroBucketAndEmptyTopBuckets() {
        let pos: Buckets = [(0, 0), (0.1, 50), (0.2, 70), (1, 110), (.infinity, 110)]
        let neg: Buckets = [(-0.25, 0), (-0.2, 10), (-0.1, 20), (0.3, 20), (.infinity, 20)]
        for (q, p, n) in [(0.0, 0.0, -0.25), (0.25, 0.055, -0.225), (0.5, 0.125, -0.2), (0.75, 0.45, -0.15), (1, 1, -0.1)] {
            #expect(close(quantile(q, pos), p), "q=\(q)")
            #expect(close(quantile(q, neg), n), "q=\(q)")
        }
    }

    @Test func quantileOutsideZeroToOne() {
        #expect(quantile(-0.1, positive) == -.infinity)
        #expect(quantile(1.01, positive) == .infinity)
        #expect(quantile(.nan, positive).isNaN)
    }

    @Test func bucketsInAnyOrderWithDuplicateBoundsMerged() {
        // mixed_bucket: 0.1, and 0.2 written three ways, summed into one bucket.
        let rates: Buckets = [(.infinity, 4), (0.2, 1), (0.1, 1), (0.2, 1), (0.2, 1)]
        #expect(close(quantile(0.5, rates), 0.15))
        #expect(close(quantile(0.75, rates), 0.2))
        #expect(close(quantile(1, rates), 0.2))
        #expect(quantile(0.5, [(.infinity, 0), (.infinity, 0)]).isNaN)
    }

    @Test func quantileNeedsAnInfBucketAndObservations() {
        #expect(quantile(0.5, [(1, 5), (2, 10)]).isNaN)
        #expect(quantile(0.5, [(.infinity, 10)]).isNaN)
        #expect(quantile(0.5, [(1, 0), (.infinity, 0)]).isNaN)
        // Falls in the +Inf bucket: the highest finite bound.
        #expect(quantile(0.99, [(1, 5), (2, 6), (.infinity, 100)]) == 2)
    }

    @Test func nonMonotonicBucketsAreEvenedOutWithAnInfo() {
        let b: Buckets = [(0.1, 20), (1, 10), (10, 50), (100, 40), (1000, 90), (.infinity, 80)]
        for (q, expected) in [(0.01, 0.0045), (0.5, 8.5), (0.99, 979.75)] {
            var notes: [FunctionAnnotation] = []
            #expect(close(ClassicHistogram.quantile(q, buckets: b, notes: &notes), expected), "q=\(q)")
            #expect(notes == [ClassicHistogram.monotonicityNote])
            #expect(notes[0].level == .info)
        }
        let (_, fix) = ClassicHistogram.quantileWithFix(0.5, buckets: b)
        #expect(fix == ClassicHistogram.MonotonicityFix(minBucket: 1, maxBucket: .infinity, maxDiff: 10))
    }

    @Test func floatNoiseBetweenBucketsIsIgnoredSilently() {
        let b: Buckets = [(1, 1_000_000), (2, 999_999.999999999), (.infinity, 2_000_000)]
        var notes: [FunctionAnnotation] = []
        _ = ClassicHistogram.quantile(0.4, buckets: b, notes: &notes)
        #expect(notes.isEmpty)
    }

    @Test func fractions() {
        let h2: Buckets = [(0, 0), (2, 10), (4, 20), (6, 30), (.infinity, 30)]
        #expect(close(ClassicHistogram.fraction(lower: 0, upper: 4, buckets: h2), 0.6666666666666666))
        #expect(close(ClassicHistogram.fraction(lower: 0, upper: 6, buckets: h2), 1))
        #expect(close(ClassicHistogram.fraction(lower: 0, upper: 3.5, buckets: h2), 0.5833333333333334))
        let h3: Buckets = [(0, 0), (0.1, 50), (0.2, 70), (1, 110), (.infinity, 110)]
        #expect(close(ClassicHistogram.fraction(lower: 0, upper: 0.2, buckets: h3), 0.6363636363636364))
        let pos: Buckets = [(1, 1), (2, 3), (3, 6), (.infinity, 100)]
        let neg: Buckets = [(-3, 10), (-2, 12), (-1, 15), (.infinity, 100)]
        #expect(close(ClassicHistogram.fraction(lower: 0, upper: 1.5, buckets: pos), 0.02))
        #expect(close(ClassicHistogram.fraction(lower: -4, upper: -2, buckets: neg), 0.02))
        #expect(close(ClassicHistogram.fraction(lower: -.infinity, upper: -1.5, buckets: neg), 0.135))
        #expect(ClassicHistogram.fraction(lower: -.infinity, upper: .infinity, buckets: pos) == 1)
        #expect(ClassicHistogram.fraction(lower: -.infinity, upper: .infinity, buckets: neg) == 1)
        #expect(ClassicHistogram.fraction(lower: 4, upper: 5, buckets: pos) == 0)
        #expect(ClassicHistogram.fraction(lower: 0, upper: 1, buckets: neg) == 0)
        #expect(close(ClassicHistogram.fraction(lower: 2, upper: 5, buckets: pos), 0.03))
        #expect(close(ClassicHistogram.fraction(lower: 400, upper: .infinity, buckets: pos), 0.94))
    }

    @Test func fractionEdgeCases() {
        let pos: Buckets = [(1, 1), (2, 3), (.infinity, 4)]
        #expect(ClassicHistogram.fraction(lower: 2, upper: 1, buckets: pos) == 0)
        #expect(ClassicHistogram.fraction(lower: .nan, upper: 1, buckets: pos).isNaN)
        #expect(ClassicHistogram.fraction(lower: 0, upper: 1, buckets: [(1, 1), (2, 3)]).isNaN)
        #expect(ClassicHistogram.fraction(lower: 0, upper: 1, buckets: [(1, 0), (.infinity, 0)]).isNaN)
    }
}
