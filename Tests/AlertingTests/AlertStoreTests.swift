import Alerting
import Foundation
import OspreyCore
import Testing

@Suite struct AlertStoreTests {
    let minute: Int64 = 60_000
    let t0: Int64 = 1_800_000_000_000

    func labels(_ pairs: KeyValuePairs<String, String>) -> Labels { Labels(pairs) }

    @Test func fingerprintsAreAlertmanagers() {
        // Values read from the Debian prometheus-alertmanager 0.25 for the same label sets.
        #expect(Fingerprint(labels: labels(["alertname": "test", "severity": "critical"])).description == "40801dbbada52816")
        #expect(Fingerprint(labels: labels(["alertname": "Disk", "instance": "host:9100"])).description == "6c5038e35243277a")
        #expect(Fingerprint(hex: "40801dbbada52816") == Fingerprint(labels: labels(["alertname": "test", "severity": "critical"])))
    }

    @Test func alertWithoutEndResolvesAfterResolveTimeout() throws {
        let clock = ManualClock(t0)
        var options = AlertStore.Options()
        options.resolveTimeoutMs = 5 * minute
        let store = AlertStore(clock: clock, options: options)
        let stored = try store.put([PostableAlert(labels: labels(["alertname": "A"]))])
        #expect(stored[0].startsAtMs == t0)
        #expect(stored[0].endsAtMs == t0 + 5 * minute)
        #expect(stored[0].timeout)
        #expect(!stored[0].isResolved(at: t0 + 5 * minute - 1))
        #expect(stored[0].isResolved(at: t0 + 5 * minute))
        // Re-posting keeps it firing: the end moves on, the start stays.
        clock.advance(4 * minute)
        let again = try store.put([PostableAlert(labels: labels(["alertname": "A"]))])
        #expect(again[0].startsAtMs == t0)
        #expect(again[0].endsAtMs == t0 + 9 * minute)
        // GC keeps firing alerts, drops resolved ones.
        #expect(store.gc(now: t0 + 9 * minute - 1).isEmpty)
        #expect(store.gc(now: t0 + 9 * minute).map(\.labels) == [labels(["alertname": "A"])])
        #expect(store.count == 0)
    }

    @Test func onlyEndsAtGivenStartsAtIsTheEnd() throws {
        let store = AlertStore(clock: ManualClock(t0))
        let a = try store.put([PostableAlert(labels: labels(["alertname": "A"]), endsAtMs: t0 - minute)])[0]
        #expect(a.startsAtMs == t0 - minute)
        #expect(a.isResolved(at: t0))
        #expect(!a.timeout)
    }

    @Test func mergeKeepsEarliestStartAndLatestExplicitEnd() throws {
        let clock = ManualClock(t0)
        let store = AlertStore(clock: clock)
        let l = labels(["alertname": "A"])
        try store.put([PostableAlert(labels: l, startsAtMs: t0 - 10 * minute, endsAtMs: t0 + 60 * minute)])
        clock.advance(minute)
        // A later post with a later start and an earlier, explicit end inside the stored range: merged.
        let m = try store.put([PostableAlert(labels: l, startsAtMs: t0 - 5 * minute, endsAtMs: t0 + 30 * minute)])[0]
        #expect(m.startsAtMs == t0 - 10 * minute)
        // Newer is firing and the older end is later and explicit: the older end wins.
        #expect(m.endsAtMs == t0 + 60 * minute)
        #expect(m.updatedAtMs == t0 + minute)
    }

    @Test func mergeDoesNotKeepATimeoutEnd() throws {
        let clock = ManualClock(t0)
        let store = AlertStore(clock: clock)
        let l = labels(["alertname": "A"])
        try store.put([PostableAlert(labels: l)]) // ends t0+5m by timeout
        clock.advance(minute)
        let m = try store.put([PostableAlert(labels: l, endsAtMs: t0 + 2 * minute)])[0]
        // The resolving post wins over the timeout end; the start stays the first one.
        #expect(m.endsAtMs == t0 + 2 * minute)
        #expect(m.startsAtMs == t0)
        #expect(!m.timeout)
    }

    @Test func bothResolvedKeepsLatestEnd() {
        let old = Alert(labels: labels(["a": "1"]), annotations: [:], startsAtMs: 0, endsAtMs: 50, updatedAtMs: 10, generatorURL: "", timeout: false)
        let new = Alert(labels: labels(["a": "1"]), annotations: [:], startsAtMs: 5, endsAtMs: 40, updatedAtMs: 20, generatorURL: "", timeout: false)
        let m = old.merged(with: new, now: 100)
        #expect(m.startsAtMs == 0)
        #expect(m.endsAtMs == 50)
        #expect(m.updatedAtMs == 20)
        // The order of the arguments does not matter: the younger one is the base.
        #expect(new.merged(with: old, now: 100) == m)
    }

