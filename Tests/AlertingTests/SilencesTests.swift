@testable import Alerting
import Foundation
import OspreyCore
import Testing

@Suite struct SilencesTests {
    let minute: Int64 = 60_000
    let t0: Int64 = 1_800_000_000_000

    func silence(_ matchers: [SilenceMatcher], from: Int64, to: Int64, id: String = "") -> Silence {
        Silence(id: id, matchers: matchers, startsAtMs: from, endsAtMs: to, createdBy: "ops", comment: "maintenance")
    }

    @Test func lifecyclePendingActiveExpired() throws {
        let clock = ManualClock(t0)
        let s = try Silences(directory: nil, clock: clock)
        let id = try s.set(silence([SilenceMatcher(name: "job", value: "api")], from: t0 + 10 * minute, to: t0 + 20 * minute))
        let alert = Labels(["alertname": "Down", "job": "api"])
        #expect(s.get(id: id)?.state(at: t0) == .pending)
        #expect(s.mutes(alert, now: t0).isEmpty)
        #expect(s.mutes(alert, now: t0 + 10 * minute) == [id])
        #expect(s.get(id: id)?.state(at: t0 + 10 * minute) == .active)
        #expect(s.mutes(alert, now: t0 + 20 * minute).isEmpty)
        #expect(s.get(id: id)?.state(at: t0 + 20 * minute) == .expired)
        #expect(UUID(uuidString: id) != nil)
    }

    @Test func expireActiveAndPending() throws {
        let clock = ManualClock(t0)
        let s = try Silences(directory: nil, clock: clock)
        let active = try s.set(silence([SilenceMatcher(name: "a", value: "1")], from: t0, to: t0 + 60 * minute))
        let pending = try s.set(silence([SilenceMatcher(name: "a", value: "2")], from: t0 + 30 * minute, to: t0 + 60 * minute))
        clock.advance(minute)
        try s.expire(id: active)
        try s.expire(id: pending)
        #expect(s.get(id: active)?.endsAtMs == t0 + minute)
        #expect(s.get(id: active)?.state(at: t0 + minute) == .expired)
        #expect(s.get(id: pending)?.startsAtMs == t0 + minute)
        #expect(s.get(id: pending)?.state(at: t0 + minute) == .expired)
        let again = try #require(throws: SilenceError.self) { try s.expire(id: active) }
        #expect(again.description.contains("already expired"))
        let missing = try #require(throws: SilenceError.self) { try s.expire(id: "nope") }
        #expect(missing.kind == .notFound)
    }

    @Test func updateRules() throws {
        let clock = ManualClock(t0)
        let s = try Silences(directory: nil, clock: clock)
        let m = [SilenceMatcher(name: "job", value: "api")]
        let id = try s.set(silence(m, from: t0, to: t0 + 60 * minute))
        clock.advance(minute)
        // Active, same matchers and start, later end: updated in place.
        #expect(try s.set(silence(m, from: t0, to: t0 + 120 * minute, id: id)) == id)
        #expect(s.get(id: id)?.endsAtMs == t0 + 120 * minute)
        #expect(s.get(id: id)?.updatedAtMs == t0 + minute)
        // Active, matchers changed: a new silence, the old one expired.
        let changed = try s.set(silence([SilenceMatcher(name: "job", value: "db")], from: t0, to: t0 + 120 * minute, id: id))
        #expect(changed != id)
        #expect(s.get(id: id)?.state(at: clock.nowMs()) == .expired)
        #expect(s.get(id: changed)?.state(at: clock.nowMs()) == .active)
        // A start in the past becomes now for a new silence.
        #expect(s.get(id: changed)?.startsAtMs == t0 + minute)
        // Expired: never updated in place; posting it again makes a new silence and leaves the old one.
        let revived = try s.set(silence(m, from: t0, to: t0 + 120 * minute, id: id))
        #expect(revived != id)
        #expect(s.get(id: id)?.state(at: clock.nowMs()) == .expired)
        // Active, start moved: new id.
        let moved = try s.set(silence([SilenceMatcher(name: "job", value: "db")], from: t0 + 2 * minute, to: t0 + 120 * minute, id: changed))
        #expect(moved != changed)
        // Pending: start and end may move while the start stays in the future.
        let p = try s.set(silence(m, from: t0 + 30 * minute, to: t0 + 60 * minute))
        #expect(try s.set(silence(m, from: t0 + 40 * minute, to: t0 + 90 * minute, id: p)) == p)
        // Unknown id.
        let e = try #require(throws: SilenceError.self) { try s.set(silence(m, from: t0, to: t0 + minute * 90, id: "0f0f")) }
        #expect(e.kind == .notFound)
    }

