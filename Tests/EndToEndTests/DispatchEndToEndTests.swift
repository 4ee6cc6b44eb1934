import Foundation
import Testing

/// Osprey as the Alertmanager of real clients: alerts posted by the real `amtool` and by the real Prometheus
/// (Debian packages) are grouped and delivered to a webhook with Alertmanager's JSON, and a notification
/// delivered before a `kill -9` is not delivered again after the restart.
@Suite(.serialized)
struct DispatchEndToEndTests {
    /// How long a test waits for a notification that should come: group_wait is 1 s, so this only bounds a
    /// broken run.
    static let deliveryTimeoutSeconds = 60.0

    static func ospreyConfig(webhook: String) -> String {
        """
        scrape_configs: []
        host_metrics:
          enabled: false
        alerting:
          route:
            receiver: hook
            group_by: [alertname]
            group_wait: 1s
            group_interval: 2s
            repeat_interval: 1h
          receivers:
            - name: hook
              webhook_configs:
                - url: \(webhook)
        """
    }

    @Test("amtool alert add → grouped → webhook gets Alertmanager's JSON")
    func amtoolAlertReachesWebhook() throws {
        try withTemporaryDirectory("dispatch-amtool") { dir in
            let hook = try DispatchWebhookReceiver(dir: dir + "/hook")
            defer { hook.stop() }
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log",
                                                configPath: try writeConfig(Self.ospreyConfig(webhook: hook.url), in: dir))
            defer { server.kill() }
            for instance in ["db-1", "db-2"] {
                let r = try AlertmanagerAmtoolTests.amtool(server.port, ["alert", "add", "alertname=DiskFull", "severity=critical",
                                                                         "instance=\(instance)", "--annotation=summary=disk is full"])
                #expect(r.status == 0, "amtool failed: \(r.err)")
            }
            let delivered = poll(timeoutSeconds: Self.deliveryTimeoutSeconds, intervalMs: 100) {
                hook.notifications(groupLabels: ["alertname": "DiskFull"]).contains { $0.alertLabels.count == 2 }
            }
            #expect(delivered, "no notification with both alerts; got \(hook.requests())\n\(server.logTail())")
            guard let n = hook.notifications(groupLabels: ["alertname": "DiskFull"]).last else { return }
            #expect(n["version"] as? String == "4")
            #expect(n["status"] as? String == "firing")
            #expect(n["receiver"] as? String == "hook")
            #expect(n["groupKey"] as? String == #"{}:{alertname="DiskFull"}"#)
            #expect(n["groupLabels"] as? [String: String] == ["alertname": "DiskFull"])
            #expect(n["commonLabels"] as? [String: String] == ["alertname": "DiskFull", "severity": "critical"])
            #expect(n["commonAnnotations"] as? [String: String] == ["summary": "disk is full"])
            let alerts = n["alerts"] as? [[String: Any]] ?? []
            #expect(alerts.compactMap { ($0["labels"] as? [String: String])?["instance"] } == ["db-1", "db-2"])
            #expect(alerts.allSatisfy { $0["status"] as? String == "firing" && ($0["fingerprint"] as? String)?.count == 16 })
            #expect(alerts.allSatisfy { $0["endsAt"] as? String == "0001-01-01T00:00:00Z" }, "a firing alert is sent without an end, as Alertmanager sends it")
            #expect(hook.requests().last?["contentType"] as? String == "application/json")
        }
    }

    @Test("Prometheus with Osprey as its Alertmanager: a rule's alert is routed to the webhook")
    func prometheusAlertIsRouted() throws {
        let prometheus = try TestEnvironment.systemBinary(PrometheusInteropTests.prometheusPath, package: "prometheus")
        try withTemporaryDirectory("dispatch-prometheus") { dir in
            let hook = try DispatchWebhookReceiver(dir: dir + "/hook")
            defer { hook.stop() }
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log",
                                                configPath: try writeConfig(Self.ospreyConfig(webhook: hook.url), in: dir))
            defer { server.kill() }
            try """
                groups:
                  - name: always
                    rules:
                      - alert: AlwaysFiring
                        expr: vector(1)
                        for: 0s
                        labels: {severity: info}
                        annotations: {summary: 'fires at once'}
                """.write(toFile: dir + "/rules.yml", atomically: true, encoding: .utf8)
            let config = """
                global:
                  evaluation_interval: 1s
                rule_files: [\(dir)/rules.yml]
                alerting:
                  alertmanagers:
                    - api_version: v2
                      static_configs:
                        - targets: ['127.0.0.1:\(server.port)']
                """
            try config.write(toFile: dir + "/prometheus-rules.yml", atomically: true, encoding: .utf8)
            // The first evaluation can run before Prometheus has its Alertmanager list; a 1s resend delay (default
            // 1m) makes the next send follow at once.
            let (prom, _) = try startHTTPProcess(
                name: "prometheus-rules", executable: prometheus,
                arguments: { port in
                    ["--config.file=\(dir)/prometheus-rules.yml", "--storage.tsdb.path=\(dir)/prometheus",
                     "--web.listen-address=127.0.0.1:\(port)", "--rules.alert.resend-delay=1s"]
                },
                readyPath: "/-/ready", logPath: dir + "/prometheus-rules.log")
            defer { prom.killAndWait() }
            let delivered = poll(timeoutSeconds: Self.deliveryTimeoutSeconds, intervalMs: 100) {
                !hook.notifications(groupLabels: ["alertname": "AlwaysFiring"]).isEmpty
            }
            #expect(delivered, "no notification for AlwaysFiring; got \(hook.requests())\n\(server.logTail())\n\(prom.logTail())")
            guard let n = hook.notifications(groupLabels: ["alertname": "AlwaysFiring"]).first else { return }
            #expect(n["receiver"] as? String == "hook")
            #expect(n["status"] as? String == "firing")
            let alert = (n["alerts"] as? [[String: Any]])?.first ?? [:]
            #expect(alert["labels"] as? [String: String] == ["alertname": "AlwaysFiring", "severity": "info"])
            #expect((alert["annotations"] as? [String: String])?["summary"] == "fires at once")
            #expect((alert["generatorURL"] as? String)?.contains("vector%281%29") == true || (alert["generatorURL"] as? String)?.contains("vector(1)") == true,
                    "Prometheus's link to the expression is kept: \(alert["generatorURL"] ?? "")")
        }
    }

    @Test("Osprey's own rule alerts are routed to the webhook in process")
    func ruleAlertIsRoutedInProcess() throws {
        try withTemporaryDirectory("dispatch-rules") { dir in
            let hook = try DispatchWebhookReceiver(dir: dir + "/hook")
            defer { hook.stop() }
            try """
                groups:
                  - name: always
                    interval: 1s
                    rules:
                      - alert: OwnRule
                        expr: vector(1)
                        labels: {severity: warning}
                """.write(toFile: dir + "/rules.yml", atomically: true, encoding: .utf8)
            let config = Self.ospreyConfig(webhook: hook.url) + "\nrule_files: [rules.yml]\n"
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: try writeConfig(config, in: dir))
            defer { server.kill() }
            let delivered = poll(timeoutSeconds: Self.deliveryTimeoutSeconds, intervalMs: 100) {
                !hook.notifications(groupLabels: ["alertname": "OwnRule"]).isEmpty
            }
            #expect(delivered, "no notification for OwnRule; got \(hook.requests())\n\(server.logTail())")
            #expect(hook.notifications(groupLabels: ["alertname": "OwnRule"]).first?.alertLabels == [["alertname": "OwnRule", "severity": "warning"]])
            let groups = try jsonArray(try server.client.get("/api/v2/alerts/groups").text)
            #expect(groups.compactMap { $0["labels"] as? [String: String] } == [["alertname": "OwnRule"]], "the dispatcher's group is listed")
        }
    }

    @Test("kill -9 after a delivered notification: the restarted server does not deliver it again within repeat_interval")
    func noRepeatAfterKill() throws {
        try withTemporaryDirectory("dispatch-restart") { dir in
            let hook = try DispatchWebhookReceiver(dir: dir + "/hook")
            defer { hook.stop() }
            let configPath = try writeConfig(Self.ospreyConfig(webhook: hook.url), in: dir)
            var server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: configPath)
            defer { server.kill() }
            func add(_ name: String) throws {
                let r = try AlertmanagerAmtoolTests.amtool(server.port, ["alert", "add", "alertname=\(name)", "severity=critical"])
                #expect(r.status == 0, "amtool failed: \(r.err)")
            }
            try add("Outage")
            #expect(poll(timeoutSeconds: Self.deliveryTimeoutSeconds, intervalMs: 100) {
                !hook.notifications(groupLabels: ["alertname": "Outage"]).isEmpty
            }, "first notification not delivered\n\(server.logTail())")
            // The notification log entry is written right after the webhook answered; wait until it is on disk.
            let nflog = dir + "/data/alerting/nflog.log"
            #expect(poll(timeoutSeconds: 10, intervalMs: 20) {
                ((try? FileManager.default.attributesOfItem(atPath: nflog)[.size] as? Int) ?? 0) > 8
            }, "no notification log entry")
            server.kill()

            server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-2.log", configPath: configPath)
            // The client re-sends the firing alert (alerts themselves are not persisted), then a second alert
            // in another group shows when the restarted dispatcher has flushed groups made after the restart.
            try add("Outage")
            try add("Marker")
            #expect(poll(timeoutSeconds: Self.deliveryTimeoutSeconds, intervalMs: 100) {
                !hook.notifications(groupLabels: ["alertname": "Marker"]).isEmpty
            }, "the restarted server delivered nothing\n\(server.logTail())")
            // Two more group_intervals for any late repeat of the first group to show.
            Thread.sleep(forTimeInterval: 5)
            #expect(hook.notifications(groupLabels: ["alertname": "Outage"]).count == 1,
                    "Outage was notified again after the restart: \(hook.notifications(groupLabels: ["alertname": "Outage"]))")
        }
    }

    @Test("reload: a changed route applies; a bad Alertmanager configuration is refused naming file:line:field, and the old one keeps routing")
    func reloadAppliesGoodAndRefusesBadRouting() throws {
        try withTemporaryDirectory("dispatch-reload") { dir in
            let hook = try DispatchWebhookReceiver(dir: dir + "/hook")
            defer { hook.stop() }
            let base = "http://127.0.0.1:\(hook.port)"
            func config(receiver: String, extra: String = "") -> String {
                """
                scrape_configs: []
                host_metrics:
                  enabled: false
                alerting:
                  route:
                    receiver: \(receiver)
                    group_by: [alertname]
                    group_wait: 0s
                    group_interval: 1s
                  receivers:
                    - name: first
                      webhook_configs: [{url: "\(base)/first"}]
                    - name: second
                      webhook_configs: [{url: "\(base)/second"}]
                \(extra)
                """
            }
            let path = try writeConfig(config(receiver: "first"), in: dir)
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: path)
            defer { server.stop() }
            let c = server.client
            func post(_ name: String) throws {
                let r = try c.post("/api/v2/alerts", body: Array("[{\"labels\": {\"alertname\": \"\(name)\"}}]".utf8),
                                   headers: [("Content-Type", "application/json")])
                #expect(r.status == 200, "\(r.text)")
            }
            func paths(_ name: String) -> [String] {
                hook.requests().filter { (($0["body"] as? [String: Any])?["groupLabels"] as? [String: String])?["alertname"] == name }
                    .compactMap { $0["path"] as? String }
            }
            try post("A")
            #expect(poll(timeoutSeconds: Self.deliveryTimeoutSeconds, intervalMs: 100) { paths("A").contains("/first") }, "\(server.logTail())")

            // A route naming a receiver that does not exist: refused, and routing stays as it was.
            try config(receiver: "nobody").write(toFile: path, atomically: true, encoding: .utf8)
            let refused = try c.post("/-/reload")
            #expect(refused.status == 500)
            #expect(refused.text.contains("osprey.yml:6: alerting.route.receiver"), "\(refused.text)")
            #expect(refused.text.contains("\"nobody\""), "\(refused.text)")
            try post("B")
            #expect(poll(timeoutSeconds: Self.deliveryTimeoutSeconds, intervalMs: 100) { paths("B").contains("/first") }, "\(server.logTail())")
            let status = try c.get("/api/v2/status").text
            #expect(status.contains("receiver: first") && !status.contains("nobody"), "the running configuration is the old one: \(status)")

            // A good change applies: new groups go to the second receiver.
            try config(receiver: "second").write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try c.post("/-/reload").status == 200)
            try post("C")
            #expect(poll(timeoutSeconds: Self.deliveryTimeoutSeconds, intervalMs: 100) { paths("C").contains("/second") }, "\(server.logTail())")
            #expect(!paths("C").contains("/first"))
        }
    }
}
