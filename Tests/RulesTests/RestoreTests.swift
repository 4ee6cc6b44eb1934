import OspreyCore
import Testing
@testable import Rules

/// A restart in the middle of `for:`: the second process restores `activeAt` from `ALERTS_FOR_STATE`.
@Suite struct RestoreTests {
    let rules = """
        groups:
        - name: node
          rules:
          - alert: InstanceDown
            expr: up == 0
            for: 15m
        """

    @Test func restartInTheMiddleOfForKeepsTheTimer() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "job": "api", "instance": "a:1"]), from: t0 - 10 * minute, to: t0 + 40 * minute, value: 0)
        let before = try h.group(rules)
        for m in [0, 1, 2] as [Int64] { await h.evaluator.evaluate(before, at: t0 + m * minute) }
        #expect(before.alerts()[0].alerts[0].state == .pending)

        // "Restart" at t0+3m: new state, same store (what the previous process wrote).
        let after = try h.group(rules, restore: true)
        await h.evaluator.evaluate(after, at: t0 + 3 * minute)
        #expect(after.alerts()[0].alerts[0].activeAtMs == t0 + 3 * minute)
        await h.evaluator.evaluate(after, at: t0 + 4 * minute)
        // Restored after the second evaluation: 2m were spent pending before the stop (t0 to the last
        // sample at t0+2m); the 2m downtime shifts activeAt to t0+2m, so it fires at t0+17m.
        #expect(after.alerts()[0].alerts[0].activeAtMs == t0 + 2 * minute)
        for m in Int64(5)...16 {
            await h.evaluator.evaluate(after, at: t0 + m * minute)
            #expect(after.alerts()[0].alerts[0].state == .pending)
        }
        await h.evaluator.evaluate(after, at: t0 + 17 * minute)
        #expect(after.alerts()[0].alerts[0].state == .firing)
    }

    @Test func noAlertSeriesAreWrittenBeforeTheRestore() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "instance": "a:1"]), from: t0 - 10 * minute, to: t0 + 40 * minute, value: 0)
        let g = try h.group(rules, restore: true)
        await h.evaluator.evaluate(g, at: t0)
        await h.evaluator.evaluate(g, at: t0 + minute)
        #expect(h.store.series(named: "ALERTS").isEmpty)
        await h.evaluator.evaluate(g, at: t0 + 2 * minute)
        #expect(h.store.series(named: "ALERTS").count == 1)
    }

    @Test func nearlyDoneForWaitsTheGracePeriod() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "instance": "a:1"]), from: t0 - 10 * minute, to: t0 + 60 * minute, value: 0)
        let before = try h.group(rules)
        for m in Int64(0)...12 { await h.evaluator.evaluate(before, at: t0 + m * minute) }
        // Stopped at t0+12m with 3m of for: left; restarted at t0+20m.
        let after = try h.group(rules, restore: true)
        await h.evaluator.evaluate(after, at: t0 + 20 * minute)
        await h.evaluator.evaluate(after, at: t0 + 21 * minute)
        // Fires no sooner than the 10m grace period: activeAt = now + 10m - 15m.
        #expect(after.alerts()[0].alerts[0].activeAtMs == t0 + 16 * minute)
    }

    @Test func stateOlderThanTheOutageToleranceIsIgnored() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "instance": "a:1"]), from: t0 - 10 * minute, to: t0 + 200 * minute, value: 0)
        let before = try h.group(rules)
        for m in [0, 1, 2] as [Int64] { await h.evaluator.evaluate(before, at: t0 + m * minute) }
        let after = try h.group(rules, restore: true)
        await h.evaluator.evaluate(after, at: t0 + 90 * minute)
        await h.evaluator.evaluate(after, at: t0 + 91 * minute)
        #expect(after.alerts()[0].alerts[0].activeAtMs == t0 + 90 * minute)
    }
}
