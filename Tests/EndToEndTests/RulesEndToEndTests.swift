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

            // Osprey's own metrics count the evaluations per group.
            let metrics = try c.get("/metrics").text
            #expect(metrics.contains("/rules/e2e.yml;e2e\"}"), "\(metrics.prefix(2000))")
            #expect(metrics.contains("osprey_rule_evaluations_total{rule_group="))
        }
    }

    @Test func reloadPicksUpChangedRuleFilesAndRefusesBadOnes() throws {
        try withTemporaryDirectory("rules-e2e-reload") { dir in
            let rulePath = dir + "/rules.yml"
            try "groups:\n- name: g\n  interval: 1s\n  rules:\n  - record: one\n    expr: vector(1)\n".write(toFile: rulePath, atomically: true, encoding: .utf8)
            let config = try writeConfig("rule_files: [rules.yml]\nscrape_configs: []\nhost_metrics:\n  enabled: false\n", in: dir)
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: config)
            defer { server.stop() }
            let c = server.client
            func ruleNames() throws -> [String] {
                let groups = (try json(c.get("/api/v1/rules"))["data"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
                return groups.flatMap { ($0["rules"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
            }
            #expect(try ruleNames() == ["one"])

            try "groups:\n- name: g\n  interval: 1s\n  rules:\n  - record: one\n    expr: vector(1)\n  - record: two\n    expr: vector(2)\n".write(toFile: rulePath, atomically: true, encoding: .utf8)
            #expect(try c.post("/-/reload").status == 200)
            #expect(try poll(timeoutSeconds: 10) { try ruleNames() == ["one", "two"] }, "\(server.logTail())")

            // A bad file: the reload fails naming the problem, and the running rules stay.
            try "groups:\n- name: g\n  rules:\n  - record: three\n    expr: vector(\n".write(toFile: rulePath, atomically: true, encoding: .utf8)
            let refused = try c.post("/-/reload")
            #expect(refused.status == 500)
            #expect(refused.text.contains("rules.yml:5: groups[0].rules[0].expr"), "\(refused.text)")
            #expect(try ruleNames() == ["one", "two"])
        }
    }

    /// `alerting.alertmanagers` static targets: a firing rule alert reaches the real Alertmanager (Debian
    /// prometheus-alertmanager) after `alert_relabel_configs`, read back with the real amtool.
    @Test func firingAlertsReachAConfiguredAlertmanager() throws {
        let alertmanager = try TestEnvironment.systemBinary("/usr/bin/prometheus-alertmanager", package: "prometheus-alertmanager")
        let amtool = try TestEnvironment.systemBinary("/usr/bin/amtool", package: "prometheus-alertmanager")
        try withTemporaryDirectory("rules-e2e-am") { dir in
            try "route:\n  receiver: blackhole\nreceivers:\n- name: blackhole\n".write(toFile: dir + "/am.yml", atomically: true, encoding: .utf8)
            let amPort = try freeLocalPort()
            let am = try ChildProcess(name: "alertmanager", executable: alertmanager, arguments: [
                "--config.file=\(dir)/am.yml", "--storage.path=\(dir)/am-data", "--web.listen-address=127.0.0.1:\(amPort)",
                "--cluster.listen-address=",
            ], logPath: dir + "/am.log")
            defer { _ = am.terminate(timeoutSeconds: 10) }
            try "groups:\n- name: am\n  interval: 1s\n  rules:\n  - alert: AlwaysOn\n    expr: vector(1)\n    labels:\n      severity: info\n    annotations:\n      summary: 'value {{ $value }}'\n"
                .write(toFile: dir + "/rules.yml", atomically: true, encoding: .utf8)
            let config = try writeConfig("""
                global:
                  external_labels:
                    cluster: e2e
                rule_files: [rules.yml]
                alerting:
                  alert_relabel_configs:
                    - target_label: via
                      replacement: osprey
                  alertmanagers:
                    - static_configs:
                        - targets: ['127.0.0.1:\(amPort)']
                scrape_configs: []
                host_metrics:
                  enabled: false
                """, in: dir)
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: config)
            defer { server.stop() }

            var alerts: [[String: Any]] = []
            let arrived = try poll(timeoutSeconds: 30, intervalMs: 250) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: amtool)
                p.arguments = ["alert", "query", "-o", "json", "--alertmanager.url=http://127.0.0.1:\(amPort)"]
                let out = Pipe()
                p.standardOutput = out
                p.standardError = FileHandle(forWritingAtPath: "/dev/null")
                try p.run()
                let data = out.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                alerts = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] ?? []
                return !alerts.isEmpty
            }
            #expect(arrived, "no alert reached Alertmanager\n\(server.logTail())\n\(am.logTail())")
            guard let alert = alerts.first else { return }
            #expect(alert["labels"] as? [String: String] == ["alertname": "AlwaysOn", "severity": "info", "cluster": "e2e", "via": "osprey"])
            #expect(alert["annotations"] as? [String: String] == ["summary": "value 1"])
            #expect(alert["generatorURL"] as? String == "http://127.0.0.1:\(server.port)/graph?g0.expr=vector%281%29&g0.tab=1")
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
