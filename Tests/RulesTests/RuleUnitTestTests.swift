import ConfigReader
import Foundation
import OspreyCore
@testable import Rules
import Testing

/// Rule unit tests in promtool's format: the file reader, the runner's verdicts and its promtool-worded failures.
@Suite struct RuleUnitTestTests {
    /// Writes `files` into a fresh directory and runs the test file `test` in it.
    func run(_ test: String, files: [String: String]) async throws -> RuleTestResult {
        let dir = NSTemporaryDirectory() + "/osprey-ruletest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return await RuleTestRunner().run(path: dir + "/" + test)
    }

    static let downRule = """
        groups:
        - name: availability
          rules:
          - alert: ServiceDown
            expr: up == 0
            for: 2m
            labels:
              severity: critical
            annotations:
              summary: '{{ $labels.instance }} down ({{ $value | humanize }}) in {{ $externalLabels.cluster }}'
        """

    @Test func readsDefaultsAndFields() throws {
        let file = try RuleTestFile.parse("""
            rule_files: [a.yml]
            evaluation_interval: 30s
            tests:
              - name: t
                input_series:
                  - series: 'up{job="a"}'
                    values: '1+1x2 _ stale'
                external_labels: {cluster: c1}
                external_url: http://x
                promql_expr_test:
                  - expr: up
                    eval_time: 1m
                    exp_samples:
                      - labels: 'up{job="a"}'
                        value: .inf
            """, path: "t.yml")
        #expect(file.evaluationIntervalMs == 30_000)
        #expect(file.tests[0].intervalMs == 30_000, "an omitted interval is the evaluation interval")
        #expect(file.tests[0].inputSeries[0].labels == Labels(["__name__": "up", "job": "a"]))
        #expect(file.tests[0].inputSeries[0].values.count == 5)
        #expect(file.tests[0].inputSeries[0].values[2] == 3)
        #expect(file.tests[0].inputSeries[0].values[3] == nil)
        #expect(file.tests[0].externalLabels == Labels(["cluster": "c1"]))
        #expect(file.tests[0].promqlTests[0].expected[0].value == .infinity)
        #expect(try RuleTestFile.parse("", path: "e.yml").evaluationIntervalMs == 60_000)
    }

    @Test func badFilesNameFileLineAndField() throws {
        let cases: [(String, String, String)] = [
            ("tests:\n  - interval: 1m\n    alert_rule_tests: []\n", "t.yml:3: tests[0].alert_rule_tests", "unknown field"),
            ("group_eval_order: [a, b, a]\n", "t.yml:1: group_eval_order[2]", "group name repeated in evaluation order: a"),
            ("tests:\n  - input_series:\n      - series: 'up{job=\"a\"'\n        values: '1'\n", "t.yml:3: tests[0].input_series[0]", "unterminated"),
            ("tests:\n  - input_series:\n      - series: up\n        values: '1 two'\n", "t.yml:3: tests[0].input_series[0]", "invalid value two"),
            ("evaluation_interval: soon\n", "t.yml:1: evaluation_interval", "not a valid duration"),
            ("tests:\n  - promql_expr_test:\n    - expr: up\n      exp_samples:\n      - value: NaN\n", "t.yml:5: tests[0].promql_expr_test[0].exp_samples[0].value", "must be a number"),
        ]
        for (text, prefix, message) in cases {
            do {
                _ = try RuleTestFile.parse(text, path: "t.yml")
                Issue.record("accepted \(text)")
            } catch let e as ConfigError {
                #expect(e.description.hasPrefix(prefix), "\(e)")
                #expect(e.description.contains(message), "\(e)")
            }
        }
    }

