import Foundation

/// An `osprey serve` process the test started on 127.0.0.1 with its own data directory.
final class OspreyServer: @unchecked Sendable {
    let dataDir: String
    let port: Int
    let process: ChildProcess

    var client: HTTPClient { HTTPClient(port: port) }

    private init(dataDir: String, port: Int, process: ChildProcess) {
        self.dataDir = dataDir
        self.port = port
        self.process = process
    }

    /// Starts osprey on a free port and returns once `/-/ready` answers 200.
    /// Fails with the log's tail if it exits first or is not ready within `readyTimeoutSeconds`.
    /// Without `configPath`, Osprey runs with a config that turns off its built-in scrapes (itself and the
    /// host), so the store holds only what the test writes; `builtInScrapes: true` runs the defaults.
    static func start(dataDir: String, logPath: String, configPath: String? = nil, builtInScrapes: Bool = false,
                      readyTimeoutSeconds: Double = 60) throws -> OspreyServer {
        // The port was free when chosen; another process may take it first, so try a few.
        var attempt = 0
        while true {
            attempt += 1
            let server = try launch(dataDir: dataDir, logPath: logPath, configPath: configPath, builtInScrapes: builtInScrapes)
            do {
                try server.waitUntilReady(timeoutSeconds: readyTimeoutSeconds)
                return server
            } catch {
                if attempt < 3 && !server.process.isRunning && server.process.log.contains("Address already in use") { continue }
                server.kill()
                throw error
            }
        }
    }

    /// Starts osprey on a free port without waiting for it.
    static func launch(dataDir: String, logPath: String, configPath: String? = nil, builtInScrapes: Bool = false) throws -> OspreyServer {
        let port = try freeLocalPort()
        var arguments = ["serve", "--listen", "127.0.0.1:\(port)", "--data", dataDir]
        if let configPath {
            arguments += ["--config", configPath]
        } else if !builtInScrapes {
            let quiet = (dataDir.hasSuffix("/") ? String(dataDir.dropLast()) : dataDir) + ".quiet.yml"
            try "scrape_configs: []\nhost_metrics:\n  enabled: false\n".write(toFile: quiet, atomically: true, encoding: .utf8)
            arguments += ["--config", quiet]
        }
        let process = try ChildProcess(name: "osprey", executable: try TestEnvironment.ospreyBinary(), arguments: arguments, logPath: logPath)
        return OspreyServer(dataDir: dataDir, port: port, process: process)
    }

    func waitUntilReady(timeoutSeconds: Double) throws {
        let probe = HTTPClient(port: port, timeoutSeconds: 5)
        let ready = poll(timeoutSeconds: timeoutSeconds) {
            !process.isRunning || (try? probe.get("/-/ready"))?.status == 200
        }
        if let ended = process.waitForExit(timeoutSeconds: 0) {
            throw E2EError("osprey \(ended) before it was ready (port \(port), data \(dataDir))\n\(process.logTail())")
        }
        guard ready else {
            throw E2EError("osprey was not ready within \(timeoutSeconds) s (port \(port), data \(dataDir))\n\(process.logTail())")
        }
    }

    /// SIGKILL: no drain, no flush, as a crash or the OOM killer would.
    func kill() { process.killAndWait() }

    /// SIGTERM and wait; how it ended, or nil if it did not end within `timeoutSeconds` (it is then killed).
    @discardableResult
    func stop(timeoutSeconds: Double = 30) -> ChildProcess.Termination? { process.terminate(timeoutSeconds: timeoutSeconds) }

    var log: String { process.log }
    func logTail(_ lines: Int = 30) -> String { process.logTail(lines) }
}

/// Writes an osprey.yml with `text` in `dir` and returns its path.
func writeConfig(_ text: String, in dir: String) throws -> String {
    let path = dir + "/osprey.yml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
