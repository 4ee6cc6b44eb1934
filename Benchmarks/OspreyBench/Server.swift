import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum ServerKind: String, CaseIterable, Sendable {
    case osprey = "Osprey"
    case prometheus = "Prometheus"
}

/// A server under test: one process with its own empty data directory, port and log file.
final class ServerProcess {
    let kind: ServerKind
    let port: Int
    let dataDir: String
    let logPath: String
    private let process: Process
    private let log: FileHandle

    var pid: Int32 { process.processIdentifier }
    /// Where the server keeps its blocks (and its `snapshots/` folder).
    var storeDir: String { kind == .osprey ? dataDir + "/metrics" : dataDir }
    var snapshotsDir: String { storeDir + "/snapshots" }

    /// The configuration file the server was started with (`configYAML`), if any: rewrite it and call
    /// `reload()` to change what it scrapes.
    let configPath: String?

    /// Starts the server and waits until it answers `/-/ready`. With `configYAML` (prometheus.yml schema)
    /// both servers read it; Osprey's copy also turns its built-in host metrics job off.
    init(kind: ServerKind, binary: String, workDir: String, setName: String, configYAML: String? = nil) throws {
        self.kind = kind
        port = try freePort()
        let dir = workDir + "/\(setName)-\(kind.rawValue.lowercased())"
        dataDir = dir + "/data"
        logPath = dir + "/server.log"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.currentDirectoryURL = URL(fileURLWithPath: dir)  // so no stray ./osprey.yml is picked up
        switch kind {
        case .osprey:
            process.arguments = ["serve", "--listen", "127.0.0.1:\(port)", "--data", dataDir]
            if let configYAML {
                configPath = dir + "/osprey.yml"
                try ServerProcess.ospreyConfig(configYAML).write(toFile: configPath!, atomically: true, encoding: .utf8)
                process.arguments! += ["--config", configPath!]
            } else {
                configPath = nil
            }
        case .prometheus:
            let config = dir + "/prometheus.yml"
            configPath = configYAML == nil ? nil : config
            try (configYAML ?? "# No scrape configs: samples arrive by remote write only.\nglobal:\n  scrape_interval: 15s\n")
                .write(toFile: config, atomically: true, encoding: .utf8)
            process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(dataDir)",
                                 "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver",
                                 "--web.enable-admin-api"]
        }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try waitReady()
    }

    private func waitReady(timeoutSeconds: Double = 120) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            guard process.isRunning else { throw HTTPError(description: "\(kind.rawValue) exited during startup; see \(logPath)") }
            if let c = try? HTTPConnection(port: port, timeoutSeconds: 5), let r = try? c.request("GET", "/-/ready"), r.status == 200 { return }
            usleep(100_000)
        }
        throw HTTPError(description: "\(kind.rawValue) not ready on port \(port) after \(Int(timeoutSeconds)) s; see \(logPath)")
    }

    var isRunning: Bool { process.isRunning }

    private static func ospreyConfig(_ yaml: String) -> String {
        yaml + "host_metrics: {enabled: false}\n"
    }

    /// Replaces the configuration file and has the server reload it (SIGHUP, for both servers).
    func reload(configYAML: String) throws {
        guard let configPath else { throw HTTPError(description: "\(kind.rawValue) was started without a configuration file") }
        try (kind == .osprey ? ServerProcess.ospreyConfig(configYAML) : configYAML).write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
    }

    /// utime + stime of every thread of the server, in seconds (/proc/PID/stat fields 14 and 15).
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let ut = Double(fields[11]), let st = Double(fields[12]) else { return .nan }
        return (ut + st) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `kB` field of /proc/PID/status (VmRSS, VmHWM), in bytes.
    func statusBytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return -1
    }

    /// Block directories (ULID names) in the store directory, and whether any block is being written or deleted.
    func blocks() -> (names: Set<String>, busy: Bool) {
        var names = Set<String>()
        var busy = false
        for name in (try? FileManager.default.contentsOfDirectory(atPath: storeDir)) ?? [] {
            if name.contains(".tmp") { busy = true; continue }
            if name.count == 26, name.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) { names.insert(name) }
        }
        return (names, busy)
    }

    /// SIGTERM, then SIGKILL if it has not exited after `graceSeconds`.
    func stop(graceSeconds: Double = 120) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(graceSeconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            FileHandle.standardError.write(Data("warning: \(kind.rawValue) did not stop within \(Int(graceSeconds)) s of SIGTERM; killing it\n".utf8))
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? log.close()
    }
}

/// Sum of the sizes of regular files under `path` (hard links counted at each name, as `du -l` would).
func treeBytes(_ path: String) -> Int {
    var total = 0
    guard let dir = opendir(path) else { return 0 }
    defer { closedir(dir) }
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name == "." || name == ".." { continue }
        let child = path + "/" + name
        var st = stat()
        guard lstat(child, &st) == 0 else { continue }
        switch st.st_mode & S_IFMT {
        case S_IFREG: total += Int(st.st_size)
        case S_IFDIR: total += treeBytes(child)
        default: break
        }
    }
    return total
}

/// `stats.numSamples` summed over the `meta.json` of every block directly under `path`.
func metaSampleCount(_ path: String) -> Int {
    var total = 0
    for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
        guard let data = FileManager.default.contents(atPath: path + "/" + name + "/meta.json"),
              let meta = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let stats = meta["stats"] as? [String: Any],
              let n = (stats["numSamples"] as? NSNumber)?.intValue else { continue }
        total += n
    }
    return total
}

/// Busy CPU seconds of the whole machine (all of /proc/stat's first line but idle and iowait): with the
/// server's and the benchmark's own share subtracted, what other processes took during a measurement.
func machineBusyCPUSeconds() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
          let line = stat.split(separator: "\n").first else { return .nan }
    let f = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().compactMap { Double($0) }
    guard f.count >= 8 else { return .nan }
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds this benchmark process itself has used (to show the client is not the bottleneck).
func selfCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
