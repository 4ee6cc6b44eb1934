import Alerting
import Foundation
import OspreyCore
import Testing

/// The notification pipeline of each flush: routes with `continue`, inhibition, silences, mute time
/// intervals, the notification log across a restart, and retries that never hold back another integration.
@Suite struct DispatchPipelineTests {
    @Test func continueRouteNotifiesTwoReceivers() async throws {
        let yaml = """
            route:
              receiver: default
              group_by: [alertname]
              group_wait: 10s
              routes:
                - matchers: ['severity="critical"']
                  receiver: pager
                  continue: true
                - matchers: ['severity=~"critical|warning"']
                  receiver: chat
            receivers: [{name: default}, {name: pager}, {name: chat}]
            """
        let pager = RecordingIntegration("pagerduty"), chat = RecordingIntegration("slack"), other = RecordingIntegration()
        let h = try DispatchHarness(yaml, receivers: ["pager": [pager], "chat": [chat], "default": [other]])
        try h.post(["alertname": "Disk", "severity": "critical"])
        try h.post(["alertname": "Load", "severity": "warning"])
        await h.tick(at: 10 * second)
        #expect(pager.take().map(\.summary) == [["+Disk"]])
        #expect(chat.take().map(\.summary).sorted { $0[0] < $1[0] } == [["+Disk"], ["+Load"]])
        #expect(other.calls.isEmpty)
    }

    static let inhibitConfig = """
        route:
          receiver: team
          group_by: [alertname]
          group_wait: 30s
          group_interval: 1m
        receivers: [{name: team}]
        inhibit_rules:
          - source_matchers: [severity=critical]
            target_matchers: [severity=warning]
            equal: [cluster]
        """

