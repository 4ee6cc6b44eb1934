@testable import Alerting
import Foundation
import OspreyCore
import Testing

/// The dispatcher connected to on-call: flushes of alert groups that an escalation policy covers open,
/// keep, resolve and re-open incidents, and their notifications carry the incident's links. Driven by a
/// manual clock; the receivers are recording stand-ins (real notifiers: OnCallNotifierTests).
@Suite struct OnCallDispatchTests {
    static let routing = """
    route:
      receiver: chat
      group_by: [alertname]
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 4h
      routes:
        - matchers: ['severity="critical"']
          receiver: pager
    receivers:
      - name: chat
      - name: pager
    """

    static let onCall = """
    oncall:
      external_url: https://osprey.example.com
      people:
        - {name: alice, email: alice@example.com}
        - {name: bob, email: bob@example.com}
      escalation_policies:
        - name: critical
          receivers: [pager]
          steps:
            - {notify_person: alice, wait: 10m}
            - notify_person: bob
    """

    struct Rig {
        let h: DispatchHarness
        let pager: RecordingIntegration
        let chat: RecordingIntegration
        let engine: EscalationEngine
        let notifier: RecordingNotifier

        /// The group's incident, if any.
        func incident(_ alertname: String) -> Incident? {
            engine.store.incident(groupKey: #"{}/{severity="critical"}:{alertname="\#(alertname)"}"#, receiver: "pager")
        }
    }

    func rig(_ dir: String, onCall: String = OnCallDispatchTests.onCall) throws -> Rig {
        let pager = RecordingIntegration(), chat = RecordingIntegration()
        let h = try DispatchHarness(Self.routing, receivers: ["pager": [pager], "chat": [chat]])
        let notifier = RecordingNotifier()
        let engine = EscalationEngine(config: try onCallConfig(onCall), store: try IncidentStore(directory: dir, nowMs: h.now),
                                      notifier: notifier, clock: h.clock, externalURL: "http://unused")
        h.dispatcher.setEscalation(OnCallEscalation(engine: engine, logger: .init(label: "test")))
        return Rig(h: h, pager: pager, chat: chat, engine: engine, notifier: notifier)
    }

    @Test func criticalGroupOpensAnIncidentAndItsNotificationCarriesTheLinks() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            try r.h.post(["alertname": "DiskFull", "severity": "critical", "instance": "db-1"])
            try r.h.post(["alertname": "Slow", "severity": "warning"])
            await r.h.tick(at: 30 * second)
            let incident = try #require(r.incident("DiskFull"))
            #expect(incident.state == .triggered && incident.policy == "critical")
            #expect(incident.labels == Labels(["alertname": "DiskFull", "severity": "critical", "instance": "db-1"]))
            #expect(incident.summary == "[FIRING:1] DiskFull")
            #expect(r.engine.store.incidents().count == 1, "the warning group's receiver has no policy")

