import Foundation

/// A process the test started, with stdout and stderr going to a log file. Thread safe.
/// Killed when its last reference goes away, so a failing test leaves nothing running.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let logPath: String
    private let process = Process()

    /// Starts `executable`; its output goes to `logPath` (created or truncated).
    init(name: String, executable: String, arguments: [String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw E2EError("cannot create log file \(logPath)")
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        do { try process.run() } catch {
            throw E2EError("cannot start \(name) (\(executable)): \(error)")
        }
    }

    /// A process outlives no test: when the last reference goes (a test ends or throws), it is killed.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits up to `timeoutSeconds` for the process to end. Returns how it ended, or nil if it still runs.
    func waitForExit(timeoutSeconds: Double) -> Termination? {
        guard poll(timeoutSeconds: timeoutSeconds, intervalMs: 5, { !process.isRunning }) else { return nil }
        return process.terminationReason == .exit ? .exited(process.terminationStatus) : .signalled(process.terminationStatus)
    }

    /// SIGKILL, then wait until it is gone. Safe to call on a process that already ended.
    func killAndWait() {
        send(SIGKILL)
        if waitForExit(timeoutSeconds: 30) == nil {
            print("warning: \(name) (pid \(pid)) still running 30 s after SIGKILL")
        }
    }

    /// SIGTERM, then wait up to `timeoutSeconds`; SIGKILL if it has not ended by then.
    /// Returns how it ended after the SIGTERM, or nil if it had to be killed.
    @discardableResult
    func terminate(timeoutSeconds: Double) -> Termination? {
        send(SIGTERM)
        if let t = waitForExit(timeoutSeconds: timeoutSeconds) { return t }
        killAndWait()
        return nil
    }

    /// Everything the process has written so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The last lines of the log, for failure messages.
    func logTail(_ lines: Int = 30) -> String {
        let all = log.split(separator: "\n", omittingEmptySubsequences: false)
        return "--- last \(min(lines, all.count)) lines of \(name) log \(logPath) ---\n" + all.suffix(lines).joined(separator: "\n")
    }

    enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)
        var description: String {
            switch self {
            case .exited(let code): return "exited with status \(code)"
            case .signalled(let signal): return "killed by signal \(signal)"
            }
        }
    }
}