    @Test(arguments: [
        ([SilenceMatcher](), "matchers"),
        ([SilenceMatcher(name: "a", value: ".*", isRegex: true)], "matchers"),
        ([SilenceMatcher(name: "a", value: "", isEqual: true)], "matchers"),
        ([SilenceMatcher(name: "bad-name", value: "x")], "matchers[0].name"),
        ([SilenceMatcher(name: "a", value: "x"), SilenceMatcher(name: "b", value: "(", isRegex: true)], "matchers[1].value"),
    ])
    func invalidMatchersAreRefused(matchers: [SilenceMatcher], field: String) throws {
        let s = try Silences(directory: nil, clock: ManualClock(t0))
        let e = try #require(throws: SilenceError.self) { try s.set(silence(matchers, from: t0, to: t0 + minute)) }
        #expect(e.kind == .invalid)
        #expect(e.field == field)
        #expect(s.count == 0)
    }

    @Test func timesAreChecked() throws {
        let s = try Silences(directory: nil, clock: ManualClock(t0))
        let m = [SilenceMatcher(name: "a", value: "1")]
        #expect((try? s.set(silence(m, from: t0 + minute, to: t0 + minute))) == nil)
        let past = try #require(throws: SilenceError.self) { try s.set(silence(m, from: t0 - 10 * minute, to: t0 - minute)) }
        #expect(past.field == "endsAt")
    }

    @Test func regexAndNegativeMatchers() throws {
        let s = try Silences(directory: nil, clock: ManualClock(t0))
        let id = try s.set(silence([
            SilenceMatcher(name: "instance", value: "web-.*", isRegex: true),
            SilenceMatcher(name: "env", value: "prod", isEqual: false),
            SilenceMatcher(name: "severity", value: "info|warning", isRegex: true, isEqual: false),
        ], from: t0, to: t0 + 60 * minute))
        #expect(s.mutes(Labels(["instance": "web-1", "env": "dev", "severity": "critical"]), now: t0) == [id])
        // Missing env is "" which is != "prod".
        #expect(s.mutes(Labels(["instance": "web-2", "severity": "critical"]), now: t0) == [id])
        #expect(s.mutes(Labels(["instance": "web-1", "env": "prod", "severity": "critical"]), now: t0).isEmpty)
        #expect(s.mutes(Labels(["instance": "web-1", "env": "dev", "severity": "warning"]), now: t0).isEmpty)
        // Anchored: "xweb-1" does not match web-.*.
        #expect(s.mutes(Labels(["instance": "xweb-1", "env": "dev", "severity": "critical"]), now: t0).isEmpty)
    }

    @Test func queryByStateAndFilterInAlertmanagersOrder() throws {
        let clock = ManualClock(t0)
        let s = try Silences(directory: nil, clock: clock)
        let late = try s.set(silence([SilenceMatcher(name: "team", value: "a")], from: t0, to: t0 + 90 * minute))
        let soon = try s.set(silence([SilenceMatcher(name: "team", value: "b")], from: t0, to: t0 + 30 * minute))
        let pending = try s.set(silence([SilenceMatcher(name: "team", value: "a")], from: t0 + 10 * minute, to: t0 + 30 * minute))
        let gone = try s.set(silence([SilenceMatcher(name: "team", value: "c")], from: t0, to: t0 + 60 * minute))
        try s.expire(id: gone)
        #expect(s.query(now: t0).map(\.id) == [soon, late, pending, gone])
        #expect(s.query(states: [.active], now: t0).map(\.id) == [soon, late])
        #expect(s.query(filter: [.equal("team", "a")], now: t0).map(\.id) == [late, pending])
        #expect(s.query(filter: [try LabelMatcher(.regexMatch, "team", "b|c")], now: t0).map(\.id) == [soon, gone])
    }

    @Test func gcDropsSilencesPastRetention() throws {
        let clock = ManualClock(t0)
        var options = Silences.Options()
        options.retentionMs = 60 * minute
        let s = try Silences(directory: nil, clock: clock, options: options)
        let id = try s.set(silence([SilenceMatcher(name: "a", value: "1")], from: t0, to: t0 + 10 * minute))
        #expect(try s.gc(now: t0 + 70 * minute - 1) == 0)
        #expect(s.get(id: id) != nil)
        #expect(try s.gc(now: t0 + 70 * minute) == 1)
        #expect(s.get(id: id) == nil)
    }

