import Foundation
import Testing

/// `osprey check rules` and the real `promtool check rules` (Debian package prometheus) on the same files
/// give the same verdicts: the same exit status, the same rule counts for valid files, and `FAILED:` for
/// invalid ones.
@Suite struct CheckRulesPromtoolTests {
    static let valid: [String: String] = [
        "recording.yml": """
            groups:
              - name: recording
                interval: 30s
                rules:
                  - record: job:http_requests:rate5m
                    expr: sum by (job) (rate(http_requests_total[5m]))
                  - record: instance:node_cpu:ratio
                    expr: 1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[1m]))
                    labels:
                      team: infra
            """,
        "alerts.yml": """
            groups:
              - name: alerts
                limit: 100
                rules:
                  - alert: Down
                    expr: up == 0
                    for: 5m
                    keep_firing_for: 10m
                    labels:
                      severity: '{{ if eq $labels.job "db" }}critical{{ else }}warning{{ end }}'
                    annotations:
                      summary: '{{ $labels.instance }} down; {{ with query "count(up == 0)" }}{{ . | first | value }}{{ end }} in total'
                      description: '{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}{{ $value | humanize }}'
              - name: empty
                interval: 0s
                limit: -1
                rules: []
            """,
    ]

    static let invalid: [String: String] = [
        "bad-expr.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum(rate(x[5m])\n",
        "bad-record-name.yml": "groups:\n- name: g\n  rules:\n  - record: not valid\n    expr: up\n",
        "both.yml": "groups:\n- name: g\n  rules:\n  - record: r\n    alert: A\n    expr: up\n",
        "neither.yml": "groups:\n- name: g\n  rules:\n  - expr: up\n",
        "no-expr.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n",
        "for-on-record.yml": "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    for: 5m\n",
        "annotations-on-record.yml": "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    annotations:\n      a: b\n",
        "duplicate-group.yml": "groups:\n- name: g\n  rules: []\n- name: g\n  rules: []\n",
        "bad-label.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels:\n      bad-name: x\n",
        "bad-template.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      s: '{{ $labels.x '\n",
        "unknown-function.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      s: '{{ nosuch $value }}'\n",
        "unknown-field.yml": "groups:\n- name: g\n  evaluation: 1m\n  rules: []\n",
        "bad-duration.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: five minutes\n",
        "not-yaml.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      d: value is: {{ $value }}\n",
        "empty-group-name.yml": "groups:\n- rules: []\n",
        "negative-for.yml": "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: -5m\n",
        "name-label.yml": "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n    labels:\n      __name__: x\n",
        "bad-metric-in-expr.yml": "groups:\n- name: g\n  rules:\n  - record: a\n    expr: rate(up[5m]) by (job)\n",
    ]

    func run(_ executable: String, _ arguments: [String]) throws -> CommandOutcome { try runCommand(executable, arguments) }

    @Test func sameVerdictsAsPromtool() throws {
        let promtool = try TestEnvironment.systemBinary("/usr/bin/promtool", package: "prometheus")
        let osprey = try TestEnvironment.ospreyBinary()
        try withTemporaryDirectory("check-rules") { dir in
            var files = Self.valid.merging(Self.invalid) { a, _ in a }
            files["severity-alerts.yml"] = try String(contentsOfFile: TestEnvironment.packageRoot + "/Tests/RulesTests/Fixtures/severity-alerts.yml", encoding: .utf8)
            for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
            for name in files.keys.sorted() {
                let path = dir + "/" + name
                let theirs = try run(promtool, ["check", "rules", path])
                let ours = try run(osprey, ["check", "rules", path])
                let expectValid = Self.valid[name] != nil || name == "severity-alerts.yml"
                #expect(theirs.status == (expectValid ? 0 : 1), "promtool on \(name): \(theirs.stdout)\(theirs.stderr)")
                #expect(ours.status == theirs.status, "\(name): promtool \(theirs.status), osprey \(ours.status)\n\(ours.stdout)\(ours.stderr)")
                #expect(ours.stdout.hasPrefix("Checking \(path)\n"))
                if expectValid {
                    // Same count line, e.g. "  SUCCESS: 7 rules found".
                    let count = theirs.stdout.split(separator: "\n").first { $0.contains("SUCCESS") }
                    #expect(count != nil && ours.stdout.split(separator: "\n").contains(count!), "\(name): \(ours.stdout) vs \(theirs.stdout)")
                } else {
                    #expect(ours.stderr.hasPrefix("  FAILED:\n"))
                    // The first error names the file and a line.
                    let first = ours.stderr.split(separator: "\n").dropFirst().first ?? ""
                    #expect(first.hasPrefix(Substring(path + ":")) && first.dropFirst(path.count + 1).first?.isNumber == true,
                            "\(name): \(ours.stderr)")
                }
            }
            // Several files at once: one failure fails the run, every file is still checked.
            let all = [dir + "/alerts.yml", dir + "/bad-expr.yml", dir + "/recording.yml"]
            let theirs = try run(promtool, ["check", "rules"] + all)
            let ours = try run(osprey, ["check", "rules"] + all)
            #expect(theirs.status == 1 && ours.status == 1)
            #expect(ours.stdout.components(separatedBy: "Checking ").count == 4)
            #expect(ours.stdout.contains("  SUCCESS: 2 rules found"))
        }
    }
}
