import Foundation

/// What a result needs next to it to be read later: when, on what, against which versions.
struct MachineInfo {
    let date: String
    let summary: String
    let prometheusVersion: String
    let ospreyCommit: String

    static func current(prometheus: String) -> MachineInfo {
        let f = ISO8601DateFormatter()
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKiB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }?
            .split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let cpus = ProcessInfo.processInfo.activeProcessorCount
        return MachineInfo(
            date: f.string(from: Date()),
            summary: String(format: "%d CPUs (%@), %.1f GiB memory, %@", cpus, model, Double(memKiB) / 1_048_576,
                            ProcessInfo.processInfo.operatingSystemVersionString),
            prometheusVersion: run(prometheus, ["--version"]).split(separator: "\n").first.map(String.init) ?? "unknown",
            ospreyCommit: run("/usr/bin/git", ["rev-parse", "--short", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
                + (run("/usr/bin/git", ["status", "--porcelain", "--untracked-files=no"]).isEmpty ? "" : " (with uncommitted changes)"))
    }

    /// Output (stdout and stderr) of a short command; empty when it cannot run.
    private static func run(_ path: String, _ args: [String]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
