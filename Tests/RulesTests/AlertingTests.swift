import OspreyCore
import Testing
@testable import Rules

@Suite struct AlertingTests {
    let rules = """
        groups:
        - name: node
          rules:
          - alert: InstanceDown
            expr: up == 0
            for: 5m
            labels:
              severity: critical
            annotations:
              summary: "Instance down"
        """

    @Test func pendingThenFiringAfterFor() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "job": "api", "instance": "a:1"]), from: t0 - 10 * minute, to: t0 + 20 * minute, value: 0)
        let g = try h.group(rules)
        await h.evaluator.evaluate(g, at: t0)
        var alerts = g.alerts()[0].alerts
        #expect(alerts.count == 1)
        #expect(alerts[0].state == .pending)
        #expect(alerts[0].labels == L(["alertname": "InstanceDown", "instance": "a:1", "job": "api", "severity": "critical"]))
        #expect(h.sender.take().isEmpty, "pending alerts are not sent")

        await h.evaluator.evaluate(g, at: t0 + 4 * minute)
        #expect(g.alerts()[0].alerts[0].state == .pending)
        await h.evaluator.evaluate(g, at: t0 + 5 * minute)
        alerts = g.alerts()[0].alerts
        #expect(alerts[0].state == .firing)
        #expect(alerts[0].activeAtMs == t0)

        let sent = h.sender.take()
        #expect(sent.count == 1)
        #expect(sent[0][0].startsAtMs == t0 + 5 * minute)
        // endsAt = now + 4 × max(interval 1m, resend delay 1m)
        #expect(sent[0][0].endsAtMs == t0 + 9 * minute)
        #expect(sent[0][0].generatorURL == "http://osprey.example:9700/graph?g0.expr=up+%3D%3D+0&g0.tab=1")

        // ALERTS and ALERTS_FOR_STATE series.
        let pending = L(["__name__": "ALERTS", "alertname": "InstanceDown", "alertstate": "pending", "instance": "a:1", "job": "api", "severity": "critical"])
        let firing = pending.setting("alertstate", "firing")
        // Pending at t0 and t0+4m, then a staleness marker when it started firing.
        #expect(h.store.samples(pending).map(\.t) == [t0, t0 + 4 * minute, t0 + 5 * minute])
        #expect(h.store.samples(pending).map { StaleNaN.isStale($0.v) } == [false, false, true])
        #expect(h.store.samples(firing).map(\.v) == [1])
        let forState = L(["__name__": "ALERTS_FOR_STATE", "alertname": "InstanceDown", "instance": "a:1", "job": "api", "severity": "critical"])
        #expect(h.store.samples(forState).map(\.v) == [Double(t0 / 1000), Double(t0 / 1000), Double(t0 / 1000)])
    }

    @Test func pendingSeriesGoesStaleWhenFiring() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "job": "api", "instance": "a:1"]), from: t0 - 10 * minute, to: t0 + 20 * minute, value: 0)
        let g = try h.group(rules)
        await h.evaluator.evaluate(g, at: t0)
        await h.evaluator.evaluate(g, at: t0 + 5 * minute)
        let pending = L(["__name__": "ALERTS", "alertname": "InstanceDown", "alertstate": "pending", "instance": "a:1", "job": "api", "severity": "critical"])
        let written = h.store.writes.flatMap { $0 }.filter { $0.labels == pending }
        #expect(written.count == 2)
        #expect(written.last.map { StaleNaN.isStale($0.v) && $0.t == t0 + 5 * minute } == true)
    }

    @Test func resolvedAlertIsSentWithEndsAtAndKeptFifteenMinutes() async throws {
        let h = Harness()
        let up = L(["__name__": "up", "job": "api", "instance": "a:1"])
        h.store.fill(up, from: t0 - 10 * minute, to: t0 + 6 * minute, value: 0)
        h.store.fill(up, from: t0 + 6 * minute + 15_000, to: t0 + 60 * minute, value: 1)
        let g = try h.group(rules)
        for m in [0, 5, 6] as [Int64] { await h.evaluator.evaluate(g, at: t0 + m * minute) }
        _ = h.sender.take()
        await h.evaluator.evaluate(g, at: t0 + 7 * minute)
        let alert = g.alerts()[0].alerts[0]
        #expect(alert.state == .inactive)
        #expect(alert.resolvedAtMs == t0 + 7 * minute)
        let sent = h.sender.take()
        #expect(sent.count == 1, "the resolution is sent at once")
        #expect(sent[0][0].endsAtMs == t0 + 7 * minute)
        #expect(sent[0][0].startsAtMs == t0 + 5 * minute)
        // ALERTS{alertstate="firing"} is marked stale.
        let firing = L(["__name__": "ALERTS", "alertname": "InstanceDown", "alertstate": "firing", "instance": "a:1", "job": "api", "severity": "critical"])
        #expect(h.store.samples(firing).last.map { StaleNaN.isStale($0.v) } == true)
        // Resolved alerts are not listed as active.
        #expect(g.status().rules[0].alerts.isEmpty)
        // Kept (and re-sent each resend delay) for 15 minutes, then dropped.
        await h.evaluator.evaluate(g, at: t0 + 22 * minute)
        #expect(g.alerts()[0].alerts.count == 1)
        #expect(h.sender.take().count == 1)
        await h.evaluator.evaluate(g, at: t0 + 23 * minute)
        #expect(g.alerts()[0].alerts.isEmpty)
    }

    @Test func firingAlertsAreResentAtMostEveryResendDelay() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "job": "api", "instance": "a:1"]), from: t0 - 10 * minute, to: t0 + 30 * minute, value: 0)
        let g = try h.group("""
            groups:
            - name: fast
              interval: 15s
              rules:
              - alert: Down
                expr: up == 0
            """)
        var sentAt: [Int64] = []
        var t = t0
        while t <= t0 + 3 * minute {
            await h.evaluator.evaluate(g, at: t)
            if !h.sender.take().isEmpty { sentAt.append(t) }
            t += 15_000
        }
        // for: 0 fires at once; re-sent only once more than a minute has passed since the last send.
        #expect(sentAt == [t0, t0 + 75_000, t0 + 150_000])
    }

    @Test func keepFiringForHoldsTheAlert() async throws {
        let h = Harness()
        let up = L(["__name__": "up", "job": "api", "instance": "a:1"])
        h.store.fill(up, from: t0 - 10 * minute, to: t0 + 1 * minute, value: 0)
        h.store.fill(up, from: t0 + 1 * minute + 15_000, to: t0 + 30 * minute, value: 1)
        let g = try h.group("""
            groups:
            - name: g
              rules:
              - alert: Down
                expr: up == 0
                keep_firing_for: 3m
            """)
        await h.evaluator.evaluate(g, at: t0)
        #expect(g.alerts()[0].alerts[0].state == .firing)
        for m in [2, 3, 4] as [Int64] {
            await h.evaluator.evaluate(g, at: t0 + m * minute)
            #expect(g.alerts()[0].alerts[0].state == .firing, "kept firing at +\(m)m")
        }
        await h.evaluator.evaluate(g, at: t0 + 5 * minute)
        #expect(g.alerts()[0].alerts[0].state == .inactive)
        #expect(g.alerts()[0].alerts[0].resolvedAtMs == t0 + 5 * minute)
    }

    @Test func pendingAlertThatGoesAwayIsDropped() async throws {
        let h = Harness()
        let up = L(["__name__": "up", "job": "api", "instance": "a:1"])
        h.store.fill(up, from: t0 - 10 * minute, to: t0, value: 0)
        h.store.fill(up, from: t0 + 15_000, to: t0 + 30 * minute, value: 1)
        let g = try h.group(rules)
        await h.evaluator.evaluate(g, at: t0)
        #expect(g.alerts()[0].alerts.count == 1)
        await h.evaluator.evaluate(g, at: t0 + minute)
        #expect(g.alerts()[0].alerts.isEmpty)
        #expect(h.sender.take().isEmpty)
    }

    @Test func limitFailsTheWholeRule() async throws {
        let h = Harness()
        for i in 0..<3 {
            h.store.fill(L(["__name__": "up", "job": "api", "instance": "a:\(i)"]), from: t0 - 10 * minute, to: t0 + 30 * minute, value: 0)
        }
        let g = try h.group("""
            groups:
            - name: g
              limit: 2
              rules:
              - alert: Down
                expr: up == 0
              - record: job:up:count
                expr: count by (job) (up)
              - record: instance:up:value
                expr: up
            """)
        await h.evaluator.evaluate(g, at: t0)
        let status = g.status().rules
        #expect(status[0].health == .err)
        #expect(status[0].lastError == "exceeded limit of 2 with 3 alerts")
        #expect(status[0].alerts.isEmpty)
        #expect(status[1].health == .ok)
        #expect(status[2].lastError == "exceeded limit of 2 with 3 series")
        #expect(h.store.series(named: "ALERTS").isEmpty)
        #expect(h.store.series(named: "instance:up:value").isEmpty)
        #expect(h.store.series(named: "job:up:count").count == 1)
    }

    @Test func sentAlertsCarryExternalLabels() async throws {
        let h = Harness(externalLabels: L(["cluster": "eu1", "severity": "ignored"]))
        h.store.fill(L(["__name__": "up", "job": "api", "instance": "a:1"]), from: t0 - 10 * minute, to: t0 + 30 * minute, value: 0)
        let g = try h.group("""
            groups:
            - name: g
              rules:
              - alert: Down
                expr: up == 0
                labels: {severity: critical}
            """)
        await h.evaluator.evaluate(g, at: t0)
        let sent = h.sender.take()
        #expect(sent[0][0].labels == L(["alertname": "Down", "cluster": "eu1", "instance": "a:1", "job": "api", "severity": "critical"]))
        // The stored ALERTS series do not carry external labels.
        #expect(h.store.series(named: "ALERTS").allSatisfy { $0["cluster"] == nil })
    }
}
