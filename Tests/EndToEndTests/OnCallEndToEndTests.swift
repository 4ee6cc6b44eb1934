import Foundation
import Testing

/// On-call through the real server: schedules over HTTP, and incident acknowledgements that survive
/// `kill -9` right after the server answered.
@Suite(.serialized)
struct OnCallEndToEndTests {
    static let config = """
        scrape_configs: []
        host_metrics:
          enabled: false
        oncall:
          external_url: https://osprey.example.com
          people:
            - {name: alice, email: alice@example.com, phone: "+4915112345678"}
            - {name: bob, email: bob@example.com}
            - {name: carol, email: carol@example.com}
          schedules:
            - name: primary
              time_zone: Europe/Berlin
              layers:
                - {rotation: daily, handoff: "09:00", start: 2026-01-01, participants: [alice, bob]}
              overrides:
                - {start: "2026-03-30 12:00", end: "2026-03-30 18:00", person: carol}
          escalation_policies:
            - name: critical
              receivers: [pager]
              matchers: ['severity="critical"']
              steps:
                - notify_schedule: primary
                  wait: 10m
                - notify_person: carol
        """

    func object(_ r: HTTPResponse) throws -> [String: Any] {
        let o = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
        return try #require(o, "not a JSON object: \(r.text)")
    }

    func data(_ r: HTTPResponse) throws -> [String: Any] {
        #expect(r.status == 200, "\(r.text)")
        return try #require(try object(r)["data"] as? [String: Any], "\(r.text)")
    }

    @Test func schedulesNowAndShiftsOverHTTP() throws {
        try withTemporaryDirectory("oncall-schedules") { dir in
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: try writeConfig(Self.config, in: dir))
            defer { server.stop() }
            let c = server.client
            let list = try object(try c.get("/api/oncall/schedules"))["data"] as? [[String: Any]]
            #expect(list?.first?["name"] as? String == "primary" && list?.first?["time_zone"] as? String == "Europe/Berlin")
            #expect(["alice", "bob"].contains(list?.first?["on_call"] as? String ?? ""), "someone is on call right now")

            // 2026-03-29, the spring-forward day, is day 87 from the start (odd: bob). Its shift starts at
            // 09:00 CEST = 07:00Z, the day before at 09:00 CET = 08:00Z.
            let now = try data(try c.get("/api/oncall/schedules/primary/now?time=2026-03-29T12:00:00Z"))
            let person = try #require(now["on_call"] as? [String: Any])
            let shift = try #require(now["shift"] as? [String: Any])
            #expect(person["name"] as? String == "bob" && person["email"] as? String == "bob@example.com")
            #expect(shift["start"] as? String == "2026-03-29T07:00:00Z" && shift["end"] as? String == "2026-03-30T07:00:00Z")

            let week = try data(try c.get("/api/oncall/schedules/primary/shifts?from=2026-03-28T08:00:00Z&to=2026-03-31T07:00:00Z"))
            let shifts = try #require(week["shifts"] as? [[String: Any]])
            #expect(shifts.map { $0["person"] as? String ?? "" } == ["alice", "bob", "alice", "carol", "alice"])
            #expect(shifts.map { $0["start"] as? String ?? "" } ==
                    ["2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z", "2026-03-30T10:00:00Z", "2026-03-30T16:00:00Z"])
            #expect(shifts[3]["source"] as? String == "override")

            let ahead = try data(try c.get("/api/oncall/schedules/primary/shifts"))
            let next = try #require(ahead["shifts"] as? [[String: Any]])
            #expect((14...15).contains(next.count), "two weeks of daily shifts by default, got \(next.count)")

