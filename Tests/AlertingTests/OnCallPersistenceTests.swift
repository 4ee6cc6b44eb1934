@testable import Alerting
import Foundation
import OspreyCore
import Testing

@Suite struct OnCallPersistenceTests {
    typealias E = OnCallEscalationTests

    @Test func restartResumesEscalationAtTheRightStepWithoutRepeatingOne() async throws {
        try await withTempDir { dir in
            let first = try E().rig(dir)
            let incident = try await E().open(first)
            await first.engine.tick(E.t0)
            await first.engine.tick(E.t0 + 10 * minuteMs)
            #expect(first.notifier.recipients == ["alice", "carol"])

            // A new process: the store is replayed from disk.
            let second = try E().rig(dir)
            #expect(second.store.repaired == nil)
            let replayed = try #require(second.store.incident(id: incident.id))
            #expect(replayed.nextEscalation == EscalationPoint(pass: 1, step: 3, atMs: E.t0 + 25 * minuteMs))
            await second.engine.tick(E.t0 + 12 * minuteMs)
            #expect(second.notifier.recipients.isEmpty, "steps already done are not repeated")
            await second.engine.tick(E.t0 + 25 * minuteMs)
            #expect(second.notifier.recipients == ["receiver:team-chat"])
            _ = try await second.engine.acknowledge(id: incident.id, by: "carol", via: "link", at: E.t0 + 26 * minuteMs)

            let third = try E().rig(dir)
            let acked = try #require(third.store.incident(id: incident.id))
            #expect(acked.state == .acknowledged && acked.acknowledgedBy == "carol")
            #expect(acked.timeline.map(\.kind) == [.opened, .escalated, .notified, .escalated, .notified, .escalated, .notified, .acknowledged])
            #expect(third.store.tokenMatches(id: incident.id, token: replayed.token))
            #expect(!third.store.tokenMatches(id: incident.id, token: String(repeating: "0", count: replayed.token.count)))
            // A new incident continues the numbering.
            let next = try #require(try await third.engine.open(groupKey: "other", receiver: "pager", labels: E.critical, summary: "", at: E.t0))
            #expect(Int(next.id) == Int(incident.id)! + 1)
        }
    }

    @Test func deliveriesOfAStepCutShortByACrashAreSentAfterRestart() async throws {
        try await withTempDir { dir in
            let first = try E().rig(dir)
            let incident = try await E().open(first)
            // The step is recorded, then the process dies before its notification is recorded.
            var e = TimelineEntry(.escalated, atMs: E.t0)
            e.pass = 1
            e.step = 1
            e.deliveries = [Delivery(target: "schedule", name: "primary", person: "alice"), Delivery(target: "receiver", name: "team-chat", person: nil)]
            e.next = EscalationPoint(pass: 1, step: 2, atMs: E.t0 + 10 * minuteMs)
            try first.store.record(incident.id, e)
            var n = TimelineEntry(.notified, atMs: E.t0)
            n.deliveryIndex = 0
            n.delivery = e.deliveries![0]
            n.attempts = [ContactAttempt(channel: "email", address: "alice@example.com", ok: true)]
            try first.store.record(incident.id, n)

            let second = try E().rig(dir)
            await second.engine.tick(E.t0 + minuteMs)
            #expect(second.notifier.recipients == ["receiver:team-chat"], "only the unsent delivery goes out")
            await second.engine.tick(E.t0 + 10 * minuteMs)
            #expect(second.notifier.recipients == ["receiver:team-chat", "carol"])
        }
    }

    @Test func tornLogTailIsCutOffAndReported() async throws {
        try await withTempDir { dir in
            let first = try E().rig(dir)
            let incident = try await E().open(first)
            await first.engine.tick(E.t0)
            _ = try await first.engine.acknowledge(id: incident.id, by: "alice", via: "api", at: E.t0 + minuteMs)
            let path = dir + "/" + AlertingFiles.incidentsLog
            let whole = try Data(contentsOf: URL(fileURLWithPath: path))
            // Cut the last record (the acknowledgement) in half, as a crash mid-write would.
            let lastFrame = try #require(frameOffsets(Array(whole)).last)
            let torn = whole.prefix(lastFrame + (whole.count - lastFrame) / 2)
            try torn.write(to: URL(fileURLWithPath: path))

            let second = try E().rig(dir)
            let repaired = try #require(second.store.repaired)
            #expect(repaired.contains("cut \(torn.count - lastFrame) bytes") && repaired.contains("offset \(lastFrame)"))
            let i = try #require(second.store.incident(id: incident.id))
            #expect(i.state == .triggered && i.timeline.last?.kind == .notified, "everything before the torn record is kept")
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
            #expect(size == lastFrame, "the torn bytes are gone from the file")
            // New records append cleanly after the cut.
            _ = try await second.engine.acknowledge(id: incident.id, by: "bob", via: "api", at: E.t0 + 2 * minuteMs)
            let third = try E().rig(dir)
            #expect(third.store.repaired == nil && third.store.incident(id: incident.id)?.acknowledgedBy == "bob")
        }
    }

    @Test func corruptRecordInTheMiddleEndsTheReplayThere() async throws {
        try await withTempDir { dir in
            let first = try E().rig(dir)
            let incident = try await E().open(first)
            await first.engine.tick(E.t0)
            let path = dir + "/" + AlertingFiles.incidentsLog
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            let frames = frameOffsets(bytes)
            bytes[frames[1] + 8 + 3] ^= 0xFF  // flip a payload byte of the second record
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let second = try E().rig(dir)
            #expect(second.store.repaired != nil)
            #expect(second.store.incident(id: incident.id)?.timeline.map(\.kind) == [.opened])
        }
    }

    /// Start offsets of each frame in an incidents log.
    func frameOffsets(_ b: [UInt8]) -> [Int] {
        var out: [Int] = []
        var at = IncidentLog.magic.count
        while at + 8 <= b.count {
            out.append(at)
            let len = Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
            at += 8 + len
        }
        return out
    }

    @Test func resolvedIncidentsPastRetentionAreDroppedAtStart() async throws {
        try await withTempDir { dir in
            let r = try E().rig(dir)
            let old = try #require(try await r.engine.open(groupKey: "old", receiver: "pager", labels: E.critical, summary: "", at: E.t0))
            _ = try await r.engine.resolve(id: old.id, by: "alice", via: "api", at: E.t0 + minuteMs)
            let open = try #require(try await r.engine.open(groupKey: "open", receiver: "pager", labels: E.critical, summary: "", at: E.t0))
            let newest = try #require(try await r.engine.open(groupKey: "new", receiver: "pager", labels: E.critical, summary: "", at: E.t0))
            _ = try await r.engine.resolve(id: newest.id, by: "alice", via: "api", at: E.t0 + minuteMs)

            let later = E.t0 + 31 * 86_400_000
            let kept = try IncidentStore(directory: dir, retentionMs: 30 * 86_400_000, nowMs: later)
            #expect(kept.incident(id: old.id) == nil, "resolved more than 30 days ago")
            #expect(kept.incident(id: open.id)?.state == .triggered, "open incidents are kept whatever their age")
            #expect(kept.incident(id: newest.id) != nil, "the newest incident is kept so ids keep counting up")
            // The log was rewritten: a fresh replay sees the same, without repairs.
            let again = try IncidentStore(directory: dir, retentionMs: 30 * 86_400_000, nowMs: later)
            #expect(again.repaired == nil && again.incidents().map(\.id) == [newest.id, open.id])
            #expect(again.incident(groupKey: "old", receiver: "pager") == nil)
        }
    }
}
