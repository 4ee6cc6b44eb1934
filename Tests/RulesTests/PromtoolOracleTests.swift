import Foundation
import OspreyCore
import Testing
@testable import Rules

/// One scenario checked two ways: the real `promtool test rules` (Debian package prometheus) must accept the
/// expected alerts, and Osprey's evaluator, driven minute by minute on the same input series, must produce
/// exactly them. This pins `for:`, `keep_firing_for:`, label and annotation templates (`query`, `$value`) and
/// recording-rule chaining to Prometheus's behaviour.
@Suite struct PromtoolOracleTests {
    static let rules = """
        groups:
          - name: oracle
            rules:
              - alert: Down
                expr: up == 0
                for: 3m
                keep_firing_for: 2m
                labels:
                  severity: '{{ if eq $labels.job "db" }}critical{{ else }}warning{{ end }}'
                annotations:
                  summary: '{{ $labels.instance }} down, value {{ $value }}, {{ with query "count(up == 0)" }}{{ . | first | value }}{{ end }} down in total'
              - record: job:up:sum
                expr: sum by (job) (up)
              - alert: FewUp
                expr: job:up:sum < 2
                annotations:
                  summary: '{{ $labels.job | toUpper }} has {{ $value | humanize }} up'
        """

    /// Values per minute from t=0.
    static let input: [(labels: Labels, values: [Double])] = [
        (L(["__name__": "up", "job": "api", "instance": "a:1"]), [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]),
        (L(["__name__": "up", "job": "api", "instance": "b:1"]), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
        (L(["__name__": "up", "job": "db", "instance": "c:1"]), [1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
    ]

    struct Expected {
        let minute: Int
        let alertname: String
        /// Firing alerts: labels (without alertname) and annotations.
        let alerts: [([String: String], [String: String])]
    }

    static let a = (["severity": "warning", "job": "api", "instance": "a:1"], ["summary": "a:1 down, value 0, 1 down in total"])
    static let c = (["severity": "critical", "job": "db", "instance": "c:1"], ["summary": "c:1 down, value 0, 2 down in total"])
    static let expected: [Expected] = [
        Expected(minute: 3, alertname: "Down", alerts: []),
        Expected(minute: 4, alertname: "Down", alerts: [c]),
        Expected(minute: 5, alertname: "Down", alerts: [a, c]),
        Expected(minute: 6, alertname: "Down", alerts: [a, c]),
        Expected(minute: 7, alertname: "Down", alerts: [a]),
        Expected(minute: 9, alertname: "Down", alerts: [a]),
        Expected(minute: 10, alertname: "Down", alerts: []),
        Expected(minute: 2, alertname: "FewUp", alerts: [(["job": "db"], ["summary": "DB has 0 up"]), (["job": "api"], ["summary": "API has 1 up"])]),
    ]

    static func yamlMap(_ m: [String: String]) -> String {
        "{" + m.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }.joined(separator: ", ") + "}"
    }

    static func unitTestFile() -> String {
        var out = "rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n"
        for s in input {
            let selector = "up{" + s.labels.filter { $0.name != "__name__" }.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
            out += "      - series: '\(selector)'\n        values: '\(s.values.map { formatPrometheusFloat($0) }.joined(separator: " "))'\n"
        }
        out += "    alert_rule_test:\n"
        for e in expected {
            out += "      - eval_time: \(e.minute)m\n        alertname: \(e.alertname)\n"
            if e.alerts.isEmpty {
                out += "        exp_alerts: []\n"
            } else {
                out += "        exp_alerts:\n"
                for (labels, annotations) in e.alerts {
                    out += "          - exp_labels: \(yamlMap(labels))\n            exp_annotations: \(yamlMap(annotations))\n"
                }
            }
        }
        return out
    }

    @Test func promtoolAcceptsTheExpectedAlerts() throws {
        let promtool = "/usr/bin/promtool"
        try #require(FileManager.default.isExecutableFile(atPath: promtool), "install prometheus (make deps)")
        let dir = NSTemporaryDirectory() + "rules-oracle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.rules.write(toFile: dir + "/rules.yml", atomically: true, encoding: .utf8)
        try Self.unitTestFile().write(toFile: dir + "/test.yml", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promtool)
        p.arguments = ["test", "rules", dir + "/test.yml"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
    }

    @Test func ospreyProducesTheSameAlerts() async throws {
        let h = Harness(externalURL: "")
        for s in Self.input {
            for (i, v) in s.values.enumerated() { h.store.add(s.labels, Int64(i) * minute, v) }
        }
        let g = RuleGroupState(try RuleFileParser.parse(Self.rules, file: "rules.yml").groups[0], defaultIntervalMs: minute, restoreForState: false)
        var firingAt: [Int: [String: [([String: String], [String: String])]]] = [:]
        for m in 0...Self.input[0].values.count - 1 {
            await h.evaluator.evaluate(g, at: Int64(m) * minute)
            for (rule, alerts) in g.alerts() {
                firingAt[m, default: [:]][rule.name] = alerts.filter { $0.state == .firing }.map { a in
                    (Dictionary(a.labels.filter { $0.name != "alertname" }.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x }),
                     Dictionary(a.annotations.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x }))
                }
            }
        }
        for e in Self.expected {
            let got = (firingAt[e.minute]?[e.alertname] ?? []).map { "\($0.0.sorted { $0.key < $1.key }) \($0.1)" }.sorted()
            let want = e.alerts.map { "\($0.0.sorted { $0.key < $1.key }) \($0.1)" }.sorted()
            #expect(got == want, "\(e.alertname) at \(e.minute)m")
        }
    }
}
