import Foundation
import OspreyCore
import Testing

/// Rules on a real osprey: a rule file from `rule_files`, data in by remote write, then the rule and alert
/// APIs and the recorded series read back over the query API.
@Suite(.serialized)
struct RulesEndToEndTests {
    static let rules = """
        groups:
          - name: e2e
            interval: 1s
            rules:
              - record: job:e2e_up:sum
                expr: sum by (job) (e2e_up)
              - alert: E2EInstanceDown
                expr: e2e_up == 0
                labels:
                  severity: critical
                annotations:
                  summary: "{{ $labels.instance }} of {{ $labels.job }} is down (value {{ $value }})"
              - alert: E2ESlowBurn
                expr: e2e_up == 0
                for: 1h
                labels:
                  severity: warning
        """

    func json(_ r: HTTPResponse) throws -> [String: Any] {
        guard r.status == 200, let obj = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any] else {
            throw E2EError("HTTP \(r.status): \(r.text)")
        }
        return obj
    }

    @Test func rulesEvaluateAndShowInTheAPI() throws {
        try withTemporaryDirectory("rules-e2e") { dir in
            try FileManager.default.createDirectory(atPath: dir + "/rules", withIntermediateDirectories: true)
            try Self.rules.write(toFile: dir + "/rules/e2e.yml", atomically: true, encoding: .utf8)
            let config = try writeConfig("""
                global:
                  evaluation_interval: 1s
                rule_files: ['rules/*.yml']
                scrape_configs: []
                host_metrics:
                  enabled: false
                """, in: dir)
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: config)
            defer { server.stop() }
            let c = server.client
            // Samples from a minute ago up to five minutes ahead, so every evaluation during the test sees them.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let times = stride(from: now - 60_000, through: now + 300_000, by: 15_000).map { $0 }
            let written = try c.remoteWrite([
                (Labels(["__name__": "e2e_up", "job": "api", "instance": "a:1"]), times.map { Sample($0, 0) }),
                (Labels(["__name__": "e2e_up", "job": "api", "instance": "b:1"]), times.map { Sample($0, 1) }),
            ])
            #expect(written.status == 204)

            // The firing alert appears in /api/v1/alerts, its annotation templated.
            var alerts: [[String: Any]] = []
            let appeared = try poll(timeoutSeconds: 30, intervalMs: 200) {
                let data = try json(c.get("/api/v1/alerts"))["data"] as? [String: Any]
                alerts = data?["alerts"] as? [[String: Any]] ?? []
                return alerts.contains { ($0["state"] as? String) == "firing" }
            }
            #expect(appeared, "no firing alert\n\(server.logTail())")
            let firing = try #require(alerts.first { ($0["labels"] as? [String: String])?["alertname"] == "E2EInstanceDown" })
            #expect(firing["labels"] as? [String: String] == ["alertname": "E2EInstanceDown", "instance": "a:1", "job": "api", "severity": "critical"])
            #expect((firing["annotations"] as? [String: String])?["summary"] == "a:1 of api is down (value 0)")
            #expect(firing["value"] as? String == "0e+00")
            let slow = try #require(alerts.first { ($0["labels"] as? [String: String])?["alertname"] == "E2ESlowBurn" })
            #expect(slow["state"] as? String == "pending")

            // /api/v1/rules in Prometheus's shape.
            let groups = try #require((try json(c.get("/api/v1/rules"))["data"] as? [String: Any])?["groups"] as? [[String: Any]])
            #expect(groups.count == 1)
            #expect(groups[0]["name"] as? String == "e2e")
            #expect((groups[0]["file"] as? String)?.hasSuffix("rules/e2e.yml") == true)
            #expect(groups[0]["interval"] as? Int == 1)
            let rules = try #require(groups[0]["rules"] as? [[String: Any]])
            #expect(rules.map { $0["type"] as? String } == ["recording", "alerting", "alerting"])
            #expect(rules.map { $0["health"] as? String } == ["ok", "ok", "ok"])
            #expect(rules[1]["state"] as? String == "firing")
            #expect(rules[2]["state"] as? String == "pending")
            #expect(rules[2]["duration"] as? Int == 3600)
            #expect(rules[0]["query"] as? String == "sum by (job) (e2e_up)")

            // Filters.
            let recordOnly = try #require((try json(c.get("/api/v1/rules?type=record"))["data"] as? [String: Any])?["groups"] as? [[String: Any]])
            #expect((recordOnly[0]["rules"] as? [[String: Any]])?.map { $0["name"] as? String } == ["job:e2e_up:sum"])
            let byName = try #require((try json(c.get("/api/v1/rules?rule_name[]=E2ESlowBurn&exclude_alerts=true"))["data"] as? [String: Any])?["groups"] as? [[String: Any]])
            let only = try #require((byName[0]["rules"] as? [[String: Any]])?.first)
            #expect(only["name"] as? String == "E2ESlowBurn")
            #expect(only["alerts"] == nil)
            let noGroup = try #require((try json(c.get("/api/v1/rules?rule_group[]=other"))["data"] as? [String: Any])?["groups"] as? [[String: Any]])
            #expect(noGroup.isEmpty)
            #expect(try c.get("/api/v1/rules?type=bogus").status == 400)

            // The recorded series and ALERTS over the query API.
            func instant(_ q: String) throws -> [[String: Any]] {
                let data = try json(c.get("/api/v1/query?query=" + urlEncode(q)))["data"] as? [String: Any]
                return data?["result"] as? [[String: Any]] ?? []
            }
            let recorded = try instant("job:e2e_up:sum")
            #expect(recorded.count == 1)
            #expect(recorded.first?["metric"] as? [String: String] == ["__name__": "job:e2e_up:sum", "job": "api"])
            #expect((recorded.first?["value"] as? [Any])?.last as? String == "1")
            // ALERTS are written once the for: state is restored (after the second evaluation).
            var alertSeries: [[String: Any]] = []
            let written2 = try poll(timeoutSeconds: 30, intervalMs: 200) {
                alertSeries = try instant("ALERTS")
                return alertSeries.count == 2
            }
            #expect(written2, "ALERTS: \(alertSeries)")
            let states = Set(alertSeries.compactMap { ($0["metric"] as? [String: String]).map { "\($0["alertname"]!)/\($0["alertstate"]!)" } })
            #expect(states == ["E2EInstanceDown/firing", "E2ESlowBurn/pending"])
            let forState = try instant("ALERTS_FOR_STATE{alertname=\"E2ESlowBurn\"}")
            #expect(forState.count == 1)
        }
    }

    @Test func invalidRuleFileKeepsTheServerFromStartingAndNamesTheProblem() throws {
        try withTemporaryDirectory("rules-e2e-bad") { dir in
            try "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum(\n".write(toFile: dir + "/bad.yml", atomically: true, encoding: .utf8)
            let config = try writeConfig("rule_files: [bad.yml]\nscrape_configs: []\nhost_metrics:\n  enabled: false\n", in: dir)
            let server = try OspreyServer.launch(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: config)
            let ended = server.process.waitForExit(timeoutSeconds: 30)
            #expect(ended != nil)
            #expect(server.log.contains("bad.yml:5: groups[0].rules[0].expr"), "\(server.logTail())")
        }
    }
}
