import Foundation
import Testing

/// The Alertmanager API over an `alerting:` routing configuration: receivers, each alert's receivers,
/// groups by `group_by`, inhibition in the alert status, `config.original` (amtool reads routes from it).
@Suite(.serialized)
struct AlertmanagerRoutingAPITests {
    static let config = """
        scrape_configs: []
        host_metrics:
          enabled: false
        alerting:
          route:
            receiver: email
            group_by: [alertname]
            routes:
              - matchers: ['severity="critical"']
                receiver: pager
                continue: true
              - matchers: ['severity=~"critical|warning"']
                receiver: chat
          receivers:
            - name: email
            - name: pager
            - name: chat
          inhibit_rules:
            - source_matchers: ['severity="critical"']
              target_matchers: ['severity="warning"']
              equal: [instance]
        """

    @Test("receivers, alert receivers, groups and inhibition follow the routing configuration")
    func routingShapes() throws {
        try withTemporaryDirectory("am-routing") { dir in
            let configPath = try writeConfig(Self.config, in: dir)
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: configPath)
            defer { server.kill() }
            let body = #"""
                [{"labels":{"alertname":"Down","severity":"critical","instance":"a"}},
                 {"labels":{"alertname":"Slow","severity":"warning","instance":"a"}},
                 {"labels":{"alertname":"Slow","severity":"warning","instance":"b"}},
                 {"labels":{"alertname":"Info","severity":"info","instance":"a"}}]
                """#
            let post = try server.client.post("/api/v2/alerts", body: Array(body.utf8), headers: [("Content-Type", "application/json")])
            #expect(post.status == 200, "\(post.text)")

            let receivers = try jsonArray(try server.client.get("/api/v2/receivers").text).compactMap { $0["name"] as? String }
            #expect(receivers == ["email", "pager", "chat"])

            let alerts = try jsonArray(try server.client.get("/api/v2/alerts").text)
            func alert(_ name: String, _ instance: String) -> [String: Any]? {
                alerts.first { ($0["labels"] as? [String: String]) == ["alertname": name, "severity": (name == "Down" ? "critical" : name == "Slow" ? "warning" : "info"), "instance": instance] }
            }
            func receiverNames(_ a: [String: Any]?) -> [String] { (a?["receivers"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? [] }
            let down = try #require(alert("Down", "a"))
            #expect(receiverNames(down) == ["pager", "chat"])
            #expect(receiverNames(alert("Info", "a")) == ["email"])
            // Slow on instance a is inhibited by Down on instance a; on b it is not.
            let slowA = try #require(alert("Slow", "a"))
            #expect((slowA["status"] as? [String: Any])?["state"] as? String == "suppressed")
            #expect((slowA["status"] as? [String: Any])?["inhibitedBy"] as? [String] == [down["fingerprint"] as! String])
            #expect(((alert("Slow", "b"))?["status"] as? [String: Any])?["state"] as? String == "active")
            // inhibited=false leaves it out.
            let notInhibited = try jsonArray(try server.client.get("/api/v2/alerts?inhibited=false").text)
            #expect(notInhibited.count == 3)
            // receiver filter (anchored regex).
            let chat = try jsonArray(try server.client.get("/api/v2/alerts?receiver=chat").text)
            #expect(chat.count == 3)

            // Groups: per route and alertname.
            let groups = try jsonArray(try server.client.get("/api/v2/alerts/groups").text)
            let summary = Set(groups.map { g -> String in
                let r = (g["receiver"] as? [String: Any])?["name"] as? String ?? "?"
                let l = (g["labels"] as? [String: String])?["alertname"] ?? "?"
                return "\(r):\(l):\((g["alerts"] as? [Any])?.count ?? -1)"
            })
            #expect(summary == ["pager:Down:1", "chat:Down:1", "chat:Slow:2", "email:Info:1"])

            // config.original carries the routing configuration; amtool tests routes against it.
            let status = try jsonObject(try server.client.get("/api/v2/status").text)
            let original = try #require((status["config"] as? [String: Any])?["original"] as? String)
            #expect(original.contains("pager") && original.contains("inhibit_rules"))
            let routed = try AlertmanagerAmtoolTests.amtool(server.port, ["config", "routes", "test", "severity=warning"])
            #expect(routed.status == 0, "\(routed.err)")
            #expect(routed.out.trimmingCharacters(in: .whitespacesAndNewlines) == "chat", "\(routed.out)")
        }
    }
}
