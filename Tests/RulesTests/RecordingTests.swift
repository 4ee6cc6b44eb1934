import OspreyCore
import Testing
@testable import Rules

@Suite struct RecordingTests {
    @Test func recordsWithNewNameAndRuleLabelsThenMarksVanishedSeriesStale() async throws {
        let h = Harness()
        let a = L(["__name__": "http_requests_total", "job": "api", "instance": "a:1"])
        let b = L(["__name__": "http_requests_total", "job": "web", "instance": "b:1"])
        h.store.fill(a, from: t0 - 10 * minute, to: t0 + 10 * minute, value: 5)
        h.store.fill(b, from: t0 - 10 * minute, to: t0 + minute, value: 7)
        let g = try h.group("""
            groups:
            - name: rec
              labels: {team: core, env: prod}
              rules:
              - record: job:http_requests:sum
                expr: sum by (job) (http_requests_total)
                labels: {env: staging}
            """)
        await h.evaluator.evaluate(g, at: t0)
        let api = L(["__name__": "job:http_requests:sum", "job": "api", "team": "core", "env": "staging"])
        let web = L(["__name__": "job:http_requests:sum", "job": "web", "team": "core", "env": "staging"])
        #expect(h.store.series(named: "job:http_requests:sum") == [api, web].sorted())
        #expect(h.store.samples(web) == [Sample(t0, 7)])
        // b stops reporting after t0+1m and leaves the lookback window by t0+7m.
        await h.evaluator.evaluate(g, at: t0 + 7 * minute)
        let webSamples = h.store.samples(web)
        #expect(webSamples.count == 2)
        #expect(webSamples[1].t == t0 + 7 * minute && StaleNaN.isStale(webSamples[1].v))
        #expect(h.store.samples(api).map(\.v) == [5, 5])
        // No second staleness marker for a series already marked.
        await h.evaluator.evaluate(g, at: t0 + 8 * minute)
        #expect(h.store.samples(web).count == 2)
    }

    @Test func laterRulesSeeEarlierOutputInTheSameEvaluation() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "x", "i": "1"]), from: t0 - minute, to: t0, value: 2)
        h.store.fill(L(["__name__": "x", "i": "2"]), from: t0 - minute, to: t0, value: 3)
        let g = try h.group("""
            groups:
            - name: chain
              rules:
              - record: x:sum
                expr: sum(x)
              - record: x:sum:doubled
                expr: x:sum * 2
            """)
        await h.evaluator.evaluate(g, at: t0)
        #expect(h.store.samples(L(["__name__": "x:sum:doubled"])) == [Sample(t0, 10)])
    }

    @Test func queryOffsetShiftsQueryAndOutputTime() async throws {
        let h = Harness()
        h.store.add(L(["__name__": "x"]), t0 - 2 * minute, 1)
        h.store.add(L(["__name__": "x"]), t0 - minute, 2)
        let g = try h.group("""
            groups:
            - name: off
              query_offset: 1m
              rules:
              - record: x:copy
                expr: x
            """)
        await h.evaluator.evaluate(g, at: t0)
        #expect(h.store.samples(L(["__name__": "x:copy"])) == [Sample(t0 - minute, 2)])
    }

    @Test func scalarResultIsRecordedWithoutLabels() async throws {
        let h = Harness()
        let g = try h.group("""
            groups:
            - name: s
              rules:
              - record: answer
                expr: "42"
            """)
        await h.evaluator.evaluate(g, at: t0)
        #expect(h.store.samples(L(["__name__": "answer"])) == [Sample(t0, 42)])
    }

    @Test func duplicateOutputFailsTheRule() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "x", "i": "1"]), from: t0 - minute, to: t0, value: 2)
        h.store.fill(L(["__name__": "y", "i": "1"]), from: t0 - minute, to: t0, value: 3)
        let g = try h.group("""
            groups:
            - name: d
              rules:
              - record: merged
                expr: '{__name__=~"x|y"}'
            """)
        await h.evaluator.evaluate(g, at: t0)
        #expect(g.status().rules[0].lastError == "vector contains metrics with the same labelset after applying rule labels")
        #expect(h.store.series(named: "merged").isEmpty)
    }
}
