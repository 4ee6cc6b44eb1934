import Foundation
import Logging
import MetricStore
import OspreyCore
import PromQL
import Testing
@testable import Rules

@Suite struct ManagerTests {
    func manager(_ h: Harness, clock: ManualClock = ManualClock(t0)) -> RuleManager {
        RuleManager(environment: h.evaluator.env, clock: clock)
    }

    func groups(_ yaml: String) throws -> [RuleGroup] { try RuleFileParser.parse(yaml, file: "rules.yml").groups }

    static let base = """
        groups:
        - name: alerts
          rules:
          - alert: Down
            expr: up == 0
            for: 10m
          - record: up:copy
            expr: up
        - name: other
          rules:
          - record: up:count
            expr: count(up)
        """

    @Test func reloadKeepsStateOfUnchangedRulesAndMarksRemovedOutputStale() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "instance": "a"]), from: t0 - 10 * minute, to: t0 + 30 * minute, value: 0)
        let clock = ManualClock(t0)
        let m = manager(h, clock: clock)
        await m.update(try groups(Self.base))
        let before = m.groups
        await m.evaluate(before[0], at: t0)
        await m.evaluate(before[1], at: t0)

        // Group "alerts" changes (a rule added); "other" is unchanged.
        await m.update(try groups(Self.base.replacingOccurrences(of: "  - record: up:copy\n    expr: up\n",
                                                                      with: "  - record: up:copy\n    expr: up\n  - record: up:double\n    expr: up * 2\n")))
        let after = m.groups
        #expect(after[1] === before[1], "an unchanged group keeps running as it is")
        #expect(after[0] !== before[0])
        // The pending alert kept its activeAt across the reload and fires on time.
        #expect(after[0].alerts()[0].alerts.first?.activeAtMs == t0)
        await m.evaluate(after[0], at: t0 + 10 * minute)
        #expect(after[0].alerts()[0].alerts.first?.state == .firing)

        // Dropping the "other" group writes staleness markers for its series.
        clock.set(t0 + 11 * minute)
        await m.update(try groups(Self.base.components(separatedBy: "- name: other")[0]))
        #expect(m.groups.count == 1)
        let count = h.store.samples(L(["__name__": "up:count"]))
        #expect(count.map(\.t) == [t0, t0 + 11 * minute])
        #expect(count.last.map { StaleNaN.isStale($0.v) } == true)
    }

    @Test func removedRuleInAChangedGroupIsMarkedStaleAtTheNextEvaluation() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "instance": "a"]), from: t0 - 10 * minute, to: t0 + 30 * minute, value: 1)
        let m = manager(h)
        await m.update(try groups(Self.base))
        await m.evaluate(m.groups[0], at: t0)
        await m.update(try groups(Self.base.replacingOccurrences(of: "  - record: up:copy\n    expr: up\n", with: "")))
        await m.evaluate(m.groups[0], at: t0 + minute)
        let copy = h.store.samples(L(["__name__": "up:copy", "instance": "a"]))
        #expect(copy.map(\.t) == [t0, t0 + minute])
        #expect(StaleNaN.isStale(copy[1].v))
    }

    @Test func newGlobalEvaluationIntervalReachesGroupsWithoutTheirOwn() async throws {
        let h = Harness()
        let m = manager(h)
        let gs = try groups("groups:\n- {name: own, interval: 30s, rules: []}\n- {name: global, rules: []}\n")
        await m.update(gs)
        let before = m.groups
        #expect(before.map(\.intervalMs) == [30_000, 60_000])
        await m.update(gs, defaultIntervalMs: 15_000)
        #expect(m.groups.map(\.intervalMs) == [30_000, 15_000])
        #expect(m.groups[0] === before[0])
    }

    @Test func globalRuleQueryOffsetAppliesToGroupsWithoutTheirOwn() throws {
        try withTemporaryFile("groups:\n- {name: own, query_offset: 1m, rules: []}\n- {name: global, rules: []}\n") { path in
            let withDefault = try RuleManager.load(files: [path], defaultQueryOffsetMs: 30_000).map(\.queryOffsetMs)
            let without = try RuleManager.load(files: [path]).map(\.queryOffsetMs)
            #expect(withDefault == [60_000, 30_000])
            #expect(without == [60_000, nil])
        }
    }

    @Test func invalidFilesAreRefusedWithEveryError() throws {
        try withTemporaryFile("groups:\n- name: a\n  rules:\n  - record: bad name\n    expr: up\n") { bad in
            do {
                _ = try RuleManager.load(files: [bad, "/nonexistent/rules.yml"])
                Issue.record("accepted")
            } catch let e as RuleFileErrors {
                #expect(e.errors.count == 2)
                #expect(e.errors[0].description.hasPrefix(bad + ":4: groups[0].rules[0].record"))
                #expect(e.errors[1].description == "/nonexistent/rules.yml: (file): cannot read the file")
            }
        }
    }

    @Test func groupsAreSpreadOverTheIntervalByAHashOfFileAndName() throws {
        let gs = try groups("""
            groups:
            - {name: a, interval: 1m, rules: []}
            - {name: b, interval: 1m, rules: []}
            """)
        let a = RuleGroupState(gs[0], defaultIntervalMs: 60_000, restoreForState: false)
        let b = RuleGroupState(gs[1], defaultIntervalMs: 60_000, restoreForState: false)
        let ta = RuleManager.firstEvaluation(a, now: t0 + 1234)
        let tb = RuleManager.firstEvaluation(b, now: t0 + 1234)
        #expect(ta != tb)
        for t in [ta, tb] { #expect(t > t0 + 1234 && t <= t0 + 1234 + 60_000) }
        // The phase is stable: a minute later the next slot is exactly one interval on.
        #expect(RuleManager.firstEvaluation(a, now: t0 + 61_234) == ta + 60_000)
    }

    /// A restart in the middle of `for:` against the real metric store, closed and reopened from disk.
    @Test func restoreFromAReopenedMetricStore() async throws {
        let dir = NSTemporaryDirectory() + "rules-restore-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logger = Logger(label: "rules-test")
        let rules = "groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 20m\n"
        let up = L(["__name__": "up", "instance": "a"])

        func run(_ db: MetricStoreDB, restore: Bool, minutes: [Int64]) async throws -> RuleGroupState {
            let env = RuleEnvironment(engine: Engine(querier: db), writer: DBWriter(db: db), sender: nil, logger: logger)
            let g = RuleGroupState(try groups(rules)[0], defaultIntervalMs: 60_000, restoreForState: restore)
            for m in minutes { await RuleEvaluator(env).evaluate(g, at: t0 + m * minute) }
            return g
        }

        var db = try MetricStoreDB.open(directory: dir, clock: ManualClock(t0), logger: logger)
        let app = db.appender()
        var t = t0 - 10 * minute
        while t <= t0 + 60 * minute { app.append(up, t, 0); t += 15_000 }
        _ = try app.commit()
        _ = try await run(db, restore: false, minutes: [0, 1, 2, 3, 4, 5])
        db.close()

        db = try MetricStoreDB.open(directory: dir, clock: ManualClock(t0 + 8 * minute), logger: logger)
        defer { db.close() }
        let g = try await run(db, restore: true, minutes: [8, 9])
        // 5m pending before the stop, 15m left (more than the grace period): activeAt moves by the 4m downtime.
        #expect(g.alerts()[0].alerts.first?.activeAtMs == t0 + 4 * minute)
    }
}

/// Writes rule output straight into a metric store.
struct DBWriter: RuleSampleWriter {
    let db: MetricStoreDB
    func write(_ samples: [RuleSample]) throws {
        let app = db.appender()
        for s in samples { app.append(s.labels, s.t, s.v) }
        _ = try app.commit()
    }
}

func withTemporaryFile(_ text: String, _ body: (String) throws -> Void) throws {
    let path = NSTemporaryDirectory() + "rules-\(UUID().uuidString).yml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(path)
}
