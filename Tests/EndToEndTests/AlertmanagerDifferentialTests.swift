import Foundation
import Testing

/// Osprey and the real Alertmanager (Debian prometheus-alertmanager) given the same routing configuration,
/// alerts and silences answer the v2 API with the same JSON shapes and the same values (ids, times of
/// receipt and the version aside).
@Suite(.serialized)
struct AlertmanagerDifferentialTests {
    static let routing = """
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

    static let alerts = #"""
        [{"labels":{"alertname":"Down","severity":"critical","instance":"a"},"annotations":{"summary":"a is down"},"generatorURL":"http://prom:9090/graph","startsAt":"2026-01-01T00:00:00Z"},
         {"labels":{"alertname":"Slow","severity":"warning","instance":"a"},"startsAt":"2026-01-01T00:01:00.250+01:00"},
         {"labels":{"alertname":"Slow","severity":"warning","instance":"b"}},
         {"labels":{"alertname":"Info","severity":"info","instance":"c","empty":""}},
         {"labels":{"alertname":"Old","instance":"d"},"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z"}]
        """#

    /// A JSON value with every leaf replaced by its type, arrays by their first element's shape: what
    /// must agree between the two servers whatever the values.
    static func shape(_ v: Any) -> String {
        switch v {
        case let d as [String: Any]: return "{" + d.keys.sorted().map { "\($0):\(shape(d[$0]!))" }.joined(separator: ",") + "}"
        case let a as [Any]: return "[" + (a.first.map(shape) ?? "") + "]"
        case is String: return "s"
        case let n as NSNumber: return String(cString: n.objCType) == "c" ? "b" : "n"
        default: return "null"
        }
    }

    /// The parts of an alert that must be equal: everything but the times of receipt.
    /// Silence ids differ between the servers; times given with an offset are compared as instants
    /// (Alertmanager echoes the offset it was given, Osprey writes UTC).
    static func comparable(_ a: [String: Any]) -> String {
        var c = a
        c["updatedAt"] = nil
        c["endsAt"] = nil
        if var status = c["status"] as? [String: Any] {
            status["silencedBy"] = (status["silencedBy"] as? [String])?.map { _ in "SILENCE" }
            c["status"] = status
        }
        if let s = c["startsAt"] as? String { c["startsAt"] = instant(s) }
        if (a["labels"] as? [String: String])?["alertname"] == "Slow", (a["labels"] as? [String: String])?["instance"] == "b" { c["startsAt"] = nil }
        if (a["labels"] as? [String: String])?["alertname"] == "Info" { c["startsAt"] = nil }
        let data = try! JSONSerialization.data(withJSONObject: c, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func instant(_ s: String) -> Double {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)?.timeIntervalSince1970 ?? .nan
    }

    @Test("same alerts, silences, groups and status as the real Alertmanager")
    func sameAnswersAsAlertmanager() throws {
        let amBinary = try TestEnvironment.systemBinary("/usr/bin/prometheus-alertmanager", package: "prometheus-alertmanager")
        try withTemporaryDirectory("am-diff") { dir in
            try Self.routing.write(toFile: dir + "/alertmanager.yml", atomically: true, encoding: .utf8)
            let amPort = try freeLocalPort()
            let am = try ChildProcess(name: "alertmanager", executable: amBinary, arguments: [
                "--config.file=\(dir)/alertmanager.yml", "--storage.path=\(dir)/am", "--web.listen-address=127.0.0.1:\(amPort)",
                "--cluster.listen-address=",
            ], logPath: dir + "/alertmanager.log")
            let amClient = HTTPClient(port: amPort)
            #expect(poll(timeoutSeconds: 30) { (try? amClient.get("/-/ready"))?.status == 200 }, "\(am.logTail())")
            let configPath = try writeConfig("scrape_configs: []\nhost_metrics:\n  enabled: false\nalerting:\n  config_file: alertmanager.yml\n", in: dir)
            let osprey = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: configPath)
            defer { osprey.kill() }
            let clients = [("alertmanager", amClient), ("osprey", osprey.client)]
            let json = [("Content-Type", "application/json")]

            for (name, c) in clients {
                let r = try c.post("/api/v2/alerts", body: Array(Self.alerts.utf8), headers: json)
                #expect(r.status == 200, "\(name): \(r.text)")
            }
            // A silence on Info; the same body to both.
            let silence = #"{"matchers":[{"name":"alertname","value":"Info","isRegex":false},{"name":"instance","value":"c|x","isRegex":true,"isEqual":true},{"name":"env","value":"prod","isRegex":false,"isEqual":false}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2999-01-01T00:00:00Z","createdBy":"ops","comment":"quiet"}"#
            var silenceIDs: [String: String] = [:]
            for (name, c) in clients {
                let r = try c.post("/api/v2/silences", body: Array(silence.utf8), headers: json)
                #expect(r.status == 200, "\(name): \(r.text)")
                #expect(Self.shape(try jsonObject(r.text)) == "{silenceID:s}")
                silenceIDs[name] = try jsonObject(r.text)["silenceID"] as? String
            }

            func get(_ path: String) throws -> [String: Any] {
                var out: [String: Any] = [:]
                for (name, c) in clients {
                    let r = try c.get(path)
                    #expect(r.status == 200, "\(name) \(path): \(r.text)")
                    out[name] = try JSONSerialization.jsonObject(with: Data(r.text.utf8), options: [.fragmentsAllowed])
                }
                return out
            }

            for path in ["/api/v2/alerts", "/api/v2/alerts?silenced=false&inhibited=false", "/api/v2/alerts?filter=instance%3D~%22a%7Cb%22",
                         "/api/v2/alerts?receiver=chat", "/api/v2/alerts?active=false"] {
                let both = try get(path)
                let a = both["alertmanager"] as! [[String: Any]], o = both["osprey"] as! [[String: Any]]
                #expect(o.map(Self.comparable) == a.map(Self.comparable), "\(path)")
                #expect(o.map(Self.shape) == a.map(Self.shape), "\(path)")
            }

            let groups = try get("/api/v2/alerts/groups")
            func groupSummary(_ v: Any) -> [String] {
                (v as! [[String: Any]]).map { g in
                    let labels = (g["labels"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    let receiver = (g["receiver"] as? [String: Any])?["name"] as? String ?? "?"
                    let fps = (g["alerts"] as? [[String: Any]] ?? []).compactMap { $0["fingerprint"] as? String }.sorted()
                    return "\(receiver) {\(labels)} \(fps)"
                }.sorted()
            }
            #expect(groupSummary(groups["osprey"]!) == groupSummary(groups["alertmanager"]!))
            #expect(((groups["osprey"] as! [Any]).map(Self.shape)) == ((groups["alertmanager"] as! [Any]).map(Self.shape)))

            let silences = try get("/api/v2/silences")
            func silenceComparable(_ v: Any) -> [String] {
                (v as! [[String: Any]]).map { s in
                    var c = s
                    for k in ["id", "updatedAt", "startsAt"] { c[k] = nil }
                    return String(decoding: try! JSONSerialization.data(withJSONObject: c, options: [.sortedKeys]), as: UTF8.self)
                }
            }
            #expect(silenceComparable(silences["osprey"]!) == silenceComparable(silences["alertmanager"]!))
            #expect((silences["osprey"] as! [Any]).map(Self.shape) == (silences["alertmanager"] as! [Any]).map(Self.shape))

            let status = try get("/api/v2/status")
            #expect(Self.shape(status["osprey"]!) == Self.shape(status["alertmanager"]!))
            #expect(((status["osprey"] as? [String: Any])?["cluster"] as? [String: Any])?["status"] as? String == "disabled")
            let receivers = try get("/api/v2/receivers")
            #expect((receivers["osprey"] as! [[String: String]]) == (receivers["alertmanager"] as! [[String: String]]))

            // Expiring the silence: both answer 200, then both show it expired; expiring again fails on both.
            for (name, c) in clients {
                let id = silenceIDs[name]!
                #expect(try c.request("DELETE", "/api/v2/silence/\(id)").status == 200, "\(name)")
                let s = try jsonObject(try c.get("/api/v2/silence/\(id)").text)
                #expect((s["status"] as? [String: Any])?["state"] as? String == "expired", "\(name)")
                // Expiring it again changes nothing and succeeds (Alertmanager 0.25).
                #expect(try c.request("DELETE", "/api/v2/silence/\(id)").status == 200, "\(name)")
            }

            // Both refuse the same bad input with 400.
            for body in [#"[{"labels":{}}]"#, #"[{"labels":{"a-b":"x"}}]"#, #"[{"labels":{"a":"b"},"startsAt":"2026-01-02T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}]"#] {
                for (name, c) in clients {
                    #expect(try c.post("/api/v2/alerts", body: Array(body.utf8), headers: json).status == 400, "\(name): \(body)")
                }
            }
        }
    }
}
