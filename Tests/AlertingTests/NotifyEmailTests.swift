import Alerting
import Foundation
import OspreyCore
import Testing

/// Email through a real SMTP server: Python's aiosmtpd (PyPI) on 127.0.0.1, which parses each message
/// with Python's own MIME parser and writes what it received as JSON.
@Suite(.serialized) struct NotifyEmailTests {
    typealias F = NotifyFixtures

    static let serverScript = #"""
    import asyncio, email, json, os, sys
    from email import policy
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    out = sys.argv[1]
    count = 0

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            global count
            msg = email.message_from_bytes(envelope.content, policy=policy.default)
            parts = {}
            for p in msg.walk():
                if p.get_content_maintype() != "multipart":
                    parts[p.get_content_type()] = p.get_content().replace("\r\n", "\n")
            login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
            record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                      "headers": {k: str(v) for k, v in msg.items()}, "content_type": msg.get_content_type(),
                      "parts": parts, "login": login, "raw": envelope.content.decode("utf-8", "replace")}
            count += 1
            tmp = os.path.join(out, "%d.tmp" % count)
            with open(tmp, "w") as f:
                json.dump(record, f)
            os.rename(tmp, os.path.join(out, "%d.json" % count))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"osprey" and auth_data.password == b"pw"
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    c = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                   auth_require_tls=False, auth_required=False)
    c.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()
    c.stop()
    """#

    /// A running aiosmtpd; stopped by closing its stdin.
    struct SMTPServer {
        let process: Process
        let stdin: Pipe
        let port: Int
        let dir: URL

        static func start() throws -> SMTPServer {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osprey-smtp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let script = dir.appendingPathComponent("server.py")
            try serverScript.write(to: script, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", script.path, dir.path]
            let input = Pipe(), output = Pipe()
            p.standardInput = input
            p.standardOutput = output
            try p.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                p.terminate()
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "aiosmtpd did not start (pip install aiosmtpd): \(text)"])
            }
            return SMTPServer(process: p, stdin: input, port: port, dir: dir)
        }

        func stop() {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: dir)
        }

        func messages() throws -> [NSDictionary] {
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
            return try names.map { n in
                let data = try Data(contentsOf: dir.appendingPathComponent(n))
                return try JSONSerialization.jsonObject(with: data) as! NSDictionary
            }
        }
    }

    /// The session timeout is far above the 30 s default: these tests check what arrives, not how fast, and the
    /// whole test run (hundreds of tests on two cores) can leave the session waiting for a thread a long while.
    static let sessionTimeoutMs: Int64 = 600_000

    func integration(_ yaml: String, clients: NotifierHTTPClients) throws -> any Integration {
        AlertmanagerIntegrations(config: try F.config(yaml), templates: try NotificationTemplates(), clients: clients,
                                 defaultTimeoutMs: Self.sessionTimeoutMs)
            .integrations(forReceiver: "team-x")[0]
    }

    @Test func sendsTextAndHTMLWithHeaders() async throws {
        let server = try SMTPServer.start()
        defer { server.stop() }
        let clients = NotifierHTTPClients()
        defer { Task { await clients.shutdown() } }
        let email = try integration("""
                email_configs:
                  - to: 'Ops Team <ops@example.com>, oncall@example.com'
                    from: 'Osprey <osprey@example.com>'
                    smarthost: 127.0.0.1:\(server.port)
                    hello: osprey.test
                    require_tls: false
                    auth_username: osprey
                    auth_password: pw
                    headers:
                      X-Team: 'Überwachung {{ .GroupLabels.alertname }}'
                    text: |
                      {{ template "__text_alert_list" .Alerts }}.
                      ..starts with dots
            """, clients: clients)
        #expect(email.name == "email")
        #expect(!email.sendResolved)
        let result = await email.notify(F.group(resolved: false, links: ["Acknowledge": "http://osprey.example:9700/ack?id=1&by=me"]))
        #expect(result == .delivered)
        let messages = try server.messages()
        #expect(messages.count == 1)
        let m = try #require(messages.first)
        #expect(m["mail_from"] as? String == "osprey@example.com")
        #expect(m["rcpt_tos"] as? [String] == ["ops@example.com", "oncall@example.com"])
        #expect(m["login"] as? String == "osprey")
        #expect(m["content_type"] as? String == "multipart/alternative")
        let headers = try #require(m["headers"] as? [String: String])
        #expect(headers["Subject"] == F.firingSubject)
        #expect(headers["From"] == "Osprey <osprey@example.com>")
        #expect(headers["To"] == "Ops Team <ops@example.com>, oncall@example.com")
        #expect(headers["X-Team"] == "Überwachung HighLatency")
        #expect(headers["MIME-Version"] == "1.0")
        #expect(headers["Message-Id"]?.hasPrefix("<") == true)
        #expect(headers["Date"]?.isEmpty == false)
        let parts = try #require(m["parts"] as? [String: String])
        // Dot-stuffing: a line of "." and a line starting with ".." arrive unchanged.
        #expect(parts["text/plain"] == F.textAlertList + ".\n..starts with dots\n")
        let html = try #require(parts["text/html"])
        #expect(html.contains("<title>\(F.firingSubject)</title>"))
        #expect(html.contains("2 alerts for alertname=HighLatency"))
        #expect(html.contains(#"<a href="\#(F.alertsURL)">View in Alertmanager</a>"#))
        #expect(html.contains("[2] Firing"))
        #expect(!html.contains("Resolved"))
        #expect(html.contains("instance = a:9100<br>"))
        #expect(html.contains("summary = Latency high on b:9100<br>"))
        // Values are HTML-escaped in the HTML part.
        #expect(html.contains(#"<a href="http://prom.example/graph?g0.expr=latency&amp;g0.tab=1">Source</a>"#))
        #expect(html.contains(#"<a href="http://osprey.example:9700/ack?id=1&amp;by=me">Acknowledge</a>"#))
        // Quoted-printable keeps every line of the parts within 78 characters.
        let raw = try #require(m["raw"] as? String)
        let body = try #require(raw.range(of: "\r\n\r\n")).upperBound
        #expect(raw[body...].components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    @Test func requiredSTARTTLSNotOfferedFailsClearly() async throws {
        let server = try SMTPServer.start()
        defer { server.stop() }
        let clients = NotifierHTTPClients()
        defer { Task { await clients.shutdown() } }
        let email = try integration("""
                email_configs:
                  - to: ops@example.com
                    from: osprey@example.com
                    smarthost: 127.0.0.1:\(server.port)
            """, clients: clients)
        let result = await email.notify(F.group(resolved: false))
        guard case .failed(let reason, let retry) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(!retry)
        #expect(reason.contains("require_tls"))
        #expect(reason.contains("does not advertise the STARTTLS extension"))
        #expect(try server.messages().isEmpty)
    }

    @Test func wrongPasswordIsReported() async throws {
        let server = try SMTPServer.start()
        defer { server.stop() }
        let clients = NotifierHTTPClients()
        defer { Task { await clients.shutdown() } }
        let email = try integration("""
                email_configs:
                  - to: ops@example.com
                    from: osprey@example.com
                    smarthost: 127.0.0.1:\(server.port)
                    require_tls: false
                    auth_username: osprey
                    auth_password: wrong
            """, clients: clients)
        let result = await email.notify(F.group(resolved: false))
        guard case .failed(let reason, _) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(reason.contains("AUTH"))
        #expect(reason.contains("535"))
        #expect(try server.messages().isEmpty)
    }
}
