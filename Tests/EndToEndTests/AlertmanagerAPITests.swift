import Foundation
import OspreyCore
import Testing

/// Osprey's Alertmanager v2 API: shapes, bad input, and durability of silences across `kill -9`.
@Suite(.serialized)
struct AlertmanagerAPITests {
    static let jsonHeaders = [("Content-Type", "application/json")]

    @Test("alerts: posted, listed with Alertmanager's shape and fingerprint")
    func alertShapes() throws {
        try withTemporaryDirectory("am-shapes") { dir in
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log")
            defer { server.kill() }
            let post = try server.client.post("/api/v2/alerts", body: Array(#"[{"labels":{"alertname":"test","severity":"critical"},"annotations":{"summary":"s"},"generatorURL":"http://prom/graph","startsAt":"2026-01-01T00:00:00Z"}]"#.utf8), headers: Self.jsonHeaders)
            #expect(post.status == 200, "\(post.text)")
            let alerts = try jsonArray(try server.client.get("/api/v2/alerts").text)
            #expect(alerts.count == 1)
            let a = try #require(alerts.first)
            // Alertmanager 0.25 gives this label set this fingerprint.
            #expect(a["fingerprint"] as? String == "40801dbbada52816")
            #expect(a["startsAt"] as? String == "2026-01-01T00:00:00.000Z")
            #expect(a["generatorURL"] as? String == "http://prom/graph")
            #expect(a["annotations"] as? [String: String] == ["summary": "s"])
            // Without an alerting: section every alert goes to the built-in receiver "default".
            #expect((a["receivers"] as? [[String: String]]) == [["name": "default"]])
            let status = try #require(a["status"] as? [String: Any])
            #expect(status["state"] as? String == "active")
            #expect(status["silencedBy"] as? [String] == [])
            #expect(status["inhibitedBy"] as? [String] == [])
            for key in ["endsAt", "updatedAt"] { #expect(a[key] is String, "\(key) missing") }

            let st = try jsonObject(try server.client.get("/api/v2/status").text)
            #expect((st["cluster"] as? [String: Any])?["status"] as? String == "disabled")
            #expect(st["uptime"] is String)
            #expect((st["versionInfo"] as? [String: Any])?["version"] is String)
            #expect((st["config"] as? [String: Any])?["original"] is String)
            #expect(try server.client.get("/api/v2/receivers").text == #"[{"name":"default"}]"#)
            #expect(try server.client.get("/api/v2/alerts/groups").status == 200)
            #expect(try server.client.get("/api/v2/alerts?active=maybe").status == 400)
            #expect(try server.client.get("/api/v2/silence/00000000-0000-0000-0000-000000000000").status == 404)
            // The alerting GC service stops with the server on SIGTERM.
            #expect(server.stop() == .exited(0), "\(server.logTail())")
        }
    }

    @Test("bad alert posts and bad silences: 400 naming the field, nothing stored, server keeps running")
    func badInput() throws {
        try withTemporaryDirectory("am-bad") { dir in
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log")
            defer { server.kill() }
            let good = #"{"labels":{"alertname":"ok"}}"#
            let alertCases: [(String, String)] = [
                ("not json", "not valid JSON"),
                (#"{"labels":{"a":"b"}}"#, "array"),
                ("[\(good),{\"annotations\":{}}]", "alert 1: labels"),
                ("[\(good),{\"labels\":{}}]", "alert 1: labels"),
                ("[\(good),{\"labels\":{\"bad-name\":\"x\"}}]", "alert 1: labels"),
                ("[\(good),{\"labels\":{\"a\":1}}]", "alert 1: labels"),
                ("[\(good),{\"labels\":\"a=b\"}]", "alert 1: labels"),
                ("[{\"labels\":{\"a\":\"b\"},\"startsAt\":\"yesterday\"}]", "alert 0: startsAt"),
                ("[{\"labels\":{\"a\":\"b\"},\"endsAt\":12}]", "alert 0: endsAt"),
                ("[{\"labels\":{\"a\":\"b\"},\"startsAt\":\"2026-01-02T00:00:00Z\",\"endsAt\":\"2026-01-01T00:00:00Z\"}]", "alert 0: endsAt"),
                ("[{\"labels\":{\"a\":\"b\"},\"annotations\":{\"x\":[1]}}]", "alert 0: annotations"),
                ("[\(good),42]", "alert 1"),
            ]
            for (body, expected) in alertCases {
                let r = try server.client.post("/api/v2/alerts", body: Array(body.utf8), headers: Self.jsonHeaders)
                #expect(r.status == 400, "\(body) → \(r.status) \(r.text)")
                #expect(r.text.contains(expected), "\(body) → \(r.text) should name \(expected)")
            }
            #expect(try jsonArray(try server.client.get("/api/v2/alerts").text).isEmpty, "a refused batch stored something")

            let future = "\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2999-01-01T00:00:00Z\",\"createdBy\":\"me\",\"comment\":\"c\""
            let silenceCases: [(String, String)] = [
                ("{", "not valid JSON"),
                ("{\"matchers\":[],\(future)}", "matchers"),
                ("{\(future)}", "matchers"),
                ("{\"matchers\":[{\"name\":\"a\",\"value\":\".*\",\"isRegex\":true}],\(future)}", "matchers"),
                ("{\"matchers\":[{\"name\":\"a\",\"value\":\"(\",\"isRegex\":true}],\(future)}", "matchers[0].value"),
                ("{\"matchers\":[{\"name\":\"a b\",\"value\":\"x\",\"isRegex\":false}],\(future)}", "matchers[0].name"),
                ("{\"matchers\":[{\"name\":\"a\",\"value\":\"x\",\"isRegex\":\"no\"}],\(future)}", "matchers[0].isRegex"),
                ("{\"matchers\":[{\"name\":\"a\",\"value\":\"x\",\"isRegex\":false}],\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2026-01-01T00:00:00Z\",\"createdBy\":\"me\",\"comment\":\"c\"}", "endsAt"),
                ("{\"matchers\":[{\"name\":\"a\",\"value\":\"x\",\"isRegex\":false}],\"startsAt\":\"2020-01-01T00:00:00Z\",\"endsAt\":\"2020-01-02T00:00:00Z\",\"createdBy\":\"me\",\"comment\":\"c\"}", "endsAt"),
                ("{\"matchers\":[{\"name\":\"a\",\"value\":\"x\",\"isRegex\":false}],\"startsAt\":\"soon\",\"endsAt\":\"2999-01-01T00:00:00Z\",\"createdBy\":\"me\",\"comment\":\"c\"}", "startsAt"),
            ]
            for (body, expected) in silenceCases {
                let r = try server.client.post("/api/v2/silences", body: Array(body.utf8), headers: Self.jsonHeaders)
                #expect(r.status == 400, "\(body) → \(r.status) \(r.text)")
                #expect(r.text.contains(expected), "\(body) → \(r.text) should name \(expected)")
            }
            #expect(try jsonArray(try server.client.get("/api/v2/silences").text).isEmpty, "a refused silence was stored")
            #expect(try server.client.get("/api/v2/silences?filter=%7B%7B").status == 400)
            // Still serving.
            let ok = try server.client.post("/api/v2/alerts", body: Array("[\(good)]".utf8), headers: Self.jsonHeaders)
            #expect(ok.status == 200)
        }
    }

    @Test("silences acknowledged with 200 survive kill -9")
    func silencesSurviveKill() throws {
        try withTemporaryDirectory("am-kill") { dir in
            var acknowledged: [String] = []
            var expired: [String] = []
            for round in 0..<3 {
                let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-\(round).log")
                let listed = try jsonArray(try server.client.get("/api/v2/silences").text)
                let byID = Dictionary(uniqueKeysWithValues: listed.map { ($0["id"] as! String, $0) })
                #expect(Set(byID.keys) == Set(acknowledged), "round \(round): silences after restart")
                for id in expired {
                    #expect((byID[id]?["status"] as? [String: Any])?["state"] as? String == "expired", "round \(round): \(id) should stay expired")
                }
                for i in 0..<5 {
                    let body = "{\"matchers\":[{\"name\":\"job\",\"value\":\"r\(round)-\(i)\",\"isRegex\":false}],\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2999-01-01T00:00:00Z\",\"createdBy\":\"me\",\"comment\":\"round \(round)\"}"
                    let r = try server.client.post("/api/v2/silences", body: Array(body.utf8), headers: Self.jsonHeaders)
                    #expect(r.status == 200, "\(r.text)")
                    acknowledged.append(try #require(jsonObject(r.text)["silenceID"] as? String))
                }
                let toExpire = acknowledged[round]
                #expect(try server.client.request("DELETE", "/api/v2/silence/\(toExpire)").status == 200)
                expired.append(toExpire)
                // SIGKILL right after the last 200: no drain, no flush.
                server.kill()
            }
        }
    }

    @Test("silences posted concurrently while the server is killed: every acknowledged one is there after restart, nothing unsent appears")
    func silencesSurviveKillMidStream() throws {
        let seed = TestEnvironment.seed(default: 0xA1E7_5EED)
        var rng = SplitMix64(seed: seed)
        try withTemporaryDirectory("am-kill-stream") { dir in
            let acknowledged = Locked<Set<String>>([])
            let sentComments = Locked<Set<String>>([])
            for cycle in 0..<4 {
                let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-\(cycle).log")
                let listed = try jsonArray(try server.client.get("/api/v2/silences").text)
                let ids = Set(listed.compactMap { $0["id"] as? String })
                let missing = acknowledged.current.subtracting(ids)
                #expect(missing.isEmpty, "cycle \(cycle), seed \(seed): acknowledged silences lost: \(missing)")
                let invented = listed.compactMap { $0["comment"] as? String }.filter { !sentComments.current.contains($0) }
                #expect(invented.isEmpty, "cycle \(cycle): silences nobody sent: \(invented)")
                let stop = Locked(false)
                let client = HTTPClient(port: server.port, timeoutSeconds: 10)
                let writers = ThreadGroup(count: 3, name: "silence-writer") { w in
                    var n = 0
                    while !stop.current {
                        n += 1
                        let comment = "c\(cycle)-w\(w)-\(n)"
                        sentComments.withLock { _ = $0.insert(comment) }
                        let body = "{\"matchers\":[{\"name\":\"job\",\"value\":\"\(comment)\",\"isRegex\":false}],\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2999-01-01T00:00:00Z\",\"createdBy\":\"w\(w)\",\"comment\":\"\(comment)\"}"
                        guard let r = try? client.post("/api/v2/silences", body: Array(body.utf8), headers: Self.jsonHeaders) else { return }
                        guard r.status == 200, let id = (try? jsonObject(r.text))?["silenceID"] as? String else { return }
                        acknowledged.withLock { _ = $0.insert(id) }
                    }
                }
                usleep(useconds_t(Int(rng.next() % 300 + 50) * 1000))
                server.kill()
                stop.withLock { $0 = true }
                #expect(writers.join())
            }
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-final.log")
            defer { server.kill() }
            let ids = Set(try jsonArray(try server.client.get("/api/v2/silences").text).compactMap { $0["id"] as? String })
            #expect(acknowledged.current.isSubset(of: ids), "seed \(seed)")
            #expect(acknowledged.current.count > 0)
        }
    }
}
