import OspreyCore
import Testing
@testable import Rules

@Suite struct TemplateTests {
    func firstAlert(_ h: Harness, _ yaml: String, at t: Int64 = t0) async throws -> ActiveAlert {
        let g = try h.group(yaml)
        await h.evaluator.evaluate(g, at: t)
        let alerts = g.alerts()[0].alerts
        try #require(alerts.count == 1, "rule error: \(g.status().rules[0].lastError ?? "none")")
        return alerts[0]
    }

    @Test func annotationsAndLabelsUseLabelsValueAndExternalData() async throws {
        let h = Harness(externalLabels: L(["cluster": "eu-west"]), externalURL: "https://osprey.example.com")
        h.store.fill(L(["__name__": "node_memory_ratio", "instance": "web-1.example.com:9100", "job": "node"]),
                     from: t0 - 5 * minute, to: t0, value: 0.9234)
        let a = try await firstAlert(h, """
            groups:
            - name: t
              rules:
              - alert: memory pressure
                expr: node_memory_ratio > 0.8
                labels:
                  severity: '{{ if gt $value 0.9 }}critical{{ else }}warning{{ end }}'
                  host: '{{ $labels.instance | reReplaceAll ":[0-9]+$" "" }}'
                  empty: '{{ $labels.missing }}'
                annotations:
                  summary: '{{ $labels.job | toUpper }} {{ $labels.instance }} at {{ $value | humanizePercentage }}'
                  title: '{{ "memory pressure" | title }}'
                  cluster: 'cluster {{ $externalLabels.cluster }}, see {{ $externalURL }}/alerts'
                  raw: '{{ printf "%.2f" $value }} / {{ $value }} / {{ humanize 1234567 }}'
                  duration: '{{ 3725 | humanizeDuration }}'
            """)
        #expect(a.labels["severity"] == "critical")
        #expect(a.labels["host"] == "web-1.example.com")
        #expect(a.labels["empty"] == nil, "a label expanding to the empty string is dropped")
        #expect(a.annotations["summary"] == "NODE web-1.example.com:9100 at 92.34%")
        #expect(a.annotations["title"] == "Memory Pressure")
        #expect(a.annotations["cluster"] == "cluster eu-west, see https://osprey.example.com/alerts")
        #expect(a.annotations["raw"] == "0.92 / 0.9234 / 1.235M")
        #expect(a.annotations["duration"] == "1h 2m 5s")
    }

    @Test func queryFunctionWithFirstAndValueAndRange() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "instance": "a", "job": "api"]), from: t0 - 5 * minute, to: t0, value: 0)
        h.store.fill(L(["__name__": "up", "instance": "b", "job": "api"]), from: t0 - 5 * minute, to: t0, value: 1)
        h.store.fill(L(["__name__": "up", "instance": "c", "job": "api"]), from: t0 - 5 * minute, to: t0, value: 1)
        let a = try await firstAlert(h, """
            groups:
            - name: t
              rules:
              - alert: SomeDown
                expr: count(up == 0) > 0
                annotations:
                  ratio: '{{ with query "sum(up) / count(up)" }}{{ . | first | value | humanizePercentage }}{{ end }} up'
                  list: '{{ range query "up == 1" | sortByLabel "instance" }}{{ .Labels.instance }}={{ .Value }} {{ end }}'
                  none: '{{ with query "up == 5" }}some{{ else }}none{{ end }}'
            """)
        #expect(a.annotations["ratio"] == "66.67% up")
        #expect(a.annotations["list"] == "b=1 c=1 ")
        #expect(a.annotations["none"] == "none")
    }

    @Test func executionErrorIsRecordedInTheAnnotation() async throws {
        let h = Harness()
        h.store.fill(L(["__name__": "up", "instance": "a"]), from: t0 - 5 * minute, to: t0, value: 0)
        let a = try await firstAlert(h, """
            groups:
            - name: t
              rules:
              - alert: Broken
                expr: up == 0
                annotations:
                  summary: '{{ query "sum(" | first | value }}'
                  fine: ok
            """)
        let summary = try #require(a.annotations["summary"])
        #expect(summary.hasPrefix("<error expanding template: error executing template __alert_Broken: template: __alert_Broken:1:"))
        #expect(summary.contains("parse error"))
        #expect(a.annotations["fine"] == "ok")
    }

    @Test func templateParseErrorsFailTheRuleFileCheck() throws {
        do {
            _ = try RuleFileParser.parse("""
                groups:
                - name: t
                  rules:
                  - alert: A
                    expr: up == 0
                    annotations:
                      summary: "{{ $labels.x "
                      other: "{{ nosuchfunc 1 }}"
                """, file: "t.yml")
            Issue.record("accepted")
        } catch let e as RuleFileErrors {
            let lines = e.errors.map(\.description)
            #expect(lines.contains(#"t.yml:7: groups[0].rules[0].annotations.summary: group "t", rule 1, "A": annotation "summary": template: __alert_A:1: unclosed action"#))
            #expect(lines.count == 2)
            #expect(lines.contains { $0.contains("annotations.other") && $0.contains("function \"nosuchfunc\" not defined") })
        }
    }
}