    @Test func promtoolNumberAndDurationFormats() {
        #expect(RuleTestFormat.floatE(300) == "3E+02")
        #expect(RuleTestFormat.floatE(301) == "3.01E+02")
        #expect(RuleTestFormat.floatE(0.1) == "1E-01")
        #expect(RuleTestFormat.floatE(2.5) == "2.5E+00")
        #expect(RuleTestFormat.floatE(-0.5) == "-5E-01")
        #expect(RuleTestFormat.floatE(1e21) == "1E+21")
        #expect(RuleTestFormat.floatE(123456789.125) == "1.23456789125E+08")
        #expect(RuleTestFormat.floatE(.leastNonzeroMagnitude) == "5E-324")
        #expect(RuleTestFormat.floatE(0) == "0E+00")
        #expect(RuleTestFormat.floatE(.nan) == "NaN")
        #expect(RuleTestFormat.floatE(-.infinity) == "-Inf")
        #expect(RuleTestFormat.modelDuration(0) == "0s")
        #expect(RuleTestFormat.modelDuration(90_000) == "1m30s")
        #expect(RuleTestFormat.modelDuration(604_800_000) == "1w")
        #expect(RuleTestFormat.modelDuration(8 * 86_400_000) == "8d")
        #expect(RuleTestFormat.modelDuration(1500) == "1s500ms")
        #expect(RuleTestFormat.goDuration(0) == "0s")
        #expect(RuleTestFormat.goDuration(60_000) == "1m0s")
        #expect(RuleTestFormat.goDuration(3_600_000) == "1h0m0s")
        #expect(RuleTestFormat.goDuration(1500) == "1.5s")
        #expect(RuleTestFormat.labels([Label("a", "x\"y\n")]) == "{a=\"x\\\"y\\n\"}")
    }

    @Test func alertFiresAfterForWithTemplatedAnnotations() async throws {
        let test = """
            rule_files: [rules.yml]
            tests:
              - interval: 1m
                external_labels: {cluster: eu}
                input_series:
                  - series: 'up{job="api", instance="api-1"}'
                    values: '1 0 0 0 0 0'
                alert_rule_test:
                  - eval_time: 2m
                    alertname: ServiceDown
                    exp_alerts: []
                  - eval_time: 3m30s
                    alertname: ServiceDown
                    exp_alerts:
                      - exp_labels: {severity: critical, job: api, instance: api-1}
                        exp_annotations: {summary: 'api-1 down (0) in eu'}
            """
        let result = try await run("t.yml", files: ["t.yml": test, "rules.yml": Self.downRule])
        #expect(result.passed, "\(result.failures)")
    }

