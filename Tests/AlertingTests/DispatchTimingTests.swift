import Alerting
import OspreyCore
import Testing

/// The dispatcher's grouping and timing, against Alertmanager's documented semantics: `group_wait` before a
/// new group's first notification, `group_interval` before a changed group is notified again, `repeat_interval`
/// before an unchanged firing group is, resolved alerts notified once and then dropped from the group.
@Suite struct DispatchTimingTests {
    static let config = """
        route:
          receiver: team
          group_by: [alertname]
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 4h
        receivers:
          - name: team
        """

    @Test func groupWaitCollectsAlertsArrivingDuringIt() async throws {
        let hook = RecordingIntegration()
        let h = try DispatchHarness(Self.config, receivers: ["team": [hook]])
        try h.post(["alertname": "Down", "instance": "a"])
        h.clock.set(DispatchHarness.t0 + 10 * second)
        try h.post(["alertname": "Down", "instance": "b"])
        await h.ticks(from: 0, through: 29 * second, every: second)
        #expect(hook.calls.isEmpty, "nothing before group_wait has passed since the group appeared")
        await h.tick(at: 30 * second)
        #expect(hook.take().map(\.summary) == [["+Down@a", "+Down@b"]])
        #expect(h.dispatcher.groupCount == 1)
    }

    @Test func groupWaitIsSkippedForAlertsThatStartedLongAgo() async throws {
        let hook = RecordingIntegration()
        let h = try DispatchHarness(Self.config, receivers: ["team": [hook]])
        // Started ten minutes before it reached the dispatcher (e.g. re-sent after a restart).
        try h.post(["alertname": "Down"], startsAt: -10 * minute)
        await h.tick(at: 0)
        #expect(hook.take().map(\.summary) == [["+Down"]])
    }

    @Test func changedGroupWaitsForGroupInterval() async throws {
        let hook = RecordingIntegration()
        let h = try DispatchHarness(Self.config, receivers: ["team": [hook]])
        try h.post(["alertname": "Down", "instance": "a"])
        await h.tick(at: 30 * second)
        #expect(hook.take().count == 1)
        h.clock.set(DispatchHarness.t0 + minute)
        try h.post(["alertname": "Down", "instance": "b"])
        await h.ticks(from: minute, through: 5 * minute + 29 * second, every: 10 * second)
        #expect(hook.calls.isEmpty, "a new alert in a flushed group waits for the next group_interval")
        await h.tick(at: 5 * minute + 30 * second)
        #expect(hook.take().map(\.summary) == [["+Down@a", "+Down@b"]])
    }

    @Test func unchangedGroupRepeatsAfterRepeatInterval() async throws {
        let yaml = Self.config.replacingOccurrences(of: "group_interval: 5m", with: "group_interval: 7m")
            .replacingOccurrences(of: "repeat_interval: 4h", with: "repeat_interval: 1h")
        let hook = RecordingIntegration()
        let h = try DispatchHarness(yaml, receivers: ["team": [hook]])
        try h.post(["alertname": "Down"], endsAt: 5 * hour)
        await h.tick(at: 30 * second)
        #expect(hook.take().count == 1)
        // Flushes every 7 minutes; the one at 56m30s is within the hour since the notification.
        await h.ticks(from: 30 * second + 7 * minute, through: 30 * second + 56 * minute, every: 7 * minute)
        #expect(hook.calls.isEmpty)
        await h.tick(at: 30 * second + 63 * minute)
        #expect(hook.take().map(\.summary) == [["+Down"]])
        await h.tick(at: 30 * second + 70 * minute)
        #expect(hook.calls.isEmpty, "the repeat starts a new repeat_interval")
    }

