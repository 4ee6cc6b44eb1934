import Foundation

/// A scrape target the test controls: a small Python HTTP server that answers `/metrics` with the bytes of
/// `<dir>/body`, the status in `<dir>/status` (default 200) and the headers in `<dir>/headers`
/// (`Name: value` lines; default `Content-Type: text/plain; version=0.0.4`). Changing the files changes
/// the next scrape; stopping the process makes the target unreachable.
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
                body = read('body', b'')
                status = int(read('status', b'200'))
                headers = read('headers', b'Content-Type: text/plain; version=0.0.4').decode().splitlines()
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
        try "".write(toFile: dir + "/body", atomically: true, encoding: .utf8)
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
        try headers.write(toFile: dir + "/headers", atomically: true, encoding: .utf8)
        try String(status).write(toFile: dir + "/status", atomically: true, encoding: .utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/body"), options: .atomic)
    }

    /// Request lines seen so far: path, Accept header, Authorization header.
    var requests: [String] {
        ((try? String(contentsOfFile: dir + "/requests", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() { process.terminate(timeoutSeconds: 5) }
}