    @Test func nonOverlappingRepostReplaces() throws {
        let clock = ManualClock(t0)
        let store = AlertStore(clock: clock)
        let l = labels(["alertname": "A"])
        try store.put([PostableAlert(labels: l, startsAtMs: t0 - 60 * minute, endsAtMs: t0 - 50 * minute)])
        // A new firing of the same alert after the old one ended starts fresh.
        let m = try store.put([PostableAlert(labels: l, startsAtMs: t0)])[0]
        #expect(m.startsAtMs == t0)
    }

    @Test func invalidBatchStoresNothing() throws {
        let store = AlertStore(clock: ManualClock(t0))
        let batch = [PostableAlert(labels: labels(["alertname": "ok"])), PostableAlert(labels: labels(["bad-name": "x"]))]
        let error = try #require(throws: AlertInputError.self) { try store.put(batch) }
        #expect(error.index == 1)
        #expect(error.field == "labels")
        #expect(error.description.contains("bad-name"))
        #expect(store.count == 0)
        #expect(throws: AlertInputError.self) { try store.put([PostableAlert(labels: Labels([Label]()))]) }
        let backwards = try #require(throws: AlertInputError.self) {
            try store.put([PostableAlert(labels: labels(["a": "b"]), startsAtMs: t0, endsAtMs: t0 - 1)])
        }
        #expect(backwards.field == "endsAt")
        #expect(store.count == 0)
    }

    @Test func limitRefusesNewAlertsButAcceptsUpdates() throws {
        var options = AlertStore.Options()
        options.alertsMax = 2
        let store = AlertStore(clock: ManualClock(t0), options: options)
        try store.put([PostableAlert(labels: labels(["a": "1"])), PostableAlert(labels: labels(["a": "2"]))])
        let error = try #require(throws: AlertInputError.self) { try store.put([PostableAlert(labels: labels(["a": "3"]))]) }
        #expect(error.description.contains("alertsMax"))
        try store.put([PostableAlert(labels: labels(["a": "1"]))])
        #expect(store.count == 2)
    }

    @Test func subscribersSeeStoredAlerts() throws {
        let store = AlertStore(clock: ManualClock(t0))
        let seen = Box()
        let sub = store.subscribe { alerts in seen.append(alerts.map(\.labels)) }
        try store.put([PostableAlert(labels: labels(["a": "1"]))])
        store.unsubscribe(sub)
        try store.put([PostableAlert(labels: labels(["a": "2"]))])
        #expect(seen.values == [[labels(["a": "1"])]])
        // A late subscriber can ask for what is already stored first.
        let late = Box()
        let sub2 = store.subscribe(replayingCurrent: true) { alerts in late.append(alerts.map(\.labels)) }
        try store.put([PostableAlert(labels: labels(["a": "3"]))])
        store.unsubscribe(sub2)
        #expect(late.values == [[labels(["a": "1"]), labels(["a": "2"])].sorted { Fingerprint(labels: $0) < Fingerprint(labels: $1) }, [labels(["a": "3"])]])
    }
}

@Suite struct AlertOrderTests {
    func alert(_ pairs: KeyValuePairs<String, String>) -> Alert {
        Alert(labels: Labels(pairs), annotations: [:], startsAtMs: 0, endsAtMs: 1, updatedAtMs: 0, generatorURL: "", timeout: false)
    }

    @Test func groupsAlertsAsAlertmanagerLists() {
        // Fewer labels first; a missing name sorts first; then values.
        #expect(AlertOrder.labelsBefore(Labels(["z": "z"]), Labels(["a": "a", "b": "b"])))
        #expect(AlertOrder.labelsBefore(Labels(["a": "1", "c": "1"]), Labels(["b": "1", "c": "1"])) == false)
        #expect(AlertOrder.labelsBefore(Labels(["a": "1"]), Labels(["a": "2"])))
        // Inside a group: job, then instance, alerts lacking them last.
        let sorted = [alert(["alertname": "A"]), alert(["instance": "b", "job": "x"]), alert(["instance": "a", "job": "y"]),
                      alert(["instance": "a", "job": "x"]), alert(["instance": "z"])].sorted(by: AlertOrder.alertBefore)
        #expect(sorted.map(\.labels) == [Labels(["instance": "a", "job": "x"]), Labels(["instance": "b", "job": "x"]),
                                          Labels(["instance": "a", "job": "y"]), Labels(["instance": "z"]), Labels(["alertname": "A"])])
    }
}

final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [[Labels]] = []
    var values: [[Labels]] { lock.withLock { stored } }
    func append(_ v: [Labels]) { lock.withLock { stored.append(v) } }
}