    @Test func limitOnSilenceCount() throws {
        var options = Silences.Options()
        options.silencesMax = 1
        let s = try Silences(directory: nil, clock: ManualClock(t0), options: options)
        try s.set(silence([SilenceMatcher(name: "a", value: "1")], from: t0, to: t0 + minute))
        let e = try #require(throws: SilenceError.self) { try s.set(silence([SilenceMatcher(name: "a", value: "2")], from: t0, to: t0 + minute)) }
        #expect(e.kind == .limit)
        #expect(e.description.contains("silencesMax"))
    }

    /// `mutes` looks silences up through an index; it must give exactly what testing every active silence gives.
    @Test func mutesAgreesWithTestingEverySilence() throws {
        var rng = SplitMix64(seed: 42)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let clock = ManualClock(t0)
        let s = try Silences(directory: nil, clock: clock)
        let names = ["alertname", "job", "instance"], values = ["a", "b", "c", ""]
        for _ in 0..<300 {
            var matchers: [SilenceMatcher] = []
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let regex = rng.next() % 3 == 0
                matchers.append(SilenceMatcher(name: pick(names), value: regex ? pick(["a|b", "c.*", ".+"]) : pick(values),
                                               isRegex: regex, isEqual: rng.next() % 4 != 0))
            }
            let start = t0 + Int64(rng.next() % 20) * minute
            _ = try? s.set(silence(matchers, from: start, to: start + Int64(1 + rng.next() % 20) * minute))
        }
        // Answers are remembered between silence changes and starts/ends, so ask the same label sets again and
        // again, at times going forward and back, with silences added and expired in between.
        let labelSets = (0..<12).map { _ in Labels(Dictionary(uniqueKeysWithValues: names.map { ($0, pick(values)) })) }
        for step in 0..<400 {
            let now = t0 + Int64(rng.next() % 45) * minute + Int64(rng.next() % 3) * 20_000
            if step % 50 == 25 {
                clock.set(now)
                if rng.next() % 2 == 0, let victim = s.query(states: [.active, .pending], now: now).first {
                    try s.expire(id: victim.id)
                } else {
                    _ = try? s.set(silence([SilenceMatcher(name: pick(names), value: pick(["a|b|c", "b", "c\\.x|a"]), isRegex: true)],
                                           from: now, to: now + 10 * minute))
                }
            }
            let all = s.query(now: now)
            let labels = pick(labelSets)
            let expected = all.filter { sil in
                sil.state(at: now) == .active && sil.matchers.allSatisfy { (try? $0.labelMatcher())?.matches(labels[$0.name] ?? "") == true }
            }.map(\.id).sorted()
            #expect(s.mutes(labels, now: now) == expected, "\(labels) at step \(step)")
        }
        #expect(s.query(now: t0).count > 100)
    }

    /// Silences are indexed under the values a literal alternation allows; anything else is not literal.
    @Test func literalAlternativesOfAPattern() {
        #expect(SilenceIndex.literalAlternatives("db-1|db-2|cache\\.local") == ["db-1", "db-2", "cache.local"])
        #expect(SilenceIndex.literalAlternatives("old-node-1:9100") == ["old-node-1:9100"])
        for pattern in ["c.*", "a||b", "|a", "a|", "", "\\d+", "(a|b)", "a\\", "[ab]", "a$", "(?i)a"] {
            #expect(SilenceIndex.literalAlternatives(pattern) == nil, "\(pattern)")
        }
    }

    /// A silence sharing a common label with many others is still found through its rarer literal regex.
    @Test func silencesOfACommonLabelAreFoundThroughTheirLiteralRegex() throws {
        let s = try Silences(directory: nil, clock: ManualClock(t0))
        var ids: [String] = []
        for n in 0..<50 {
            ids.append(try s.set(silence([SilenceMatcher(name: "instance", value: "old-\(n)-a|old-\(n)-b", isRegex: true),
                                          SilenceMatcher(name: "job", value: "node")], from: t0, to: t0 + 60 * minute)))
        }
        #expect(s.mutes(Labels(["job": "node", "instance": "old-7-b"]), now: t0) == [ids[7]])
        #expect(s.mutes(Labels(["job": "api", "instance": "old-7-b"]), now: t0).isEmpty)
        #expect(s.mutes(Labels(["job": "node", "instance": "old-7-c"]), now: t0).isEmpty)
    }
}
