import Foundation
import Testing

/// `osprey serve --config examples/osprey.yml` runs: the example rules load and evaluate, alerts of each
/// severity reach the receivers the example promises, the on-call schedules answer, and a critical alert
/// becomes an incident that pages the on-call rotation while other severities do not. The test runs a copy of examples/ whose only changes send
/// notifications to a closed local port instead of the example's placeholder addresses on the internet.
@Suite struct ExampleConfigServeTests {
    /// The copied alertmanager.yml with every outgoing address pointed at `port` on loopback.
    static func localAddresses(_ text: String, port: Int) throws -> String {
        let replacements = [
            ("smtp_smarthost: 'smtp.example.com:587'", "smtp_smarthost: '127.0.0.1:\(port)'"),
            ("slack_api_url: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'",
             "slack_api_url: 'http://127.0.0.1:\(port)/slack'\n  pagerduty_url: 'http://127.0.0.1:\(port)/pagerduty'"),
            ("http://127.0.0.1:9095/heartbeat", "http://127.0.0.1:\(port)/heartbeat"),
        ]
        var out = text
        for (from, to) in replacements {
            guard out.contains(from) else { throw E2EError("examples/alertmanager.yml no longer contains \(from); update this test") }
            out = out.replacingOccurrences(of: from, with: to)
        }
        return out
    }

    func data(_ r: HTTPResponse) throws -> Any {
        #expect(r.status == 200, "\(r.text)")
        return try #require(try jsonObject(r.text)["data"], "\(r.text)")
    }

    @Test func serveRunsTheExample() throws {
        try withTemporaryDirectory("example-serve") { dir in
            try ExampleConfigTests.copyExamples(to: dir)
            let amPath = dir + "/alertmanager.yml"
            let closed = try freeLocalPort()
            try Self.localAddresses(try String(contentsOfFile: amPath, encoding: .utf8), port: closed)
                .write(toFile: amPath, atomically: true, encoding: .utf8)
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: dir + "/osprey.yml")
            defer { server.stop() }
            let c = server.client

            // Every rule group of examples/rules is loaded; every alert carries one of the four severities
            // and every severity is used.
            let rules = try #require((try data(try c.get("/api/v1/rules")) as? [String: Any])?["groups"] as? [[String: Any]])
            #expect(Set(rules.compactMap { $0["name"] as? String }) ==
                    ["service-recording", "host-recording", "service-alerts", "host-alerts", "platform-alerts"])
            let alerting = rules.flatMap { $0["rules"] as? [[String: Any]] ?? [] }.filter { $0["type"] as? String == "alerting" }
            let severities = alerting.map { ($0["labels"] as? [String: String])?["severity"] ?? "" }
            #expect(alerting.count >= 15)
            #expect(Set(severities) == ExampleConfigTests.severities, "\(severities)")

            // Out of the box the heartbeat fires at the first evaluation and goes to the dead man's switch.
            var watchdog: [String: Any]?
            let fired = poll(timeoutSeconds: 60, intervalMs: 250) {
                watchdog = (try? jsonArray(try c.get("/api/v2/alerts?filter=alertname%3D%22Watchdog%22").text))?.first
                return watchdog != nil
            }
            #expect(fired, "Watchdog never reached Osprey's Alertmanager\n\(server.logTail())")
            #expect(Self.receivers(watchdog) == ["deadmans-switch"])

            // An alert of each severity, posted as Prometheus posts them, reaches the promised receivers.
            let posted = ExampleConfigTests.expectedReceivers.map {
                #"{"labels":{"alertname":"Example\#($0.severity)","severity":"\#($0.severity)","service":"shop"},"annotations":{"summary":"s"}}"#
            }
            let post = try c.post("/api/v2/alerts", body: Array("[\(posted.joined(separator: ","))]".utf8), headers: [("Content-Type", "application/json")])
            #expect(post.status == 200, "\(post.text)")
            let alerts = try jsonArray(try c.get("/api/v2/alerts?filter=service%3D%22shop%22").text)
            for (severity, expected) in ExampleConfigTests.expectedReceivers {
                let alert = alerts.first { ($0["labels"] as? [String: String])?["severity"] == severity }
                #expect(Self.receivers(alert).joined(separator: ",") == expected, "\(severity): \(alert ?? [:])")
            }

