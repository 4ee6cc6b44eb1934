@testable import Alerting
import Foundation
import OspreyCore
import Testing

@Suite struct OnCallEscalationTests {
    static func yaml(repeatCount: Int = 0) -> String {
        """
        oncall:
          external_url: https://osprey.example.com/
          people:
            - {name: alice, email: alice@example.com}
            - {name: bob, email: bob@example.com}
            - {name: carol, email: carol@example.com}
          schedules:
            - name: primary
              time_zone: UTC
              layers:
                - {rotation: daily, handoff: "09:00", start: 2026-01-01, participants: [alice, bob]}
          escalation_policies:
            - name: critical
              receivers: [pager]
              matchers: ['severity=~"critical|error"']
              steps:
                - notify_schedule: primary
                  wait: 10m
                - notify_person: carol
                  wait: 15m
                - notify_receiver: team-chat
                  wait: 5m
              repeat: \(repeatCount)
        """
    }

    /// 2026-01-05 10:00Z: alice is on call (days since the start alternate alice, bob; the 5th is alice).
    static let t0 = ms("2026-01-05T10:00:00Z")
    static let critical = Labels(["alertname": "DiskFull", "severity": "critical"])

    struct Rig {
        let engine: EscalationEngine
        let notifier: RecordingNotifier
        let store: IncidentStore
    }

    func rig(_ dir: String, repeatCount: Int = 0, notifier: RecordingNotifier = RecordingNotifier()) throws -> Rig {
        let store = try IncidentStore(directory: dir, nowMs: Self.t0)
        let engine = EscalationEngine(config: try onCallConfig(Self.yaml(repeatCount: repeatCount)), store: store, notifier: notifier,
                                      clock: ManualClock(Self.t0), externalURL: "http://127.0.0.1:9700")
        return Rig(engine: engine, notifier: notifier, store: store)
    }

