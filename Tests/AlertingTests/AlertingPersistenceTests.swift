import Alerting
import Foundation
import OspreyCore
import Testing

@Suite struct AlertingPersistenceTests {
    let minute: Int64 = 60_000
    let t0: Int64 = 1_800_000_000_000

    func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "osprey-alerting-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func silence(_ value: String, id: String = "") -> Silence {
        Silence(id: id, matchers: [SilenceMatcher(name: "job", value: value)], startsAtMs: t0, endsAtMs: t0 + 60 * minute,
                createdBy: "ops", comment: "c \(value)")
    }

    @Test func silencesSurviveReopen() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = ManualClock(t0)
        var ids: [String] = []
        do {
            let s = try Silences(directory: dir, clock: clock)
            for v in ["a", "b", "c"] { ids.append(try s.set(silence(v))) }
            clock.advance(minute)
            try s.expire(id: ids[1])
            try s.set(silence("a", id: ids[0]).with(endsAtMs: t0 + 90 * minute))
        }
        let again = try Silences(directory: dir, clock: clock)
        #expect(again.count == 3)
        #expect(again.get(id: ids[0])?.endsAtMs == t0 + 90 * minute)
        #expect(again.get(id: ids[1])?.state(at: clock.nowMs()) == .expired)
        #expect(again.get(id: ids[2]) == silence("c", id: ids[2]).with(updatedAtMs: t0))
        #expect(again.mutes(Labels(["job": "c"]), now: clock.nowMs()) == [ids[2]])
    }

    @Test func gcRewritesTheFileAndReopenAgrees() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = ManualClock(t0)
        var options = Silences.Options()
        options.retentionMs = minute
        let s = try Silences(directory: dir, clock: clock, options: options)
        let keep = try s.set(Silence(matchers: [SilenceMatcher(name: "a", value: "1")], startsAtMs: t0, endsAtMs: t0 + 600 * minute, createdBy: "", comment: ""))
        try s.set(silence("x"))
        let path = dir + "/" + AlertingFiles.silences
        let before = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(try s.gc(now: t0 + 61 * minute) == 1)
        let after = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(after < before)
        let reopened = try Silences(directory: dir, clock: clock, options: options)
        #expect(reopened.query(now: t0).map(\.id) == [keep])
    }

    /// A crash in the middle of a write leaves part of a frame at the end: the intact records load, the torn
    /// tail is cut, and appending afterwards works.
    @Test(arguments: [1, 5, 9, 30])
    func tornTailIsCutAndReported(cutBytes: Int) throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = ManualClock(t0)
        let path = dir + "/" + AlertingFiles.silences
        let first: String
        do {
            let s = try Silences(directory: dir, clock: clock)
            first = try s.set(silence("a"))
            try s.set(silence("b"))
        }
        let data = try #require(FileManager.default.contents(atPath: path))
        try data.prefix(data.count - cutBytes).write(to: URL(fileURLWithPath: path))
        let s = try Silences(directory: dir, clock: clock)
        #expect(s.query(now: t0).map(\.id) == [first])
        let third = try s.set(silence("c"))
        let reopened = try Silences(directory: dir, clock: clock)
        #expect(Set(reopened.query(now: t0).map(\.id)) == [first, third])
    }

    @Test func corruptByteInLastRecordIsCut() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = ManualClock(t0)
        let path = dir + "/" + AlertingFiles.silences
        let first: String
        do {
            let s = try Silences(directory: dir, clock: clock)
            first = try s.set(silence("a"))
            try s.set(silence("b"))
        }
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        bytes[bytes.count - 3] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let s = try Silences(directory: dir, clock: clock)
        #expect(s.query(now: t0).map(\.id) == [first])
    }

    @Test func notAnAlertingLogIsRefused() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "hello".write(toFile: dir + "/" + AlertingFiles.silences, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try Silences(directory: dir, clock: ManualClock(t0)) }
    }

    @Test func notificationLogSurvivesReopenSoARestartDoesNotResend() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = NotificationLogKey(groupKey: "g", receiver: "pager", integration: "webhook", index: 0)
        // Fingerprints use all 64 bits; they must come back exactly.
        let big = Fingerprint(hex: "fedcba9876543211")!.value
        do {
            let log = try NotificationLog(directory: dir)
            try log.log(key, firing: [1, big], resolved: [], now: t0)
        }
        let log = try NotificationLog(directory: dir)
        #expect(log.entry(key)?.firing == [1, big])
        #expect(!log.needsUpdate(key, firing: [1, big], resolved: [], sendResolved: true, repeatIntervalMs: 60 * minute, now: t0 + minute))
    }
}

extension Silence {
    func with(endsAtMs: Int64) -> Silence { var s = self; s.endsAtMs = endsAtMs; return s }
    func with(updatedAtMs: Int64) -> Silence { var s = self; s.updatedAtMs = updatedAtMs; return s }
}
