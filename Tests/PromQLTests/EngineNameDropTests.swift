import MetricStore
import OspreyCore
@testable import PromQL
import Testing

/// Label-set uniqueness after the metric name is dropped, and binary-operator matching rules.
@Suite struct EngineNameDropTests {
    func engine(_ series: [(Labels, [Sample])]) -> Engine {
        let q = MemoryQuerier()
        for (l, s) in series { q.add(l, s) }
        return Engine(querier: q)
    }

    /// Two metrics with the same other labels: dropping the name leaves two series with one label set.
    var twins: Engine {
        engine([
            (Labels(["__name__": "a", "x": "1"]), [Sample(0, 1), Sample(60_000, 2)]),
            (Labels(["__name__": "b", "x": "1"]), [Sample(0, 3), Sample(60_000, 4)]),
        ])
    }

    func expectDuplicateError(_ e: Engine, _ query: String, range: Bool = false) async {
        do {
            if range {
                _ = try await e.rangeQuery(query, start: 0, end: 60_000, step: 30_000)
            } else {
                _ = try await e.instantQuery(query, at: 60_000)
            }
            Issue.record("expected \(query) to fail")
        } catch let err as PromQLError {
            #expect(err.message == "vector cannot contain metrics with the same labelset", "\(query)")
            #expect(err.kind == .execution)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func duplicatesAfterNameDropFailEvenWhenAggregatedAway() async {
        // The aggregation would merge the clash, but the operation that dropped the name already fails.
        await expectDuplicateError(twins, "sum by (x) (-{x=\"1\"})")
        await expectDuplicateError(twins, "count without () (min_over_time({x=\"1\"}[5m]))")
        await expectDuplicateError(twins, "avg(time() % {x=\"1\"})")
        await expectDuplicateError(twins, "max(abs({x=\"1\"}))")
        await expectDuplicateError(twins, "sum(abs({x=\"1\"}))", range: true)
        await expectDuplicateError(twins, "sum(rate({x=\"1\"}[5m]))", range: true)
    }

    @Test func nameKeepingOperationsDoNotClash() async throws {
        let r = try await twins.instantQuery("count(last_over_time({x=\"1\"}[5m]) > 0)", at: 60_000)
        #expect(r.value == .vector([VectorElement(labels: Labels(sorted: []), t: 60_000, v: 2)]))
    }

    @Test func seriesAtDifferentStepsClashOnlyForRangeFunctions() async throws {
        // a only before 1m, b only after: step-wise functions never see both at one step, range functions do.
        let e = engine([
            (Labels(["__name__": "a", "x": "1"]), [Sample(0, 1)]),
            (Labels(["__name__": "b", "x": "1"]), [Sample(400_000, 2)]),
        ])
        let r = try await e.rangeQuery("abs({x=\"1\"})", start: 0, end: 400_000, step: 400_000)
        guard case .matrix(let m) = r.value else { Issue.record("not a matrix"); return }
        #expect(m.count == 1)
        #expect(m.first?.points == [Sample(0, 1), Sample(400_000, 2)])
        do {
            _ = try await e.rangeQuery("max_over_time({x=\"1\"}[1m])", start: 0, end: 400_000, step: 400_000)
            Issue.record("expected a clash")
        } catch let err as PromQLError {
            #expect(err.message == "vector cannot contain metrics with the same labelset")
        }
    }

    @Test func oneToOneUniquenessCountsPairsAComparisonFiltersOut() async throws {
        // Both left series match the one right series on (version): ambiguous even when the comparison would
        // keep none or one of the pairs.
        let e = engine([
            (Labels(["__name__": "disk", "host": "a", "version": "1"]), [Sample(0, 1)]),
            (Labels(["__name__": "disk", "host": "b", "version": "1"]), [Sample(0, 2)]),
            (Labels(["__name__": "scale", "version": "1"]), [Sample(0, 5)]),
        ])
        for query in ["disk == on(nonexistent, version) scale", "disk > on(version) (scale - 4)", "disk < on(version) scale"] {
            do {
                _ = try await e.instantQuery(query, at: 0)
                Issue.record("expected many-to-one error for \(query)")
            } catch let err as PromQLError {
                #expect(err.message == "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
            }
        }
        // One left series per match group is fine; one-to-one matching on(...) keeps only the matching labels.
        let one = try await e.instantQuery("disk{host=\"b\"} > on(version) (scale - 4)", at: 0)
        #expect(one.value == .vector([VectorElement(labels: Labels(["version": "1"]), t: 0, v: 2)]))
    }

    @Test func unaryMinusMergesSeriesThatDoNotOverlap() async throws {
        let e = engine([
            (Labels(["__name__": "a", "x": "1"]), [Sample(0, 1)]),
            (Labels(["__name__": "b", "x": "1"]), [Sample(400_000, 2)]),
        ])
        let r = try await e.rangeQuery("-{x=\"1\"}", start: 0, end: 400_000, step: 400_000)
        #expect(r.value == .matrix([RangeSeries(labels: Labels(["x": "1"]), points: [Sample(0, -1), Sample(400_000, -2)])]))
    }

    @Test func comparisonAfterFunctionHasNoName() async throws {
        let e = engine([
            (Labels(["__name__": "v", "x": "1"]), [Sample(0, 1.23456)]),
            (Labels(["__name__": "w", "x": "1"]), [Sample(0, 1.235)]),
        ])
        let r = try await e.instantQuery("round(v, 0.001) == w", at: 0)
        #expect(r.value == .vector([VectorElement(labels: Labels(["x": "1"]), t: 0, v: 1.235)]))
        // Without a function the left side keeps its name.
        let kept = try await e.instantQuery("v < w", at: 0)
        #expect(kept.value == .vector([VectorElement(labels: Labels(["__name__": "v", "x": "1"]), t: 0, v: 1.23456)]))
    }
}