            // Both rotations answer; they hand over on Monday 09:00 Berlin time (08:00Z in winter), the
            // secondary one week ahead of the primary.
            let schedules = try #require(try data(try c.get("/api/oncall/schedules")) as? [[String: Any]])
            #expect(schedules.compactMap { $0["name"] as? String } == ["primary", "secondary"])
            #expect(schedules.allSatisfy { $0["time_zone"] as? String == "Europe/Berlin" && $0["on_call"] is String }, "\(schedules)")
            func onCall(_ schedule: String, _ time: String) throws -> String? {
                let now = try data(try c.get("/api/oncall/schedules/\(schedule)/now?time=\(time)")) as? [String: Any]
                return (now?["on_call"] as? [String: Any])?["name"] as? String
            }
            #expect(try onCall("primary", "2026-01-12T07:59:00Z") == "alice")
            #expect(try onCall("primary", "2026-01-12T08:00:00Z") == "bob")
            #expect(try onCall("secondary", "2026-01-12T07:59:00Z") == "bob")
            #expect(try onCall("secondary", "2026-01-12T08:00:00Z") == "dave")

            // The posted critical alert's group reaches the pager after its group_wait and becomes an incident of
            // the escalation policy, whose first step pages whoever is on call in the primary rotation. No other
            // severity's group escalates.
            var incidents: [[String: Any]] = []
            let opened = poll(timeoutSeconds: 60, intervalMs: 250) {
                incidents = (try? data(try c.get("/api/oncall/incidents")) as? [[String: Any]]) ?? []
                return !incidents.isEmpty
            }
            #expect(opened, "no incident for the critical alert\n\(server.logTail())")
            #expect(incidents.count == 1, "only the critical group escalates: \(incidents)")
            let incident = try #require(incidents.first)
            #expect(incident["policy"] as? String == "critical-page" && incident["receiver"] as? String == "pager", "\(incident)")
            #expect((incident["labels"] as? [String: String])?["alertname"] == "Examplecritical")
            let id = try #require(incident["id"] as? String)
            var timeline: [[String: Any]] = []
            let paged = poll(timeoutSeconds: 60, intervalMs: 250) {
                timeline = ((try? data(try c.get("/api/oncall/incidents/\(id)"))) as? [String: Any])?["timeline"] as? [[String: Any]] ?? []
                return timeline.contains { $0["kind"] as? String == "escalated" }
            }
            #expect(paged, "step 1 did not run\n\(server.logTail())")
            let step = timeline.first { $0["kind"] as? String == "escalated" }
            let delivery = (step?["deliveries"] as? [[String: Any]])?.first
            #expect(delivery?["target"] as? String == "schedule" && delivery?["name"] as? String == "primary", "\(timeline)")

            // A hand-opened incident for a chat group finds no policy.
            let chat = try c.post("/api/oncall/incidents", body: Array(#"""
                {"group_key": "{}/{severity=~\"critical|error|warning\"}:{alertname=\"HighLatency\"}", "receiver": "chat",
                 "labels": {"alertname": "HighLatency", "severity": "warning"}, "summary": "HighLatency"}
                """#.utf8))
            #expect(chat.status == 400 && chat.text.contains("no escalation policy applies"), "\(chat.text)")
            #expect(try c.post("/api/oncall/incidents/\(id)/ack", body: Array(#"{"by": "alice"}"#.utf8)).status == 200)
        }
    }

    static func receivers(_ alert: [String: Any]?) -> [String] {
        (alert?["receivers"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
    }
}