    func open(_ rig: Rig, at: Int64 = t0) async throws -> Incident {
        try #require(try await rig.engine.open(groupKey: "{}:{alertname=\"DiskFull\"}", receiver: "pager", labels: Self.critical,
                                               summary: "DiskFull on db-1", at: at))
    }

    @Test func unacknowledgedPageEscalatesThroughTheLevelsAfterEachWait() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            let incident = try await open(r)
            #expect(incident.state == .triggered && incident.policy == "critical")
            await r.engine.tick(Self.t0)
            #expect(r.notifier.recipients == ["alice"], "step 1 pages whoever is on call")
            await r.engine.tick(Self.t0 + 10 * minuteMs - 1)
            #expect(r.notifier.recipients == ["alice"], "nothing before the wait is over")
            await r.engine.tick(Self.t0 + 10 * minuteMs)
            #expect(r.notifier.recipients == ["alice", "carol"], "step 2 after 10m")
            await r.engine.tick(Self.t0 + 25 * minuteMs)
            #expect(r.notifier.recipients == ["alice", "carol", "receiver:team-chat"], "step 3 after 15m more")
            await r.engine.tick(Self.t0 + 30 * minuteMs)
            await r.engine.tick(Self.t0 + 5 * hourMs)
            #expect(r.notifier.recipients.count == 3, "no repeat configured")
            let i = try #require(r.store.incident(id: incident.id))
            #expect(i.timeline.map(\.kind) == [.opened, .escalated, .notified, .escalated, .notified, .escalated, .notified, .exhausted])
            #expect(i.timeline[1].deliveries == [Delivery(target: "schedule", name: "primary", person: "alice")])
            #expect(i.timeline[2].delivered && i.timeline[2].attempts?.first?.address == "alice@example.com")
            #expect(i.timeline[7].atMs == Self.t0 + 30 * minuteMs)
            #expect(i.nextEscalation == nil && i.state == .triggered)
            let notice = try #require(r.notifier.notices.first)
            #expect(notice.acknowledgeURL.hasPrefix("https://osprey.example.com/oncall/incidents/\(incident.id)/ack?token="))
            #expect(notice.acknowledgeURL.hasSuffix("&by=alice"))
        }
    }

    @Test func acknowledgementStopsEscalation() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            let incident = try await open(r)
            await r.engine.tick(Self.t0)
            let acked = try await r.engine.acknowledge(id: incident.id, by: "alice", via: "api", at: Self.t0 + 4 * minuteMs)
            #expect(acked.state == .acknowledged && acked.acknowledgedBy == "alice")
            for m in [10, 25, 60, 600] { await r.engine.tick(Self.t0 + Int64(m) * minuteMs) }
            #expect(r.notifier.recipients == ["alice"], "nobody else is paged once acknowledged")
            let last = try #require(r.store.incident(id: incident.id)?.timeline.last)
            #expect(last.kind == .acknowledged && last.by == "alice" && last.via == "api")
            // Acknowledging again changes nothing.
            let again = try await r.engine.acknowledge(id: incident.id, by: "bob", via: "api", at: Self.t0 + 20 * minuteMs)
            #expect(again.acknowledgedBy == "alice" && again.timeline.count == acked.timeline.count)
        }
    }

    @Test func wholePolicyRepeatsKTimesThenStops() async throws {
        try await withTempDir { dir in
            let r = try rig(dir, repeatCount: 1)
            _ = try await open(r)
            var t = Self.t0
            for _ in 0..<20 {
                await r.engine.tick(t)
                t += 5 * minuteMs
            }
            #expect(r.notifier.recipients == ["alice", "carol", "receiver:team-chat", "alice", "carol", "receiver:team-chat"])
            #expect(r.notifier.sent.map(\.pass) == [1, 1, 1, 2, 2, 2])
            #expect(r.notifier.sent.map(\.step) == [1, 2, 3, 1, 2, 3])
        }
    }

    @Test func resolveClosesAndRefireReopensAndRestartsEscalation() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            let incident = try await open(r)
            await r.engine.tick(Self.t0)
            let resolved = try await r.engine.resolve(id: incident.id, by: "bob", via: "api", at: Self.t0 + minuteMs)
            #expect(resolved.state == .resolved && resolved.resolvedBy == "bob")
            await r.engine.tick(Self.t0 + 30 * minuteMs)
            #expect(r.notifier.recipients == ["alice"])
            await #expect(throws: OnCallError.alreadyResolved(incident.id)) {
                try await r.engine.acknowledge(id: incident.id, by: "alice", via: "api", at: Self.t0 + 31 * minuteMs)
            }
            // The group fires again: the same incident re-opens and escalation starts over at step 1.
            let refire = Self.t0 + hourMs
            let reopened = try await open(r, at: refire)
            #expect(reopened.id == incident.id && reopened.state == .triggered)
            await r.engine.tick(refire)
            await r.engine.tick(refire + 10 * minuteMs)
            #expect(r.notifier.recipients == ["alice", "alice", "carol"])
            // Its alerts resolve: resolved by the alerts, not a person.
            let closed = try #require(try await r.engine.alertsResolved(groupKey: incident.groupKey, receiver: "pager", at: refire + 11 * minuteMs))
            #expect(closed.state == .resolved && closed.resolvedBy == nil)
            let kinds = closed.timeline.map(\.kind)
            #expect(kinds.filter { $0 == .reopened }.count == 1 && kinds.last == .resolved && closed.timeline.last?.via == "alerts")
        }
    }

    @Test func groupsNoPolicyEscalatesGetNoIncident() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            let none = try await r.engine.open(groupKey: "g", receiver: "pager", labels: Labels(["severity": "warning"]), summary: "", at: Self.t0)
            #expect(none == nil)
            let other = try await r.engine.open(groupKey: "g", receiver: "email", labels: Self.critical, summary: "", at: Self.t0)
            #expect(other == nil, "the policy applies to the pager receiver only")
            #expect(r.store.incidents().isEmpty)
        }
    }

    @Test func failedPageIsRecordedWithItsError() async throws {
        try await withTempDir { dir in
            let notifier = RecordingNotifier()
            notifier.failing = ["alice"]
            let r = try rig(dir, notifier: notifier)
            let incident = try await open(r)
            await r.engine.tick(Self.t0)
            let entry = try #require(r.store.incident(id: incident.id)?.timeline.last)
            #expect(entry.kind == .notified && !entry.delivered && entry.error == "550 mailbox unavailable")
        }
    }

    @Test func openingAFiringGroupAgainChangesNothing() async throws {
        try await withTempDir { dir in
            let r = try rig(dir)
            let first = try await open(r)
            await r.engine.tick(Self.t0)
            let again = try await open(r, at: Self.t0 + minuteMs)
            #expect(again.id == first.id && again.timeline.count == 3, "same incident, no new entries")
            await r.engine.tick(Self.t0 + minuteMs)
            #expect(r.notifier.recipients == ["alice"], "escalation is not restarted")
            #expect(r.store.incidents().count == 1)
        }
    }
}
