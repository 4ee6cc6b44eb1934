import Foundation
import Logging
import OspreyCore
import PromQL

/// What running one test file found.
public struct RuleTestResult: Sendable {
    /// Failures in promtool's wording (`    alertname: …, time: …,` with `exp:`/`got:` lines); empty when it passed.
    public var failures: [String] = []
    /// Problems that do not fail the file, such as a `rule_files` pattern matching nothing.
    public var warnings: [String] = []
    public var passed: Bool { failures.isEmpty }
}

/// Runs promtool's rule unit tests against Osprey's rule evaluator and PromQL engine:
///
///     let result = await RuleTestRunner().run(path: "tests/alerts_test.yml")
///     for f in result.failures { print(f) }
///
/// Each test group loads its input series into an in-memory store and evaluates every rule group at each
/// multiple of `evaluation_interval` from 0 up to the largest `eval_time`, feeding the store the input samples up
/// to that time first. Alerts expected at an `eval_time` are compared with the firing alerts of the last
/// evaluation at or before it; PromQL expressions are evaluated after the last evaluation.
public struct RuleTestRunner: Sendable {
    public init() {}

    /// Reads and runs one test file.
    public func run(path: String) async -> RuleTestResult {
        var result = RuleTestResult()
        let file: RuleTestFile
        do { file = try RuleTestFile.load(path: path) } catch {
            result.failures.append("\(error)")
            return result
        }
        let ruleFiles = resolve(file.ruleFiles, relativeTo: (path as NSString).deletingLastPathComponent, warnings: &result.warnings)
        for test in file.tests {
            result.failures += await run(test, ruleFiles: ruleFiles, file: file)
        }
        return result
    }

    /// Joins relative rule-file patterns with the test file's directory and expands globs; a pattern matching
    /// nothing is a warning (the rules it meant are then simply absent, as in promtool).
    func resolve(_ patterns: [String], relativeTo dir: String, warnings: inout [String]) -> [String] {
        var out: [String] = []
        for p in patterns where !p.isEmpty {
            let full = p.hasPrefix("/") || dir.isEmpty ? p : dir + "/" + p
            let matched = p.contains(where: { "*?[".contains($0) })
                ? RuleManager.expandGlobs([full])
                : (FileManager.default.fileExists(atPath: full) ? [full] : [])
            if matched.isEmpty { warnings.append("  WARNING: no file match pattern \(full)") }
            out += matched
        }
        return out
    }

    /// One `tests:` entry with fresh storage and rule state; returns its failures.
    func run(_ test: RuleTestGroup, ruleFiles: [String], file: RuleTestFile) async -> [String] {
        var groups: [RuleGroup] = []
        var loadErrors: [String] = []
        for path in ruleFiles {
            do { groups += try RuleFileParser.load(path: path).groups } catch let e as RuleFileErrors {
                loadErrors += e.errors.map(\.description)
            } catch {
                loadErrors.append("\(error)")
            }
        }
        if !loadErrors.isEmpty { return loadErrors }
        groups = ordered(groups, file.groupEvalOrder)

        let store = UnitTestStore()
        var env = RuleEnvironment(engine: Engine(querier: store), writer: store, sender: nil,
                                  logger: Logger(label: "osprey-test-rules", factory: { _ in SwiftLogNoOpLogHandler() }))
        env.externalLabels = test.externalLabels
        env.externalURL = test.externalURL
        env.defaultIntervalMs = test.intervalMs
        let evaluator = RuleEvaluator(env)
        let states = groups.map { RuleGroupState($0, defaultIntervalMs: test.intervalMs, restoreForState: false) }

        for (i, t) in test.alertTests.enumerated() where t.alertname.isEmpty {
            let inGroup = test.name.isEmpty ? "" : " (in TestGroup \(test.name))"
            return ["\(file.path):\(test.line): tests[].alert_rule_test[\(i)].alertname: an item under alert_rule_test misses required attribute alertname at eval_time \(RuleTestFormat.modelDuration(t.evalTimeMs))\(inGroup)"]
        }
        let maxt = (test.alertTests.map(\.evalTimeMs) + test.promqlTests.map(\.evalTimeMs)).max() ?? 0
        let alertTimes = Set(test.alertTests.map(\.evalTimeMs)).sorted()
        var next = 0
        var feeder = InputFeeder(test)
        var failures: [String] = []
        let step = file.evaluationIntervalMs
        var ts: Int64 = 0
        while ts <= maxt {
            feeder.load(until: ts, into: store)
            var evalErrors: [String] = []
            for state in states {
                await evaluator.evaluate(state, at: ts)
                for rule in state.status().rules {
                    if let e = rule.lastError {
                        evalErrors.append("    rule: \(rule.definition.name), time: \(RuleTestFormat.goDuration(ts)), err: \(e)")
                    }
                }
            }
            if !evalErrors.isEmpty { return failures + evalErrors }
            // Alert checks whose eval_time falls in [ts, ts + evaluation_interval) see this evaluation.
            while next < alertTimes.count, alertTimes[next] >= ts, alertTimes[next] < ts + step {
                failures += checkAlerts(test.alertTests.filter { $0.evalTimeMs == alertTimes[next] }, states, test)
                next += 1
            }
            ts += step
        }
        for t in test.promqlTests { failures += await checkQuery(t, env.engine) }
        return failures
    }

