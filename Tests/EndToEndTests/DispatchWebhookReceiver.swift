import Foundation

/// A webhook receiver the test runs: a small Python HTTP server that appends every POST (path and JSON body)
/// as one line to `<dir>/received.jsonl` and answers 200. It stands where a team's webhook endpoint would.
final class DispatchWebhookReceiver: @unchecked Sendable {
    let dir: String
    let port: Int
    let process: ChildProcess
    var url: String { "http://127.0.0.1:\(port)/hook" }

    static let script = """
        import http.server, json, os, sys
        out = os.path.join(sys.argv[1], 'received.jsonl')
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                try: parsed = json.loads(body)
                except ValueError: parsed = {'unparsable': body.decode('utf-8', 'replace')}
                line = json.dumps({'path': self.path, 'contentType': self.headers.get('Content-Type'), 'body': parsed})
                with open(out, 'a') as f:
                    f.write(line + '\\n'); f.flush(); os.fsync(f.fileno())
                self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
            def log_message(self, *a): pass
        http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2])), H).serve_forever()
        """

    init(dir: String) throws {
        self.dir = dir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.script.write(toFile: dir + "/webhook.py", atomically: true, encoding: .utf8)
        let (process, port) = try startHTTPProcess(
            name: "webhook", executable: "/usr/bin/env", arguments: { ["python3", dir + "/webhook.py", dir, "\($0)"] },
            readyPath: "/ready", logPath: dir + "/webhook.log")
        self.process = process
        self.port = port
    }

    /// Every request so far: `path`, `contentType`, `body` (the parsed JSON).
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: dir + "/received.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// The webhook bodies received so far (Alertmanager's webhook JSON).
    func notifications() -> [[String: Any]] { requests().compactMap { $0["body"] as? [String: Any] } }

    /// Notifications whose group labels include these.
    func notifications(groupLabels: [String: String]) -> [[String: Any]] {
        notifications().filter { n in
            let g = n["groupLabels"] as? [String: String] ?? [:]
            return groupLabels.allSatisfy { g[$0.key] == $0.value }
        }
    }

    func stop() { process.killAndWait() }
}

extension [String: Any] {
    /// The `labels` of each alert of a webhook notification.
    var alertLabels: [[String: String]] {
        (self["alerts"] as? [[String: Any]] ?? []).map { $0["labels"] as? [String: String] ?? [:] }
    }
}
