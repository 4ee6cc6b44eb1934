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
