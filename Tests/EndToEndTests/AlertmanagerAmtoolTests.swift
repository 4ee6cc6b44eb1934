import Foundation
import Testing

/// The real `amtool` (Debian prometheus-alertmanager) pointed at Osprey: alerts and silences made with it
/// show up in its own output and in the API.
@Suite(.serialized)
struct AlertmanagerAmtoolTests {
    struct Run {
        let status: Int32
        let out: String
        let err: String
    }

    static func amtool(_ port: Int, _ args: [String]) throws -> Run {
        // A user's ~/.config/amtool/config.yml must not change what the test runs.
        let r = try runCommand(try TestEnvironment.systemBinary("/usr/bin/amtool", package: "prometheus-alertmanager"),
                               ["--alertmanager.url=http://127.0.0.1:\(port)"] + args,
                               environment: ["HOME": NSTemporaryDirectory(), "PATH": "/usr/bin:/bin"])
        return Run(status: r.status, out: r.stdout, err: r.stderr)
    }

    @Test("amtool alert add / alert query / silence add / query / expire against Osprey")
    func amtoolRoundTrip() throws {
        try withTemporaryDirectory("amtool") { dir in
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log")
            defer { server.kill() }
            let port = server.port
            func run(_ args: String...) throws -> Run {
                let r = try Self.amtool(port, args)
                #expect(r.status == 0, "amtool \(args.joined(separator: " ")) failed: \(r.err)\n\(server.logTail())")
                return r
            }

            _ = try run("alert", "add", "alertname=DiskFull", "severity=critical", "instance=db-1", "--annotation=summary=disk is full")
            _ = try run("alert", "add", "alertname=HighLatency", "severity=warning", "instance=web-1")
            _ = try run("alert", "add", "alertname=HighLatency", "severity=warning", "instance=web-2")

            // amtool's JSON output of a query with matchers, and the same through the API.
            let queried = try jsonArray(try run("alert", "query", "-o", "json", "alertname=HighLatency").out)
            #expect(Set(queried.compactMap { ($0["labels"] as? [String: String])?["instance"] }) == ["web-1", "web-2"])
            let regex = try jsonArray(try run("alert", "query", "-o", "json", "instance=~\"db-.*\"").out)
            #expect(regex.compactMap { ($0["labels"] as? [String: String])?["alertname"] } == ["DiskFull"])
            #expect((regex.first?["annotations"] as? [String: String])?["summary"] == "disk is full")
            let simple = try run("alert", "query").out
            #expect(simple.contains("DiskFull") && simple.contains("HighLatency"))

            // A silence on web-1 only.
            let added = try run("silence", "add", "alertname=HighLatency", "instance=web-1", "--comment=deploy", "--duration=1h", "--author=ops")
            let id = added.out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(UUID(uuidString: id) != nil, "silence add printed \(added.out)")
            let ids = try run("silence", "query", "-q").out.split(separator: "\n").map(String.init)
            #expect(ids == [id])
            let byMatcher = try run("silence", "query", "-q", "instance=web-1").out.split(separator: "\n").map(String.init)
            #expect(byMatcher == [id])
            #expect(try run("silence", "query", "-q", "instance=web-2").out.isEmpty)

            // The silenced alert is suppressed in the API and left out by amtool unless asked.
            let api = try jsonArray(try server.client.get("/api/v2/alerts?filter=instance%3D%22web-1%22").text)
            #expect((api.first?["status"] as? [String: Any])?["state"] as? String == "suppressed")
            #expect((api.first?["status"] as? [String: Any])?["silencedBy"] as? [String] == [id])
            let visible = try jsonArray(try run("alert", "query", "-o", "json", "alertname=HighLatency").out)
            #expect(visible.compactMap { ($0["labels"] as? [String: String])?["instance"] } == ["web-2"])
            // `-s` asks for silenced alerts only (active=false&silenced=true).
            let silencedOnly = try jsonArray(try run("alert", "query", "-s", "-o", "json", "alertname=HighLatency").out)
            #expect(silencedOnly.compactMap { ($0["labels"] as? [String: String])?["instance"] } == ["web-1"])

            // Expire it: gone from the default query, listed as expired, alert active again.
            _ = try run("silence", "expire", id)
            #expect(try run("silence", "query", "-q").out.isEmpty)
            #expect(try run("silence", "query", "-q", "--expired").out.trimmingCharacters(in: .whitespacesAndNewlines) == id)
            let silence = try jsonObject(try server.client.get("/api/v2/silence/\(id)").text)
            #expect((silence["status"] as? [String: Any])?["state"] as? String == "expired")
            let after = try jsonArray(try server.client.get("/api/v2/alerts?filter=instance%3D%22web-1%22").text)
            #expect((after.first?["status"] as? [String: Any])?["state"] as? String == "active")

            // Regex and negative matchers through amtool: web-.* but not web-2 silences web-1 only.
            let regexAdded = try run("silence", "add", "instance=~\"web-.*\"", "instance!=\"web-2\"", "--comment=regex", "--duration=1h", "--author=ops")
            let regexID = regexAdded.out.trimmingCharacters(in: .whitespacesAndNewlines)
            let regexSilence = try jsonObject(try server.client.get("/api/v2/silence/\(regexID)").text)
            let matchers = (regexSilence["matchers"] as? [[String: Any]] ?? []).map { "\($0["name"]!)|\($0["value"]!)|\(($0["isRegex"] as? Bool)!)|\(($0["isEqual"] as? Bool)!)" }.sorted()
            #expect(matchers == ["instance|web-.*|true|true", "instance|web-2|false|false"], "\(regexSilence)")
            let stillVisible = try jsonArray(try run("alert", "query", "-o", "json", "alertname=HighLatency").out)
            #expect(stillVisible.compactMap { ($0["labels"] as? [String: String])?["instance"] } == ["web-2"])
            _ = try run("silence", "expire", regexID)

            // A bad matcher is refused by the server with a 400 naming the field; amtool reports failure.
            let bad = try server.client.post("/api/v2/silences", body: Array(#"{"matchers":[{"name":"a","value":".*","isRegex":true}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2999-01-01T00:00:00Z","createdBy":"x","comment":"y"}"#.utf8), headers: [("Content-Type", "application/json")])
            #expect(bad.status == 400)
            #expect(bad.text.contains("matchers"))
        }
    }
}

func jsonArray(_ text: String) throws -> [[String: Any]] {
    guard let v = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { throw E2EError("not a JSON array of objects: \(text)") }
    return v
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let v = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { throw E2EError("not a JSON object: \(text)") }
    return v
}