            let sent = try #require(r.pager.take().first)
            let base = "https://osprey.example.com/oncall/incidents/\(incident.id)"
            #expect(sent.links == ["Acknowledge": "\(base)/ack?token=\(incident.token)", "Resolve": "\(base)/resolve?token=\(incident.token)",
                                   "Incident": "https://osprey.example.com/api/oncall/incidents/\(incident.id)"])
            #expect(try #require(r.chat.take().first).links.isEmpty, "a notification without an incident is Alertmanager's")

            // The engine's next tick runs step 1: alice is paged about this incident.
            await r.engine.tick(r.h.now)
            #expect(r.notifier.sent == [.init(to: "alice", step: 1, pass: 1, incident: incident.id)])
            // The timeline says where the group's own notification went, then the page.
            let kinds = try #require(r.incident("DiskFull")).timeline.map { "\($0.kind) \($0.delivery?.target ?? "")" }
            #expect(kinds == ["opened ", "notified route", "escalated ", "notified person"])
            let routed = try #require(r.incident("DiskFull")?.timeline[1])
            #expect(routed.attempts == [ContactAttempt(channel: "webhook", address: "pager", ok: true)] && routed.deliveryIndex == nil)
            // The next flush finds the incident open and changes nothing (the notification log sends nothing new).
            await r.h.tick(at: 5 * minute + 30 * second)
            #expect(r.engine.store.incidents().count == 1 && r.incident("DiskFull")?.timeline.count == 4)
        }
    }

    @Test func resolvingAlertsResolveTheIncidentAndRefiringReopensIt() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            let labels = ["alertname": "DiskFull", "severity": "critical"]
            try r.h.post(labels)
            await r.h.tick(at: 30 * second)
            await r.engine.tick(r.h.now)
            let id = try #require(r.incident("DiskFull")).id
            _ = try await r.engine.acknowledge(id: id, by: "alice", via: "api", at: r.h.now)

            try r.h.resolve(labels)
            await r.h.tick(at: 5 * minute + 30 * second)
            let resolved = try #require(r.incident("DiskFull"))
            #expect(resolved.state == .resolved && resolved.timeline.last { $0.kind == .resolved }?.via == "alerts")
            #expect(r.pager.take().last?.links == ["Incident": "https://osprey.example.com/api/oncall/incidents/\(id)"],
                    "the resolved notification links to the incident, with nothing left to acknowledge")

            // The same alert fires again: its group is new (the old one went with its resolved alert) and
            // the incident re-opens, escalating from step 1.
            r.h.clock.set(DispatchHarness.t0 + 20 * minute)
            try r.h.post(labels)
            await r.h.tick(at: 20 * minute + 30 * second)
            let reopened = try #require(r.incident("DiskFull"))
            #expect(reopened.id == id && reopened.state == .triggered && reopened.timeline.filter { $0.kind == .reopened }.count == 1)
            #expect(r.pager.take().last?.links["Acknowledge"] != nil)
        }
    }

    @Test func anIncidentClosedByHandStaysClosedUntilANewAlertFires() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            try r.h.post(["alertname": "DiskFull", "severity": "critical", "instance": "db-1"])
            await r.h.tick(at: 30 * second)
            let id = try #require(r.incident("DiskFull")).id
            _ = try await r.engine.resolve(id: id, by: "alice", via: "api", at: r.h.now)

            // The alert fires on: later flushes do not undo alice's decision.
            await r.h.ticks(from: 5 * minute + 30 * second, through: 20 * minute + 30 * second, every: 5 * minute)
            #expect(r.incident("DiskFull")?.state == .resolved)

            // A new alert joins the group: that is news, and the incident re-opens.
            r.h.clock.set(DispatchHarness.t0 + 22 * minute)
            try r.h.post(["alertname": "DiskFull", "severity": "critical", "instance": "db-2"])
            await r.h.tick(at: 25 * minute + 30 * second)
            #expect(r.incident("DiskFull")?.state == .triggered)
        }
    }

    @Test func anOpenIncidentKeepsItsLinksWhenAJoiningAlertChangesTheCommonLabels() async throws {
        try await withTempDir { dir in
            let r = try rig(dir, onCall: Self.onCall.replacingOccurrences(of: "receivers: [pager]", with: "matchers: ['team=\"db\"']"))
            try r.h.post(["alertname": "DiskFull", "severity": "critical", "team": "db"])
            await r.h.tick(at: 30 * second)
            #expect(r.incident("DiskFull")?.labels["team"] == "db")
            #expect(r.pager.take().first?.links["Acknowledge"] != nil)
            // A web alert joins the group: the group's common labels no longer say team=db, but its incident
            // is open and its notification still carries the acknowledge link.
            try r.h.post(["alertname": "DiskFull", "severity": "critical", "team": "web"])
            await r.h.tick(at: 5 * minute + 30 * second)
            let next = try #require(r.pager.take().first)
            #expect(next.alerts.count == 2 && next.links["Acknowledge"] != nil)
            #expect(r.engine.store.incidents().count == 1)
        }
    }

    @Test func silencedAlertsOpenNoIncident() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            try r.h.silences.set(Silence(matchers: [SilenceMatcher(name: "alertname", value: "DiskFull", isRegex: false)],
                                         startsAtMs: r.h.now, endsAtMs: r.h.now + hour, createdBy: "ops", comment: "maintenance"))
            try r.h.post(["alertname": "DiskFull", "severity": "critical"])
            await r.h.tick(at: 30 * second)
            #expect(r.engine.store.incidents().isEmpty && r.pager.calls.isEmpty)
            // Once the silence expires, the next flush opens the incident and pages.
            await r.h.tick(at: hour + 30 * second)
            #expect(r.incident("DiskFull")?.state == .triggered)
            #expect(r.pager.take().first?.links["Acknowledge"] != nil)
        }
    }
}

/// Alert groups that go away without a flush of resolved alerts: muted while resolving, regrouped by a
/// reload, or gone after a restart. Their incidents must not page on forever.
@Suite struct OnCallGroupEndTests {
    typealias D = OnCallDispatchTests

    func rig(_ dir: String, routing: String = D.routing) throws -> (DispatchHarness, EscalationEngine) {
        let h = try DispatchHarness(routing, receivers: ["pager": [RecordingIntegration()], "chat": [RecordingIntegration()]])
        let dispatcher = h.dispatcher
        let engine = EscalationEngine(config: try onCallConfig(D.onCall), store: try IncidentStore(directory: dir, nowMs: h.now),
                                      notifier: RecordingNotifier(), clock: h.clock, externalURL: "http://unused",
                                      groupExists: { dispatcher.group(key: $0, receiver: $1) != nil })
        h.dispatcher.setEscalation(OnCallEscalation(engine: engine, logger: .init(label: "test")))
        return (h, engine)
    }