    @Test func inhibitionSuppressesTheTargetWhileTheSourceFires() async throws {
        let hook = RecordingIntegration()
        let h = try DispatchHarness(Self.inhibitConfig, receivers: ["team": [hook]])
        try h.post(["alertname": "ClusterDown", "severity": "critical", "cluster": "eu"])
        try h.post(["alertname": "HighLatency", "severity": "warning", "cluster": "eu"])
        try h.post(["alertname": "HighLatency2", "severity": "warning", "cluster": "us"])
        await h.tick(at: 30 * second)
        #expect(hook.take().map(\.summary).sorted { $0[0] < $1[0] } == [["+ClusterDown"], ["+HighLatency2"]],
                "the warning in the source's cluster is inhibited; the one in another cluster is not")
        await h.tick(at: 90 * second)
        #expect(hook.calls.isEmpty)
        h.clock.set(DispatchHarness.t0 + 2 * minute)
        try h.resolve(["alertname": "ClusterDown", "severity": "critical", "cluster": "eu"])
        await h.tick(at: 2 * minute + 30 * second)
        #expect(hook.take().map(\.summary).sorted { $0[0] < $1[0] } == [["+HighLatency"], ["-ClusterDown"]],
                "once the source is resolved the target is notified")
    }

    @Test func silenceSuppressesAndItsExpiryReleases() async throws {
        let hook = RecordingIntegration()
        let h = try DispatchHarness(Self.inhibitConfig, receivers: ["team": [hook]])
        try h.silences.set(Silence(matchers: [SilenceMatcher(name: "alertname", value: "High.*", isRegex: true)],
                                   startsAtMs: h.now, endsAtMs: h.now + 10 * minute, createdBy: "ops", comment: "maintenance"))
        try h.post(["alertname": "HighLatency", "severity": "warning", "cluster": "eu"])
        try h.post(["alertname": "Other", "severity": "warning", "cluster": "eu"])
        await h.tick(at: 30 * second)
        #expect(hook.take().map(\.summary) == [["+Other"]])
        await h.ticks(from: 90 * second, through: 9 * minute + 30 * second, every: minute)
        #expect(hook.calls.isEmpty, "silenced while the silence is active")
        await h.tick(at: 10 * minute + 30 * second)
        #expect(hook.take().map(\.summary) == [["+HighLatency"]], "the silence expired at 10m")
    }

    @Test func muteTimeIntervalHoldsNotificationsUntilItEnds() async throws {
        // t0 is 14:13:20 UTC; the route is muted from 14:00 to 15:00.
        let yaml = """
            route:
              receiver: team
              group_wait: 30s
              group_interval: 5m
              routes:
                - matchers: [team=web]
                  receiver: web
                  mute_time_intervals: [afternoon]
            receivers: [{name: team}, {name: web}]
            time_intervals:
              - name: afternoon
                time_intervals: [{times: [{start_time: '14:00', end_time: '15:00'}]}]
            """
        let web = RecordingIntegration(), team = RecordingIntegration()
        let h = try DispatchHarness(yaml, receivers: ["web": [web], "team": [team]])
        try h.post(["alertname": "Slow", "team": "web"])
        try h.post(["alertname": "Slow", "team": "db"])
        await h.tick(at: 30 * second)
        #expect(team.take().count == 1, "other routes are not muted")
        await h.ticks(from: 30 * second + 5 * minute, through: 30 * second + 45 * minute, every: 5 * minute)
        #expect(web.calls.isEmpty, "muted until 15:00")
        await h.tick(at: 30 * second + 50 * minute) // 15:03:50
        #expect(web.take().map(\.summary) == [["+Slow"]])
    }

    @Test func restartDoesNotResendWithinRepeatInterval() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osprey-dispatch-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = """
            route: {receiver: team, group_by: [alertname], group_wait: 30s, group_interval: 5m, repeat_interval: 1h}
            receivers: [{name: team}]
            """
        let first = RecordingIntegration()
        let before = try DispatchHarness(yaml, receivers: ["team": [first]], nflogDirectory: dir)
        try before.post(["alertname": "Down"])
        await before.tick(at: 30 * second)
        #expect(first.take().count == 1)
        before.dispatcher.stop()

        // A new process: empty alert store, groups and clock state; only the notification log is on disk.
        let second_ = RecordingIntegration()
        let after = try DispatchHarness(yaml, receivers: ["team": [second_]], nflogDirectory: dir,
                                        clock: ManualClock(DispatchHarness.t0 + 2 * minute))
        try after.post(["alertname": "Down"], startsAt: 0) // the sender re-sends the alert with its old start
        await after.ticks(from: 2 * minute, through: 2 * minute + 55 * minute, every: 5 * minute)
        #expect(second_.calls.isEmpty, "already notified 1m30s before the restart")
        await after.tick(at: 62 * minute)
        #expect(second_.take().map(\.summary) == [["+Down"]], "repeat_interval passed since the notification before the restart")
    }

    @Test func failingIntegrationIsRetriedAndDoesNotBlockAnother() async throws {
        let yaml = "route: {receiver: team, group_wait: 30s, group_interval: 5m}\nreceivers: [{name: team}]"
        let flaky = RecordingIntegration("webhook", results: [.failed(reason: "HTTP 503", retry: true), .failed(reason: "connection refused", retry: true)])
        let good = RecordingIntegration("slack")
        let h = try DispatchHarness(yaml, receivers: ["team": [flaky, good]])
        try h.post(["alertname": "Down"])
        await h.tick(at: 30 * second)
        #expect(good.take().count == 1)
        #expect(flaky.take().count == 3, "two failures, then delivered")
        #expect(h.retryWaits == [500, 750], "exponential backoff between attempts")
        #expect(h.counter("osprey_notifications_total", [("integration", "webhook")]) == 1)
        #expect(h.counter("osprey_notification_requests_total", [("integration", "webhook")]) == 3)
        #expect(h.counter("osprey_notification_requests_failed_total", [("integration", "webhook")]) == 2)
        #expect(h.counter("osprey_notifications_failed_total", [("integration", "webhook")]) == 0)
        #expect(h.metrics.timers(label: "osprey_notification_latency_seconds").flatMap(\.values).count == 4)
        await h.tick(at: 30 * second + 5 * minute)
        #expect(flaky.calls.isEmpty && good.calls.isEmpty, "both recorded as sent")
    }

    @Test func permanentFailureGivesUpAndIsTriedAgainNextFlush() async throws {
        let yaml = "route: {receiver: team, group_wait: 30s, group_interval: 1m}\nreceivers: [{name: team}]"
        let broken = RecordingIntegration("webhook", results: Array(repeating: .failed(reason: "HTTP 500 Internal Server Error", retry: true), count: 1000))
        let bad = RecordingIntegration("email", results: [.failed(reason: "template error: no such template", retry: false)])
        let good = RecordingIntegration("slack")
        let h = try DispatchHarness(yaml, receivers: ["team": [broken, bad, good]])
        try h.post(["alertname": "Down"])
        await h.tick(at: 30 * second)
        #expect(good.take().count == 1)
        #expect(bad.take().count == 1, "an error retrying cannot fix is not retried")
        let attempts = broken.take().count
        #expect(attempts > 1 && attempts < 20, "retried with backoff until the next group_interval, then given up")
        #expect(h.retryWaits.reduce(0, +) < minute)
        #expect(h.counter("osprey_notifications_failed_total", [("integration", "webhook"), ("reason", "contextDeadlineExceeded")]) == 1)
        #expect(h.counter("osprey_notifications_failed_total", [("integration", "email"), ("reason", "clientError")]) == 1)
        broken.answer([])
        bad.answer([])
        await h.tick(at: 90 * second)
        #expect(broken.take().count == 1 && bad.take().count == 1, "not recorded as sent, so sent at the next flush")
        #expect(good.calls.isEmpty, "the integration that got through is not sent again")
    }

    @Test func reloadKeepsTheTimingOfGroupsWhoseRouteRemains() async throws {
        let yaml = "route: {receiver: team, group_by: [alertname], group_wait: 30s, group_interval: 5m}\nreceivers: [{name: team}]"
        let hook = RecordingIntegration()
        let h = try DispatchHarness(yaml, receivers: ["team": [hook]])
        try h.post(["alertname": "Down"])
        await h.tick(at: 30 * second)
        #expect(hook.take().count == 1)
        h.clock.set(DispatchHarness.t0 + minute)
        try h.post(["alertname": "Down", "instance": "b"])
        h.dispatcher.apply(routing: try AlertmanagerConfig.parse(yaml, file: "alertmanager.yml"), integrations: h.provider)
        await h.ticks(from: minute, through: 5 * minute, every: 30 * second)
        #expect(hook.calls.isEmpty, "the reloaded group is still within its group_interval")
        await h.tick(at: 5 * minute + 30 * second)
        #expect(hook.take().map(\.summary) == [["+Down@b", "+Down"]], "an alert with an instance label sorts first")
    }
}