    @Test func resolvedAlertIsNotifiedOnceThenTheGroupGoes() async throws {
        let hook = RecordingIntegration()
        let h = try DispatchHarness(Self.config, receivers: ["team": [hook]])
        try h.post(["alertname": "Down", "instance": "a"])
        try h.post(["alertname": "Down", "instance": "b"])
        await h.tick(at: 30 * second)
        #expect(hook.take().count == 1)
        h.clock.set(DispatchHarness.t0 + 2 * minute)
        try h.resolve(["alertname": "Down", "instance": "a"])
        await h.tick(at: 5 * minute + 30 * second)
        #expect(hook.take().map(\.summary) == [["-Down@a", "+Down@b"]], "the resolution goes out at the next group_interval")
        h.clock.set(DispatchHarness.t0 + 6 * minute)
        try h.resolve(["alertname": "Down", "instance": "b"])
        await h.tick(at: 10 * minute + 30 * second)
        #expect(hook.take().map(\.summary) == [["-Down@b"]])
        #expect(h.dispatcher.groupCount == 0, "an empty group goes away")
        await h.ticks(from: 15 * minute + 30 * second, through: 5 * hour, every: 5 * minute)
        #expect(hook.calls.isEmpty)
    }

    @Test func resolvedAlertIsNotSentWithoutSendResolvedButTheLogForgetsIt() async throws {
        let hook = RecordingIntegration(sendResolved: false)
        let h = try DispatchHarness(Self.config, receivers: ["team": [hook]])
        try h.post(["alertname": "Down"])
        await h.tick(at: 30 * second)
        #expect(hook.take().count == 1)
        h.clock.set(DispatchHarness.t0 + minute)
        try h.resolve(["alertname": "Down"])
        await h.ticks(from: 5 * minute + 30 * second, through: 20 * minute + 30 * second, every: 5 * minute)
        #expect(hook.calls.isEmpty, "send_resolved: false sends nothing for a resolution")
        #expect(h.dispatcher.groupCount == 0)
        // Firing again is a new problem, notified as such (not held back as a repeat).
        h.clock.set(DispatchHarness.t0 + 21 * minute)
        try h.post(["alertname": "Down"], startsAt: 21 * minute)
        await h.tick(at: 21 * minute + 30 * second)
        #expect(hook.take().map(\.summary) == [["+Down"]])
    }

    @Test func resolvedAlertsAreLeftOutForIntegrationsWithoutSendResolved() async throws {
        let quiet = RecordingIntegration("slack", sendResolved: false)
        let loud = RecordingIntegration("webhook", sendResolved: true)
        let h = try DispatchHarness(Self.config, receivers: ["team": [quiet, loud]])
        try h.post(["alertname": "Down", "instance": "a"])
        try h.post(["alertname": "Down", "instance": "b"])
        await h.tick(at: 30 * second)
        _ = (quiet.take(), loud.take())
        h.clock.set(DispatchHarness.t0 + minute)
        try h.resolve(["alertname": "Down", "instance": "a"])
        await h.tick(at: 5 * minute + 30 * second)
        #expect(loud.take().map(\.summary) == [["-Down@a", "+Down@b"]])
        #expect(quiet.take().isEmpty, "only a resolution: nothing new for an integration that does not send resolved alerts")
    }

    @Test func groupByAllMakesEveryAlertItsOwnGroup() async throws {
        let yaml = Self.config.replacingOccurrences(of: "group_by: [alertname]", with: "group_by: ['...']")
        let hook = RecordingIntegration()
        let h = try DispatchHarness(yaml, receivers: ["team": [hook]])
        try h.post(["alertname": "Down", "instance": "a"])
        try h.post(["alertname": "Down", "instance": "b"])
        await h.tick(at: 30 * second)
        let sent = hook.take().sorted { $0.groupKey < $1.groupKey }
        #expect(sent.map(\.summary) == [["+Down@a"], ["+Down@b"]])
        #expect(sent.map(\.groupLabels) == [Labels(["alertname": "Down", "instance": "a"]), Labels(["alertname": "Down", "instance": "b"])])
        #expect(sent.map(\.groupKey) == [#"{}:{alertname="Down", instance="a"}"#, #"{}:{alertname="Down", instance="b"}"#])
    }

    @Test func groupSnapshotsShowFiringAlertsByGroup() async throws {
        let h = try DispatchHarness(Self.config, receivers: [:])
        try h.post(["alertname": "Down", "instance": "a"])
        try h.post(["alertname": "Up", "instance": "a"], endsAt: 0)
        let groups = h.dispatcher.groupSnapshots(now: h.now)
        #expect(groups.map(\.labels) == [Labels(["alertname": "Down"])], "a group of resolved alerts only is not listed")
        #expect(groups.map(\.receiver) == ["team"])
        #expect(groups.first?.alerts.map { $0.labels["instance"] } == ["a"])
    }
}
