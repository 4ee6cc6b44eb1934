import Foundation
import Testing
@testable import GoTemplate

/// Alertmanager's own default templates, as the Debian package installs them (`make deps`), parsed and
/// executed unchanged: the notification texts Osprey sends must match what Alertmanager sends.
@Suite struct RealTemplatesTests {
    static let directory = "/usr/share/prometheus/alertmanager/"

    func load(_ mode: TemplateSet.Mode) throws -> TemplateSet {
        var set = TemplateSet(functions: .alertmanager(), mode: mode)
        for file in ["default.tmpl", "email.tmpl"] {
            let path = RealTemplatesTests.directory + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                Issue.record("\(path) is missing: install prometheus-alertmanager (make deps)")
                continue
            }
            try set.parse(text, name: file)
        }
        return set
    }

    @Test func defaultTextTemplates() throws {
        let set = try load(.text)
        #expect(try set.execute("slack.default.title", data: alertData) == "[FIRING:2] HighLatency (api page)")
        #expect(try set.execute("slack.default.titlelink", data: alertData) == "http://am.example:9093/#/alerts?receiver=team+pager")
        #expect(try set.execute("slack.default.username", data: alertData) == "Alertmanager")
        #expect(try set.execute("slack.default.fallback", data: alertData)
            == "[FIRING:2] HighLatency (api page) | http://am.example:9093/#/alerts?receiver=team+pager")
        let firing: TemplateValue = .object(TestAlerts(all: [TestAlert(
            status: "firing", labels: ["alertname": "HighLatency", "instance": "a"],
            annotations: ["summary": "p99 > 1s"], generatorURL: "http://prom.example/graph")]))
        #expect(try set.execute("pagerduty.default.instances", data: firing) == """
            Labels:
             - alertname = HighLatency
             - instance = a
            Annotations:
             - summary = p99 > 1s
            Source: http://prom.example/graph

            """)
    }

    @Test func defaultEmailIsEscapedHTML() throws {
        let set = try load(.html)
        let html = try set.execute("email.default.html", data: alertData)
        #expect(html.contains("<!DOCTYPE html"))
        #expect(try set.execute("email.default.subject", data: alertData) == "[FIRING:2] HighLatency (api page)")
        #expect(html.contains("runbook = &lt;see wiki&gt;"))
        #expect(html.contains("href=\"http://prom.example/graph?g0.expr=x&amp;g0.tab=1\""))
        #expect(html.contains("[FIRING:2] HighLatency (api page)"))
        #expect(!html.contains("<no value>"))
    }
}