            let bad = try c.get("/api/oncall/schedules/primary/shifts?from=yesterday")
            #expect(bad.status == 400 && bad.text.contains("from:"))
            #expect(try c.get("/api/oncall/schedules/secondary/now").status == 404)
        }
    }

    @Test func acknowledgementSurvivesKill9RightAfterTheAnswer() throws {
        try withTemporaryDirectory("oncall-kill") { dir in
            let path = try writeConfig(Self.config, in: dir)
            var server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-1.log", configPath: path)
            let open = try server.client.post("/api/oncall/incidents", body: Array("""
                {"group_key": "{}:{alertname=\\"DiskFull\\"}", "receiver": "pager",
                 "labels": {"alertname": "DiskFull", "severity": "critical"}, "summary": "DiskFull on db-1"}
                """.utf8))
            let incident = try data(open)
            let id = try #require(incident["id"] as? String)
            #expect(incident["state"] as? String == "triggered")

            // The running server escalates: step 1 pages whoever is on call (by email; with no SMTP server
            // configured the timeline records the attempt as failed, saying what to set).
            let escalated = poll(timeoutSeconds: 30, intervalMs: 100) {
                let t = (try? data(try server.client.get("/api/oncall/incidents/\(id)")))?["timeline"] as? [[String: Any]] ?? []
                return t.contains { $0["kind"] as? String == "notified" }
            }
            #expect(escalated, "step 1 ran in the server")
            let timeline = try data(try server.client.get("/api/oncall/incidents/\(id)"))["timeline"] as? [[String: Any]] ?? []
            let step = try #require(timeline.first { $0["kind"] as? String == "escalated" })
            #expect(step["step"] as? Int == 1 && (step["deliveries"] as? [[String: Any]])?.first?["target"] as? String == "schedule")

            let noBy = try server.client.post("/api/oncall/incidents/\(id)/ack", body: Array("{}".utf8))
            #expect(noBy.status == 400 && noBy.text.contains("by:"))
            #expect(try server.client.post("/api/oncall/incidents/999/ack", body: Array("{\"by\":\"x\"}".utf8)).status == 404)

            let ack = try server.client.post("/api/oncall/incidents/\(id)/ack", body: Array("{\"by\": \"alice\"}".utf8))
            #expect(try data(ack)["state"] as? String == "acknowledged")
            server.kill()

            server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-2.log", configPath: path)
            defer { server.stop() }
            let after = try data(try server.client.get("/api/oncall/incidents/\(id)"))
            #expect(after["state"] as? String == "acknowledged" && after["acknowledged_by"] as? String == "alice")
            let kinds = (after["timeline"] as? [[String: Any]] ?? []).map { $0["kind"] as? String ?? "" }
            #expect(kinds.first == "opened" && kinds.last == "acknowledged", "\(kinds)")
            let acked = try object(try server.client.get("/api/oncall/incidents?state=acknowledged"))["data"] as? [[String: Any]]
            #expect(acked?.map { $0["id"] as? String } == [id])
            #expect(try server.client.get("/api/oncall/incidents?state=open").status == 400)
        }
    }

    @Test func criticalAlertOpensAnIncidentPagesThroughAWebhookAndItsLinkAcknowledges() throws {
        try withTemporaryDirectory("oncall-routed") { dir in
            let hook = try DispatchWebhookReceiver(dir: dir + "/hook")
            defer { hook.stop() }
            let base = "http://127.0.0.1:\(hook.port)"
            let config = """
                scrape_configs: []
                host_metrics:
                  enabled: false
                alerting:
                  route:
                    receiver: chat
                    group_by: [alertname]
                    group_wait: 1s
                    group_interval: 2s
                    routes:
                      - matchers: ['severity="critical"']
                        receiver: pager
                  receivers:
                    - name: chat
                      webhook_configs: [{url: "\(base)/chat"}]
                    - name: pager
                      webhook_configs: [{url: "\(base)/pager"}]
                oncall:
                  external_url: https://osprey.example.com
                  people:
                    - {name: alice, webhook_url: "\(base)/alice"}
                  escalation_policies:
                    - name: critical
                      receivers: [pager]
                      steps:
                        - {notify_person: alice, wait: 1h}
                """
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: try writeConfig(config, in: dir))
            defer { server.stop() }
            let c = server.client
            let post = try c.post("/api/v2/alerts", body: Array("""
                [{"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db-1"},
                  "annotations": {"summary": "Disk almost full on db-1"}},
                 {"labels": {"alertname": "Slow", "severity": "warning"}}]
                """.utf8), headers: [("Content-Type", "application/json")])
            #expect(post.status == 200, "\(post.text)")

            func body(_ path: String) -> [String: Any]? {
                hook.requests().first { $0["path"] as? String == path }?["body"] as? [String: Any]
            }
            let paged = poll(timeoutSeconds: 60, intervalMs: 100) { body("/pager") != nil && body("/alice") != nil && body("/chat") != nil }
            #expect(paged, "got \(hook.requests())\n\(server.logTail())")
            let incidents = try object(try c.get("/api/oncall/incidents"))["data"] as? [[String: Any]] ?? []
            #expect(incidents.count == 1, "only the critical group escalates: \(incidents)")
            let id = try #require(incidents.first?["id"] as? String)
            #expect(incidents.first?["summary"] as? String == "[FIRING:1] DiskFull: Disk almost full on db-1")

            // The pager's own notification and alice's page both carry the links; the warning's does not.
            let pagerLinks = try #require(body("/pager")?["links"] as? [String: String])
            #expect(pagerLinks["Incident"] == "https://osprey.example.com/api/oncall/incidents/\(id)")
            #expect(body("/chat")?["links"] == nil)
            let aliceLinks = try #require(body("/alice")?["links"] as? [String: String])
            let ack = try #require(aliceLinks["Acknowledge"])
            #expect(ack.hasPrefix("https://osprey.example.com/oncall/incidents/\(id)/ack?token=") && ack.hasSuffix("&by=alice"))
            #expect((body("/alice")?["alerts"] as? [[String: Any]])?.first?["annotations"] as? [String: String] == ["summary": "Disk almost full on db-1"])

            // Her page and the pager's notification are recorded once the webhook answered, which can be a moment
            // after it received them.
            #expect(poll(timeoutSeconds: 30, intervalMs: 100) {
                let t = (try? data(try c.get("/api/oncall/incidents/\(id)")))?["timeline"] as? [[String: Any]] ?? []
                let targets = Set(t.compactMap { ($0["delivery"] as? [String: Any])?["target"] as? String })
                return targets.isSuperset(of: ["person", "route"])
            }, "alice's page or the pager's notification is not in the timeline")

            // alice opens her link (a confirmation page) and presses its button.
            let path = String(ack.dropFirst("https://osprey.example.com".count))
            let page = try c.get(path)
            #expect(page.status == 200 && page.text.contains("<form method=\"post\""))
            let query = try #require(path.split(separator: "?").last)
            let done = try c.post("/oncall/incidents/\(id)/ack", body: Array(query.utf8),
                                  headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(done.status == 200, "\(done.text)")
            let after = try data(try c.get("/api/oncall/incidents/\(id)"))
            #expect(after["state"] as? String == "acknowledged" && after["acknowledged_by"] as? String == "alice")
            // The pager's notification and the page run side by side, so their entries may come in either order.
            let timeline = after["timeline"] as? [[String: Any]] ?? []
            let kinds = timeline.map { $0["kind"] as? String ?? "" }
            #expect(kinds.first == "opened" && kinds.last == "acknowledged" && kinds.sorted() == ["acknowledged", "escalated", "notified", "notified", "opened"],
                    "\(kinds)")
            func notified(_ target: String) -> [String: Any]? {
                (timeline.first { ($0["delivery"] as? [String: Any])?["target"] as? String == target }?["attempts"] as? [[String: Any]])?.first
            }
            #expect(notified("person")?["channel"] as? String == "webhook" && notified("person")?["ok"] as? Bool == true)
            #expect(notified("route")?["channel"] as? String == "webhook" && notified("route")?["address"] as? String == "pager")
            #expect(timeline.last?["via"] as? String == "link")
        }
    }

    @Test func linkGETOnlyShowsAPageAndThePOSTResolves() throws {
        try withTemporaryDirectory("oncall-link") { dir in
            let path = try writeConfig(Self.config, in: dir)
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: path)
            defer { server.stop() }
            let c = server.client
            let id = try #require(try data(try c.post("/api/oncall/incidents", body: Array("""
                {"group_key": "g1", "receiver": "pager", "labels": {"severity": "critical"}, "summary": "db down"}
                """.utf8)))["id"] as? String)
            // The link secret goes out only in notifications; read it from the incidents log (docs/format/incidents.md).
            let log = try String(contentsOfFile: dir + "/data/alerting/incidents.log", encoding: .isoLatin1)
            let token = try #require(log.range(of: "\"token\":\"").map { String(log[$0.upperBound...].prefix(32)) })

            let page = try c.get("/oncall/incidents/\(id)/resolve?token=\(token)&by=bob")
            #expect(page.status == 200 && page.text.contains("<form method=\"post\"") && page.text.contains("db down"))
            #expect(try data(try c.get("/api/oncall/incidents/\(id)"))["state"] as? String == "triggered", "a GET changes nothing")
            #expect(try c.get("/oncall/incidents/\(id)/resolve?token=\(String(repeating: "0", count: 32))").status == 403)
            let wrong = try c.post("/oncall/incidents/\(id)/resolve", body: Array("token=abc&by=bob".utf8),
                                   headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(wrong.status == 403)

            let done = try c.post("/oncall/incidents/\(id)/resolve", body: Array("token=\(token)&by=bob".utf8),
                                  headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(done.status == 200, "\(done.text)")
            let after = try data(try c.get("/api/oncall/incidents/\(id)"))
            #expect(after["state"] as? String == "resolved" && after["resolved_by"] as? String == "bob")
            // (Step 1's page may still be recorded after the resolution: it was on its way.)
            #expect((after["timeline"] as? [[String: Any]])?.last { $0["kind"] as? String == "resolved" }?["via"] as? String == "link")
        }
    }

    @Test func checkConfigNamesFileLineAndFieldOfAnOnCallMistake() throws {
        let typo = try checkConfig(Self.config.replacingOccurrences(of: "participants: [alice, bob]", with: "participants: [alice, bobby]"))
        #expect(typo.status == 1)
        #expect(typo.output.contains("FAILED: DIR/osprey.yml:14: oncall.schedules[0].layers[0].participants[1]: unknown person \"bobby\""), "\(typo.output)")

        // A policy naming a receiver Alertmanager's configuration lacks would never escalate anything.
        let alerting = "\nalerting:\n  route:\n    receiver: chat\n  receivers:\n    - name: chat\n"
        let line = Self.config.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("receivers: [pager]") }! + 1
        let missing = try checkConfig(Self.config + alerting)
        #expect(missing.status == 1)
        #expect(missing.output.contains("FAILED: DIR/osprey.yml:\(line): oncall.escalation_policies[0].receivers[0]: unknown receiver \"pager\""),
                "\(missing.output)")
        let fine = try checkConfig(Self.config + alerting.replacingOccurrences(of: "- name: chat", with: "- name: chat\n    - name: pager"))
        #expect(fine.status == 0, "\(fine.output)")
    }

    /// Runs `osprey check config` on `yaml`; the temporary directory reads as DIR in the output.
    func checkConfig(_ yaml: String) throws -> (status: Int32, output: String) { try CheckConfigTests().check(yaml) }
}
