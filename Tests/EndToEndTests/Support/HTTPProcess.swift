import Foundation

/// Starts a program that serves HTTP on a free 127.0.0.1 port and returns once `readyPath` answers 200.
/// `arguments` gets the port. Fails with the log's tail if the program exits first or is not ready
/// within `timeoutSeconds`. A port taken between choosing and binding it is retried with another.
func startHTTPProcess(name: String, executable: String, arguments: (Int) -> [String], readyPath: String,
                      logPath: String, timeoutSeconds: Double = 60) throws -> (process: ChildProcess, port: Int) {
    var attempt = 0
    while true {
        attempt += 1
        let port = try freeLocalPort()
        let process = try ChildProcess(name: name, executable: executable, arguments: arguments(port), logPath: logPath)
        let probe = HTTPClient(port: port, timeoutSeconds: 5)
        let ready = poll(timeoutSeconds: timeoutSeconds, intervalMs: 50) {
            !process.isRunning || (try? probe.get(readyPath))?.status == 200
        }
        if let ended = process.waitForExit(timeoutSeconds: 0) {
            if attempt < 3 && process.log.lowercased().contains("address already in use") { continue }
            throw E2EError("\(name) \(ended) before it was ready on port \(port)\n\(process.logTail())")
        }
        guard ready else {
            process.killAndWait()
            throw E2EError("\(name) did not answer 200 on \(readyPath) within \(timeoutSeconds) s (port \(port))\n\(process.logTail())")
        }
        return (process, port)
    }
}
