import Foundation

/// A scrape target the test controls: a small Python HTTP server that answers `/metrics` from `<dir>/response`:
/// a status line, `Name: value` header lines (default `Content-Type: text/plain; version=0.0.4`), an empty
/// line, then the body. `serve` replaces the file atomically, so the next scrape sees the whole new answer;
/// stopping the process makes the target unreachable.
final class ControlledTarget: @unchecked Sendable {
    let dir: String
    let port: Int
    let process: ChildProcess
    var address: String { "127.0.0.1:\(port)" }

    static let script = """
        import http.server, os, sys
        d = sys.argv[1]
        def read(name, default):
            try:
                with open(os.path.join(d, name), 'rb') as f: return f.read()
            except FileNotFoundError: return default
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                head, _, body = read('response', b'200\\n\\n').partition(b'\\n\\n')
                lines = head.decode().splitlines()
                status = int(lines[0])
                headers = lines[1:] or ['Content-Type: text/plain; version=0.0.4']
                with open(os.path.join(d, 'requests'), 'a') as f:
                    f.write(self.path + ' ' + (self.headers.get('Accept') or '') + ' ' + (self.headers.get('Authorization') or '') + '\\n')
                self.send_response(status)
                for h in headers:
                    if ':' in h:
                        k, v = h.split(':', 1); self.send_header(k.strip(), v.strip())
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a): pass
        http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2])), H).serve_forever()
        """

    init(dir: String) throws {
        self.dir = dir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ControlledTarget.script.write(toFile: dir + "/target.py", atomically: true, encoding: .utf8)
        let (process, port) = try startHTTPProcess(
            name: "target", executable: "/usr/bin/env", arguments: { ["python3", dir + "/target.py", dir, "\($0)"] },
            readyPath: "/metrics", logPath: dir + "/target.log")
        self.process = process
        self.port = port
    }

    func serve(_ body: String, headers: String = "Content-Type: text/plain; version=0.0.4", status: Int = 200) throws {
        try serve(bytes: Array(body.utf8), headers: headers, status: status)
    }

    func serve(bytes: [UInt8], headers: String = "Content-Type: text/plain; version=0.0.4", status: Int = 200) throws {
        // One file, replaced atomically: a scrape never sees new headers with an old body.
        let head = Array(("\(status)\n" + headers.split(separator: "\n").joined(separator: "\n") + "\n\n").utf8)
        try Data(head + bytes).write(to: URL(fileURLWithPath: dir + "/response"), options: .atomic)
    }

    /// Request lines seen so far: path, Accept header, Authorization header.
    var requests: [String] {
        ((try? String(contentsOfFile: dir + "/requests", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() { process.terminate(timeoutSeconds: 5) }
}
