import ConfigReader
import Foundation
import OspreyCore
import Testing
@testable import Rules

@Suite struct RuleFileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test func realisticSeverityFileLoads() throws {
        let file = try RuleFileParser.load(path: Self.fixtures.appendingPathComponent("severity-alerts.yml").path)
        #expect(file.groups.map(\.name) == ["availability", "latency", "errors"])
        #expect(file.ruleCount == 7)
        #expect(file.groups[1].intervalMs == 30_000)
        let latency = file.groups[1].rules[1]
        #expect(latency.kind == .alerting)
        #expect(latency.name == "HighRequestLatency")
        #expect(latency.forMs == 10 * 60_000)
        #expect(latency.labels == [Label("severity", "warning")])
        #expect(latency.annotations.map(\.name) == ["summary", "description"])
        #expect(file.groups[1].rules[0].kind == .recording)
        let severities = Set(file.groups.flatMap(\.rules).flatMap(\.labels).filter { $0.name == "severity" }.map(\.value))
        #expect(severities == ["info", "warning", "error", "critical"])
    }

    @Test func groupSettings() throws {
        let file = try RuleFileParser.parse("""
            groups:
            - name: g
              interval: 2m
              limit: 10
              query_offset: 30s
              labels: {team: db}
              rules:
              - alert: A
                expr: up == 0
                for: 5m
                keep_firing_for: 10m
            """, file: "g.yml")
        let g = file.groups[0]
        #expect(g.intervalMs == 120_000 && g.limit == 10 && g.queryOffsetMs == 30_000 && g.labels == [Label("team", "db")])
        #expect(g.rules[0].keepFiringForMs == 600_000)
    }

    /// Every problem of a file is reported, each with file:line, the field, and promtool's wording.
    @Test func invalidFileReportsEveryErrorWithFileLineField() throws {
        let text = """
            groups:
            - name: a
              rules:
              - record: "bad name"
                expr: sum(x
                for: 5m
              - alert: A
                record: b
                expr: up == 0
                labels:
                  "bad-label": x
              - alert: B
                expr: up
                keep_firing_for: soon
            - name: a
              rules:
              - alert: C
            """
        do {
            _ = try RuleFileParser.parse(text, file: "bad.yml")
            Issue.record("an invalid file was accepted")
        } catch let e as RuleFileErrors {
            let lines = e.errors.map(\.description)
            #expect(lines.contains(#"bad.yml:5: groups[0].rules[0].expr: group "a", rule 1, "bad name": could not parse expression: 1:6: parse error: unclosed left parenthesis"#))
            #expect(lines.contains(#"bad.yml:6: groups[0].rules[0].for: group "a", rule 1, "bad name": invalid field 'for' in recording rule"#))
            #expect(lines.contains(#"bad.yml:4: groups[0].rules[0].record: group "a", rule 1, "bad name": invalid recording rule name: bad name"#))
            #expect(lines.contains(#"bad.yml:8: groups[0].rules[1].record: group "a", rule 2, "A": only one of 'record' and 'alert' must be set"#))
            #expect(lines.contains(#"bad.yml:11: groups[0].rules[1].labels.bad-label: invalid label name: bad-label"#))
            #expect(lines.contains { $0.hasPrefix("bad.yml:14: groups[0].rules[2].keep_firing_for: not a valid duration") })
            #expect(lines.contains(#"bad.yml:15: groups[1].name: groupname "a" is repeated in the same file"#))
            #expect(lines.contains(#"bad.yml:17: groups[1].rules[0].expr: group "a", rule 1, "C": field 'expr' must be set in rule"#))
            #expect(lines.count == 8)
        }
    }

    @Test func unknownFieldsAreErrors() throws {
        #expect(throws: RuleFileErrors.self) {
            try RuleFileParser.parse("groups:\n- name: x\n  foo: 1\n  rules: []\n", file: "u.yml")
        }
        do { _ = try RuleFileParser.parse("groups:\n- name: x\n  rules:\n  - alert: A\n    expr: up\n    severity: high\n", file: "u.yml") } catch let e as RuleFileErrors {
            #expect(e.description == "u.yml:6: groups[0].rules[0].severity: unknown field")
        }
    }

    @Test func annotationsOnRecordingRulesAndEmptyGroupNameAreRefused() throws {
        do {
            _ = try RuleFileParser.parse("""
                groups:
                - name: ""
                  rules:
                  - record: r
                    expr: up
                    annotations: {summary: x}
                """, file: "r.yml")
            Issue.record("accepted")
        } catch let e as RuleFileErrors {
            #expect(e.errors.map(\.field) == ["groups[0].name", "groups[0].rules[0].annotations"])
        }
    }

    @Test func yamlSyntaxErrorNamesItsLine() {
        do {
            _ = try RuleFileParser.parse("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n      d: value is: {{ $value }}\n", file: "y.yml")
            Issue.record("accepted")
        } catch let e as ConfigError {
            #expect(e.file == "y.yml" && e.line == 7 && e.field == "(yaml)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
