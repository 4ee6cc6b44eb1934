import MetricStore
import OspreyCore
@testable import PromQL
import Testing

@Suite struct EngineTests {
    func engine(_ series: [(Labels, [Sample])], _ configure: (inout EngineOptions) -> Void = { _ in }) -> Engine {
        let q = MemoryQuerier()
        for (l, s) in series { q.add(l, s) }
        var o = EngineOptions()
        configure(&o)
        return Engine(querier: q, options: o)
    }

    let up = Labels(["__name__": "up", "job": "a"])

    @Test func instantSelectorLooksBackAndStopsAtStaleness() async throws {
        let e = engine([(up, [Sample(0, 1), Sample(60_000, 2), Sample(120_000, StaleNaN.value)])])
        let at90 = try await e.instantQuery("up", at: 90_000)
        #expect(at90.value == .vector([VectorElement(labels: up, t: 90_000, v: 2)]))
        let atStale = try await e.instantQuery("up", at: 130_000)
        #expect(atStale.value == .vector([]))
        // The lookback window is left-open: a sample exactly 5m old is not seen.
        let e2 = engine([(up, [Sample(0, 1)])])
        #expect(try await e2.instantQuery("up", at: 300_000).value == .vector([]))
        #expect(try await e2.instantQuery("up", at: 299_999).value == .vector([VectorElement(labels: up, t: 299_999, v: 1)]))
    }

    @Test func rangeQueryDropsNameForArithmeticAndSortsByLabels() async throws {
        let other = Labels(["__name__": "up", "job": "b"])
        let e = engine([(other, [Sample(0, 5)]), (up, [Sample(0, 1)])])
        let r = try await e.rangeQuery("up * 2", start: 0, end: 60_000, step: 30_000)
        guard case .matrix(let m) = r.value else { Issue.record("not a matrix"); return }
        #expect(m.map(\.labels) == [Labels(["job": "a"]), Labels(["job": "b"])])
        #expect(m[0].points == [Sample(0, 2), Sample(30_000, 2), Sample(60_000, 2)])
    }

    @Test func manyToManyMatchingIsAnError() async throws {
        let e = engine([
            (Labels(["__name__": "a", "x": "1", "y": "1"]), [Sample(0, 1)]),
            (Labels(["__name__": "a", "x": "1", "y": "2"]), [Sample(0, 1)]),
            (Labels(["__name__": "b", "x": "1"]), [Sample(0, 1)]),
        ])
        await #expect(throws: PromQLError.self) { try await e.instantQuery("b + on(x) a", at: 0) }
        do {
            _ = try await e.instantQuery("b + on(x) a", at: 0)
        } catch let err as PromQLError {
            #expect(err.message.hasPrefix("found duplicate series for the match group {x=\"1\"} on the right hand-side"))
            #expect(err.kind == .execution)
        }
    }

    @Test func tooManySamplesIsRefused() async throws {
        let e = engine([(up, (0..<100).map { Sample(Int64($0) * 1000, 1) })]) { $0.maxSamples = 10 }
        do {
            _ = try await e.instantQuery("count_over_time(up[1m])", at: 100_000)
            Issue.record("expected the sample limit to stop the query")
        } catch let err as PromQLError {
            #expect(err.message == "query processing would load too many samples into memory in query execution")
        }
    }

    @Test func rangeQueryResolutionIsLimited() async throws {
        let e = engine([(up, [Sample(0, 1)])])
        await #expect(throws: PromQLError.self) { try await e.rangeQuery("up", start: 0, end: 11_000_000, step: 1) }
    }

    @Test func cancelledQueryStops() async throws {
        let e = engine([(up, [Sample(0, 1)])])
        let task = Task { try await e.rangeQuery("up", start: 0, end: 1_000_000, step: 1000) }
        task.cancel()
        do {
            _ = try await task.value
        } catch let err as PromQLError {
            #expect(err.kind == .canceled)
        }
    }

    @Test func subqueryStepsAreAbsoluteMultiples() async throws {
        let e = engine([(up, (0...20).map { Sample(Int64($0) * 10_000, Double($0)) })])
        // Subquery points at 60s and 120s only (multiples of 1m within (45s, 165s]).
        let r = try await e.instantQuery("count_over_time(up[2m:1m])", at: 165_000)
        #expect(r.value == .vector([VectorElement(labels: Labels(["job": "a"]), t: 165_000, v: 2)]))
    }
}
