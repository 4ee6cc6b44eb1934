import Alerting
import Foundation
import OspreyCore
import Testing

@Suite struct NotificationLogTests {
    let minute: Int64 = 60_000
    let t0: Int64 = 1_800_000_000_000
    let key = NotificationLogKey(groupKey: "{}:{alertname=\"Down\"}", receiver: "pager", integration: "webhook", index: 0)

    @Test func dedupFollowsAlertmanagersRules() throws {
        let log = try NotificationLog(directory: nil)
        let repeatMs = 60 * minute
        func needs(_ firing: Set<UInt64>, _ resolved: Set<UInt64> = [], sendResolved: Bool = true, at now: Int64) -> Bool {
            log.needsUpdate(key, firing: firing, resolved: resolved, sendResolved: sendResolved, repeatIntervalMs: repeatMs, now: now)
        }
        // Never notified: send when something fires, not for resolved-only groups.
        #expect(needs([1], at: t0))
        #expect(!needs([], [1], at: t0))
        try log.log(key, firing: [1, 2], resolved: [], now: t0)
        // The same set within repeat_interval: no; a subset: no; a new alert: yes.
        #expect(!needs([1, 2], at: t0 + 59 * minute))
        #expect(!needs([1], sendResolved: false, at: t0 + minute))
        #expect(needs([1, 2, 3], at: t0 + minute))
        // A newly resolved alert: yes with send_resolved, no without.
        #expect(needs([1], [2], sendResolved: true, at: t0 + minute))
        #expect(!needs([1], [2], sendResolved: false, at: t0 + minute))
        // All resolved after something was firing: yes (clears the receiver's view).
        #expect(needs([], [1, 2], sendResolved: false, at: t0 + minute))
        // repeat_interval passed: yes.
        #expect(needs([1, 2], at: t0 + 60 * minute + 1))
        // After an all-resolved notification, nothing firing again: no.
        try log.log(key, firing: [], resolved: [1, 2], now: t0 + 2 * minute)
        #expect(!needs([], [1, 2], at: t0 + 3 * minute))
    }

    @Test func entriesExpireAfterRetention() throws {
        var options = NotificationLog.Options()
        options.retentionMs = 10 * minute
        let log = try NotificationLog(directory: nil, options: options)
        try log.log(key, firing: [7], resolved: [], now: t0)
        #expect(log.entry(key)?.expiresAtMs == t0 + 10 * minute)
        #expect(try log.gc(now: t0 + 10 * minute - 1) == 0)
        #expect(try log.gc(now: t0 + 10 * minute) == 1)
        #expect(log.entry(key) == nil)
    }

    @Test func queryByGroup() throws {
        let log = try NotificationLog(directory: nil)
        let other = NotificationLogKey(groupKey: key.groupKey, receiver: "chat", integration: "slack", index: 1)
        try log.log(key, firing: [1], resolved: [], now: t0)
        try log.log(other, firing: [1], resolved: [], now: t0)
        try log.log(NotificationLogKey(groupKey: "g2", receiver: "chat", integration: "slack", index: 0), firing: [3], resolved: [], now: t0)
        #expect(log.query(groupKey: key.groupKey).map(\.key.receiver) == ["chat", "pager"])
        #expect(log.query(groupKey: key.groupKey, receiver: "pager").map(\.key) == [key])
    }
}