    /// Groups named in `group_eval_order` first, in that order; the others after them in file order.
    func ordered(_ groups: [RuleGroup], _ order: [String]) -> [RuleGroup] {
        guard !order.isEmpty else { return groups }
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return groups.enumerated().sorted { a, b in
            let ra = rank[a.element.name] ?? order.count, rb = rank[b.element.name] ?? order.count
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
    }

    func checkAlerts(_ cases: [AlertTestCase], _ states: [RuleGroupState], _ test: RuleTestGroup) -> [String] {
        var failures: [String] = []
        for c in cases {
            var got: [UnitTestAlert] = []
            for state in states {
                for (rule, alerts) in state.alerts() where rule.name == c.alertname {
                    for a in alerts where a.state == .firing {
                        // Prometheus keeps an annotation that expanded to nothing, with an empty value; the alert's
                        // label set drops it, so it is put back from the rule's annotation names.
                        var annotations: [String: String] = [:]
                        for d in rule.annotations { annotations[d.name] = a.annotations[d.name] ?? "" }
                        for l in a.annotations { annotations[l.name] = l.value }
                        got.append(UnitTestAlert(labels: Array(a.labels), annotations: UnitTestAlert.sortedLabels(annotations)))
                    }
                }
            }
            let expected = c.expected.map { e -> UnitTestAlert in
                var labels = e.labels
                labels[AlertSeries.alertName] = c.alertname
                return UnitTestAlert(labels: UnitTestAlert.sortedLabels(labels), annotations: UnitTestAlert.sortedLabels(e.annotations))
            }.sorted()
            got.sort()
            guard got != expected else { continue }
            let name = test.name.isEmpty ? "" : "    name: \(test.name),\n"
            let indent = "            "
            failures.append("\(name)    alertname: \(c.alertname), time: \(RuleTestFormat.modelDuration(c.evalTimeMs)), \n"
                + "        exp:\(RuleTestFormat.indentLines(RuleTestFormat.alerts(expected), indent)), \n"
                + "        got:\(RuleTestFormat.indentLines(RuleTestFormat.alerts(got), indent))")
        }
        return failures
    }

    func checkQuery(_ t: PromQLTestCase, _ engine: Engine) async -> [String] {
        let head = "    expr: \(RuleTestFormat.goQuote(t.expr)), time: \(RuleTestFormat.modelDuration(t.evalTimeMs))"
        var got: [(labels: Labels, value: Double)]
        do {
            switch try await engine.instantQuery(t.expr, at: t.evalTimeMs).value {
            case .vector(let v): got = v.map { ($0.labels, $0.v) }
            case .scalar(_, let v): got = [(Labels([Label]()), v)]
            default: return ["\(head), err: rule result is not a vector or scalar"]
            }
        } catch {
            return ["\(head), err: \((error as? PromQLError)?.message ?? "\(error)")"]
        }
        var expected: [(labels: Labels, value: Double)] = []
        for s in t.expected {
            do { expected.append((try SeriesNotation.labels(s.labels), s.value)) } catch {
                return ["\(head), err: labels \(RuleTestFormat.goQuote(s.labels)): \(error)"]
            }
        }
        got.sort { $0.labels < $1.labels }
        expected.sort { $0.labels < $1.labels }
        // Values compare exactly, so NaN never matches (as in promtool).
        let same = got.count == expected.count && zip(got, expected).allSatisfy { $0.labels == $1.labels && $0.value == $1.value }
        if same { return [] }
        return ["\(head),\n        exp: \(RuleTestFormat.samples(expected))\n        got: \(RuleTestFormat.samples(got))"]
    }
}

/// Hands the input series to the store step by step: before the evaluation at `ts` the store holds exactly the
/// input samples at or before `ts` (promtool loads them the same way, so queries never see later input).
struct InputFeeder {
    private var pending: [(Labels, [Sample])]
    private var position: [Int]

    init(_ test: RuleTestGroup) {
        // A series given twice keeps its last definition.
        var bySeries: [Labels: [Sample]] = [:]
        var order: [Labels] = []
        for s in test.inputSeries {
            if bySeries[s.labels] == nil { order.append(s.labels) }
            bySeries[s.labels] = s.values.enumerated().compactMap { i, v in v.map { Sample(Int64(i) * test.intervalMs, $0) } }
        }
        pending = order.map { ($0, bySeries[$0]!) }
        position = Array(repeating: 0, count: pending.count)
    }

    mutating func load(until ts: Int64, into store: UnitTestStore) {
        for (i, (labels, samples)) in pending.enumerated() {
            var end = position[i]
            while end < samples.count, samples[end].t <= ts { end += 1 }
            if end > position[i] { store.add(labels, Array(samples[position[i]..<end])) }
            position[i] = end
        }
    }
}