    @Test func pendingAlertIsReportedAsMissingInPromtoolWords() async throws {
        let test = """
            rule_files: [rules.yml]
            tests:
              - name: early
                interval: 1m
                input_series:
                  - series: 'up{job="api", instance="api-1"}'
                    values: '1 0 0 0'
                alert_rule_test:
                  - eval_time: 2m
                    alertname: ServiceDown
                    exp_alerts:
                      - exp_labels: {severity: critical, job: api, instance: api-1}
            """
        let result = try await run("t.yml", files: ["t.yml": test, "rules.yml": Self.downRule])
        #expect(result.failures == ["""
                name: early,
                alertname: ServiceDown, time: 2m, 
                    exp:[
                        0:
                          Labels:{alertname="ServiceDown", instance="api-1", job="api", severity="critical"}
                          Annotations:{}
                        ], 
                    got:[]
            """])
    }

    @Test func staleMarkerResolvesAndGapRestartsFor() async throws {
        let test = """
            rule_files: [rules.yml]
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{job="a", instance="a"}'
                    values: '0 0 0 stale'
                  - series: 'up{job="b", instance="b"}'
                    values: '0 _x6 0 0 0'
                alert_rule_test:
                  - eval_time: 3m
                    alertname: ServiceDown
                    exp_alerts:
                      - exp_labels: {severity: critical, job: b, instance: b}
                        exp_annotations: {summary: 'b down (0) in '}
                  - eval_time: 8m
                    alertname: ServiceDown
                    exp_alerts: []
                  - eval_time: 9m
                    alertname: ServiceDown
                    exp_alerts:
                      - exp_labels: {severity: critical, job: b, instance: b}
                        exp_annotations: {summary: 'b down (0) in '}
            """
        let result = try await run("t.yml", files: ["t.yml": test, "rules.yml": Self.downRule])
        #expect(result.passed, "\(result.failures)")
    }

    @Test func recordingRuleOutputAndOrderInsensitiveSamples() async throws {
        let rules = """
            groups:
            - name: rec
              rules:
              - record: job:x:sum
                expr: sum by (job) (x)
            """
        let test = """
            rule_files: [rules.yml]
            tests:
              - interval: 1m
                input_series:
                  - series: 'x{job="a", i="1"}'
                    values: '1 2 3'
                  - series: 'x{job="a", i="2"}'
                    values: '10 20 30'
                  - series: 'x{job="b", i="1"}'
                    values: '5x2'
                promql_expr_test:
                  - expr: job:x:sum
                    eval_time: 2m
                    exp_samples:
                      - labels: 'job:x:sum{job="b"}'
                        value: 5
                      - labels: 'job:x:sum{job="a"}'
                        value: 33
                  - expr: job:x:sum{job="a"}
                    eval_time: 1m
                    exp_samples:
                      - labels: 'job:x:sum{job="a"}'
                        value: 22
            """
        #expect(try await run("t.yml", files: ["t.yml": test, "rules.yml": rules]).passed)
        let wrong = test.replacingOccurrences(of: "value: 22", with: "value: 23")
        let result = try await run("t.yml", files: ["t.yml": wrong, "rules.yml": rules])
        #expect(result.failures == ["""
                expr: "job:x:sum{job=\\"a\\"}", time: 1m,
                    exp: {__name__="job:x:sum", job="a"} 2.3E+01
                    got: {__name__="job:x:sum", job="a"} 2.2E+01
            """])
    }

    @Test func queriesBetweenEvaluationsSeeInputOnlyUpToTheLastEvaluation() async throws {
        // promtool loads input samples up to each evaluation time; a check at 90s runs after the evaluation at
        // 60s, so it sees the sample at 60s.
        let test = """
            tests:
              - interval: 15s
                input_series:
                  - series: x
                    values: '1 2 3 4 5 6 7'
                promql_expr_test:
                  - expr: x
                    eval_time: 90s
                    exp_samples:
                      - labels: x
                        value: 5
            """
        let result = try await run("t.yml", files: ["t.yml": test])
        #expect(result.passed, "\(result.failures)")
    }

    @Test func ruleEvaluationErrorStopsTheTestGroup() async throws {
        let rules = "groups:\n- name: g\n  rules:\n  - record: r\n    expr: x\n    labels:\n      a: same\n"
        let test = """
            rule_files: [rules.yml]
            tests:
              - interval: 1m
                input_series:
                  - series: 'x{a="1"}'
                    values: '1 2'
                  - series: 'x{a="2"}'
                    values: '1 2'
                promql_expr_test:
                  - expr: r
                    eval_time: 1m
            """
        let result = try await run("t.yml", files: ["t.yml": test, "rules.yml": rules])
        #expect(result.failures == ["    rule: r, time: 0s, err: vector contains metrics with the same labelset after applying rule labels"])
    }

    @Test func groupEvalOrderLetsAlertsSeeRecordedOutputOfTheSameStep() async throws {
        let rules = """
            groups:
            - name: alerts
              rules:
              - alert: Big
                expr: job:x:sum > 10
            - name: rec
              rules:
              - record: job:x:sum
                expr: sum by (job) (x)
            """
        func test(_ order: String) -> String {
            """
            rule_files: [rules.yml]
            \(order)
            tests:
              - interval: 1m
                input_series:
                  - series: 'x{job="a"}'
                    values: '20'
                alert_rule_test:
                  - eval_time: 0m
                    alertname: Big
                    exp_alerts:
                      - exp_labels: {job: a}
            """
        }
        #expect(try await run("t.yml", files: ["t.yml": test("group_eval_order: [rec, alerts]"), "rules.yml": rules]).passed)
        #expect(try await !run("t.yml", files: ["t.yml": test(""), "rules.yml": rules]).passed)
    }

    @Test func missingRuleFileIsAWarningAndBrokenRuleFileAFailure() async throws {
        let test = "rule_files: [nothing-*.yml, broken.yml]\ntests:\n  - interval: 1m\n"
        let result = try await run("t.yml", files: ["t.yml": test, "broken.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n"])
        #expect(result.warnings.count == 1 && result.warnings[0].contains("no file match pattern"))
        #expect(result.failures.count == 1 && result.failures[0].contains("broken.yml:4"), "\(result.failures)")
    }

    @Test func annotationThatExpandsToNothingIsComparedAsEmpty() async throws {
        let rules = """
            groups:
            - name: q
              rules:
              - alert: Backlog
                expr: queue_length > 100
                annotations:
                  runbook: '{{ if eq $labels.queue "payments" }}https://runbooks/payments{{ end }}'
            """
        func test(_ runbook: String) -> String {
            """
            rule_files: [rules.yml]
            tests:
              - interval: 1m
                input_series:
                  - series: 'queue_length{queue="orders"}'
                    values: '150'
                alert_rule_test:
                  - eval_time: 0m
                    alertname: Backlog
                    exp_alerts:
                      - exp_labels: {queue: orders}
                        exp_annotations: {\(runbook)}
            """
        }
        #expect(try await run("t.yml", files: ["t.yml": test("runbook: ''"), "rules.yml": rules]).passed)
        #expect(try await !run("t.yml", files: ["t.yml": test(""), "rules.yml": rules]).passed)
    }
}