    // t0 is 14:13:20 UTC; the pager route is muted 14:30–15:00.
    @Test func aGroupResolvingWhileMutedResolvesItsIncident() async throws {
        let routing = D.routing.replacingOccurrences(of: "          receiver: pager", with: "          receiver: pager\n          mute_time_intervals: [maint]")
            + "\ntime_intervals:\n  - name: maint\n    time_intervals: [{times: [{start_time: '14:30', end_time: '15:00'}]}]\n"
        try await withTempDir { dir in
            let (h, engine) = try rig(dir, routing: routing)
            let labels = ["alertname": "DiskFull", "severity": "critical"]
            try h.post(labels)
            await h.tick(at: 30 * second)
            #expect(engine.store.incidents().first?.state == .triggered)
            h.clock.set(DispatchHarness.t0 + 17 * minute)
            try h.resolve(labels)
            await h.tick(at: 20 * minute + 30 * second)
            #expect(h.dispatcher.groupCount == 0, "the group went away in the muted flush")
            let incident = try #require(engine.store.incidents().first)
            #expect(incident.state == .resolved && incident.timeline.last { $0.kind == .resolved }?.via == "alerts")
        }
    }

    @Test func aReloadThatRegroupsAlertsResolvesTheOldGroupsIncident() async throws {
        try await withTempDir { dir in
            let (h, engine) = try rig(dir)
            let labels = ["alertname": "DiskFull", "severity": "critical", "instance": "db-1"]
            try h.post(labels)
            await h.tick(at: 30 * second)
            let old = try #require(engine.store.incidents().first)
            let next = try AlertmanagerConfig.parse(D.routing.replacingOccurrences(of: "group_by: [alertname]", with: "group_by: [alertname, instance]"),
                                                    file: "alertmanager.yml")
            h.dispatcher.apply(routing: next, integrations: h.provider)
            let closed = await poll { engine.store.incident(id: old.id)?.state == .resolved }
            #expect(closed, "the old group's incident is closed by the reload")
            #expect(engine.store.incident(id: old.id)?.timeline.last?.via == "reload")
            // The regrouped alert opens the new group's incident at its flush, which its resolution closes.
            await h.tick(at: 2 * minute)
            let new = try #require(engine.store.incidents().first { $0.id != old.id })
            #expect(new.groupKey.contains("instance=\"db-1\"") && new.state == .triggered)
            h.clock.set(DispatchHarness.t0 + 3 * minute)
            try h.resolve(labels)
            await h.tick(at: 8 * minute)
            #expect(engine.store.incidents().allSatisfy { $0.state == .resolved })
        }
    }

    @Test func anIncidentWhoseGroupIsMissingResolvesAfterTheGraceButOnesOpenedByHandStay() async throws {
        try await withTempDir { dir in
            let (h, engine) = try rig(dir)
            try h.post(["alertname": "DiskFull", "severity": "critical"])
            await h.tick(at: 30 * second)
            let routed = try #require(engine.store.incidents().first)
            let byHand = try #require(try await engine.open(groupKey: "manual", receiver: "pager", labels: Labels(["severity": "critical"]),
                                                            summary: "by hand", at: h.now, via: "api"))
            // The dispatcher loses its groups (as a restart does) and nobody sends the alerts again.
            h.dispatcher.stop()
            let empty = try DispatchHarness(D.routing, receivers: [:], clock: h.clock)
            let engine2 = EscalationEngine(config: try onCallConfig(D.onCall), store: engine.store, notifier: RecordingNotifier(), clock: h.clock,
                                           externalURL: "http://unused", groupExists: { empty.dispatcher.group(key: $0, receiver: $1) != nil })
            await engine2.tick(h.now)
            h.clock.advance(EscalationEngine.missingGroupGraceMs - second)
            await engine2.tick(h.now)
            #expect(engine.store.incident(id: routed.id)?.state == .triggered, "still within the grace")
            h.clock.advance(second)
            await engine2.tick(h.now)
            let gone = try #require(engine.store.incident(id: routed.id))
            #expect(gone.state == .resolved && gone.timeline.last?.via == "gone" && gone.timeline.last?.error?.contains("stopped arriving") == true)
            #expect(engine.store.incident(id: byHand.id)?.state != .resolved, "an incident opened by hand has no group to miss")
        }
    }
}

/// Polls `condition` every 10 ms, for 60 s at most, for work started elsewhere (a bound for a broken run).
func poll(_ condition: @escaping () -> Bool) async -> Bool {
    for _ in 0..<6000 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
