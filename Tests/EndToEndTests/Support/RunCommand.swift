import Foundation

/// What a command printed and how it exited.
struct CommandOutcome {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs `executable` with `arguments` (and `environment` instead of the test's, when given) to the end and
/// returns its exit status and output.
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandOutcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return CommandOutcome(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}
