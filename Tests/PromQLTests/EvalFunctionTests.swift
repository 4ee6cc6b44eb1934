import MetricStore
import OspreyCore
@testable import PromQL
import Testing

/// Function behaviour that depends on the evaluator around the kernels: grouping of histogram buckets,
/// annotations with their metric names, labels of `absent_over_time`, scalar functions of two scalars.
@Suite struct EvalFunctionTests {
    func engine(_ series: [(Labels, [Sample])]) -> Engine {
        let q = MemoryQuerier()
        for (l, s) in series { q.add(l, s) }
        return Engine(querier: q, options: EngineOptions())
    }

    func bucket(_ name: String, _ le: String, _ v: Double, _ extra: [String: String] = [:]) -> (Labels, [Sample]) {
        var l = extra
        l["__name__"] = name
        l["le"] = le
        return (Labels(l), [Sample(0, v)])
    }

    func scalar(_ r: QueryResult) -> Double? {
        if case .scalar(_, let v) = r.value { return v }
        return nil
    }

    @Test(arguments: [
        ("min_of(3, 5)", 3.0), ("max_of(3, 5)", 5.0), ("min_of(-2, -5)", -5.0), ("max_of(-2, -5)", -2.0),
        ("min_of(NaN, -Inf)", -.infinity), ("max_of(NaN, Inf)", .infinity),
    ])
    func minOfMaxOfFollowGoMinMax(query: String, expected: Double) async throws {
        #expect(scalar(try await engine([]).instantQuery(query, at: 0)) == expected)
    }

    @Test func minOfMaxOfPropagateNaN() async throws {
        let e = engine([])
        for q in ["min_of(NaN, 3)", "min_of(3, NaN)", "max_of(NaN, 3)", "max_of(3, NaN)"] {
            #expect(scalar(try await e.instantQuery(q, at: 0))?.isNaN == true, "\(q)")
        }
    }

    @Test func absentOverTimeOfSubqueryHasNoLabels() async throws {
        let e = engine([])
        let sub = try await e.instantQuery(#"absent_over_time({instance="a"}[5m:5s])"#, at: 600_000)
        #expect(sub.value == .vector([VectorElement(labels: Labels(sorted: []), t: 600_000, v: 1)]))
        let sel = try await e.instantQuery(#"absent_over_time({instance="a"}[5m])"#, at: 600_000)
        #expect(sel.value == .vector([VectorElement(labels: Labels(["instance": "a"]), t: 600_000, v: 1)]))
    }

    @Test func histogramQuantileWarnsAboutABadLeAndNamesTheMetric() async throws {
        let e = engine([bucket("h_bucket", "0.5", 1), bucket("h_bucket", "+Inf", 2), bucket("h_bucket", "x", 3)])
        let r = try await e.instantQuery("histogram_quantile(0.5, h_bucket)", at: 0)
        #expect(r.value == .vector([VectorElement(labels: Labels(sorted: []), t: 0, v: 0.5)]))
        #expect(r.annotations.warnings == [
            #"PromQL warning: bucket label "le" is missing or has a malformed value of "x" for metric name "h_bucket" (1:25)"#,
        ])
    }

    @Test func histogramQuantileReportsForcedMonotonicityWithTheMetricName() async throws {
        let e = engine([bucket("h_bucket", "1", 5), bucket("h_bucket", "2", 3), bucket("h_bucket", "+Inf", 6)])
        let r = try await e.instantQuery("histogram_quantile(0.5, h_bucket)", at: 0)
        #expect(r.value == .vector([VectorElement(labels: Labels(sorted: []), t: 0, v: 0.6)]))
        #expect(r.annotations.infos.count == 1)
        #expect(r.annotations.infos.first?.hasSuffix(#"for metric name "h_bucket" (1:25)"#) == true)
    }

    @Test func histogramsOfTwoNamesWithTheSameLabelsClash() async throws {
        let e = engine([
            bucket("a_bucket", "1", 1), bucket("a_bucket", "+Inf", 2),
            bucket("b_bucket", "1", 1), bucket("b_bucket", "+Inf", 2),
        ])
        await #expect(throws: PromQLError.self) {
            _ = try await e.instantQuery(#"histogram_quantile(0.5, {__name__=~"._bucket"})"#, at: 0)
        }
    }

    @Test func quantileOverTimeWarnsOncePerQuery() async throws {
        let e = engine([(Labels(["__name__": "m"]), [Sample(0, 1), Sample(30_000, 2), Sample(60_000, 3)])])
        let r = try await e.rangeQuery("quantile_over_time(2, m[1m])", start: 0, end: 60_000, step: 30_000)
        #expect(r.annotations.warnings == ["PromQL warning: quantile value should be between 0 and 1, got 2 (1:20)"])
    }

    @Test func calendarFunctionsTruncateTowardZero() async throws {
        // -0.5 s truncates to 0 (1970), not down to -1 s (1969).
        let r = try await engine([]).instantQuery("year(vector(-0.5))", at: 0)
        #expect(r.value == .vector([VectorElement(labels: Labels(sorted: []), t: 0, v: 1970)]))
    }
}
