import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Everything measured for one server on one set.
struct RunResult {
    let kind: ServerKind
    let samples: Int
    let series: Int
    var ingest = IngestOutcome()
    var ingestCPUSeconds = 0.0
    /// The benchmark's own CPU while sending (not counted; shown to prove the client is not the bottleneck).
    var clientCPUSeconds = 0.0
    var settleCPUSeconds = 0.0
    /// CPU other processes on the machine used during the ingest: noise in the figures when large.
    var otherCPUSeconds = 0.0
    var rssBytes = 0
    /// RSS of the freshly started, empty server.
    var idleRSSBytes = 0
    var peakRSSBytes = 0
    // Long set only.
    var compactionSeconds: Double?
    var compactionCPUSeconds: Double?
    var compactionSettled = false
    var blockCount = 0
    var dataDirBytes = 0
    var walBytes = 0
    var snapshotBytes = 0
    var snapshotSamples = 0
    var problems: [String] = []
    /// False when the run stopped before its figures were measured; its figures are not shown.
    var completed = false

    var cpuPerMillion: Double { ingestCPUSeconds / Double(samples) * 1e6 }
    var rssPerSeries: Double { Double(rssBytes) / Double(series) }
    /// RSS growth from the empty server, per series.
    var marginalRSSPerSeries: Double { Double(rssBytes - idleRSSBytes) / Double(series) }
    var snapshotBytesPerSample: Double { Double(snapshotBytes) / Double(samples) }
}

/// Starts a fresh server, sends the workload, measures, checks what it stored, and stops it.
func runSet(_ w: Workload, _ kind: ServerKind, _ o: Options, workDir: String, long: Bool) -> RunResult {
    var r = RunResult(kind: kind, samples: w.sampleCount, series: w.seriesCount)
    let tag = "[\(w.name) \(kind.rawValue)]"
    let server: ServerProcess
    do {
        server = try ServerProcess(kind: kind, binary: kind == .osprey ? o.ospreyBinary : o.prometheusBinary, workDir: workDir, setName: w.name)
    } catch {
        r.problems.append("\(tag) \(error)")
        return r
    }
    defer {
        server.stop()
        if !o.keep { try? FileManager.default.removeItem(atPath: server.dataDir) }
    }
    progress("\(tag) started, pid \(server.pid), port \(server.port), data \(server.dataDir)")

    r.idleRSSBytes = server.statusBytes("VmRSS")
    let perf = o.perf && kind == .osprey ? startPerf(pid: server.pid, output: workDir + "/\(w.name)-osprey.perf.data") : nil
    let cpu0 = server.cpuSeconds(), self0 = selfCPUSeconds(), machine0 = machineBusyCPUSeconds()
    r.ingest = sendWorkload(w, port: server.port, connections: o.connections)
    let cpu1 = server.cpuSeconds()
    r.clientCPUSeconds = selfCPUSeconds() - self0
    r.ingestCPUSeconds = cpu1 - cpu0
    r.otherCPUSeconds = max(0, machineBusyCPUSeconds() - machine0 - r.ingestCPUSeconds - r.clientCPUSeconds)
    if let perf { stopPerf(perf, output: workDir + "/\(w.name)-osprey.perf.data") }
    progress(String(format: "%@ ingested %d requests in %.1f s: server CPU %.1f s, client CPU %.1f s, other processes %.1f s, %.0f samples/s",
                    tag, r.ingest.requests, r.ingest.wallSeconds, r.ingestCPUSeconds, r.clientCPUSeconds, r.otherCPUSeconds,
                    Double(w.sampleCount) / r.ingest.wallSeconds))
    if let reason = r.ingest.aborted { r.problems.append("\(tag) sending aborted: \(reason) (server log: \(server.logPath))") }
    if r.ingest.failures > 0 {
        r.problems.append("\(tag) \(r.ingest.failures) of \(r.ingest.requests) requests were not 2xx; first: " + r.ingest.failureMessages.joined(separator: " | "))
    }
    if r.ingest.aborted == nil && r.ingest.requests != w.requestCount {
        r.problems.append("\(tag) sent \(r.ingest.requests) requests, expected \(w.requestCount)")
    }
    guard server.isRunning else {
        r.problems.append("\(tag) server exited during ingest; see \(server.logPath)")
        return r
    }

    usleep(UInt32(o.settleSeconds * 1e6))
    r.settleCPUSeconds = server.cpuSeconds() - cpu1
    r.rssBytes = server.statusBytes("VmRSS")
    r.peakRSSBytes = server.statusBytes("VmHWM")
    progress(String(format: "%@ after %.0f s settle: RSS %.1f MiB (%.0f B/series), peak %.1f MiB", tag, o.settleSeconds,
                    Double(r.rssBytes) / 1_048_576, r.rssPerSeries, Double(r.peakRSSBytes) / 1_048_576))

    if long {
        waitForCompaction(server, o, &r, tag: tag)
        r.compactionCPUSeconds = server.cpuSeconds() - cpu1
        r.dataDirBytes = treeBytes(server.dataDir)
        r.walBytes = treeBytes(server.storeDir + "/wal")
        snapshot(server, &r, tag: tag)
        if r.snapshotSamples != w.sampleCount {
            r.problems.append("\(tag) snapshot blocks' meta.json count \(r.snapshotSamples) samples, sent \(w.sampleCount)")
        }
    }
    r.completed = true
    let problems = checkStored(server, w)
    r.problems += problems.map { "\(tag) \($0)" }
    progress("\(tag) read-back checks: \(problems.isEmpty ? "all match" : "\(problems.count) PROBLEMS")")
    return r
}

/// Polls the block directories until the set of blocks has not changed for `stableSeconds` and none is
/// being written, or the timeout passes.
private func waitForCompaction(_ server: ServerProcess, _ o: Options, _ r: inout RunResult, tag: String) {
    let started = Date()
    var last = server.blocks()
    var lastChange = Date()
    while Date().timeIntervalSince(started) < o.compactionTimeoutSeconds {
        usleep(500_000)
        let now = server.blocks()
        if now.names != last.names || now.busy || last.busy {
            last = now
            lastChange = Date()
        } else if Date().timeIntervalSince(lastChange) >= o.stableSeconds {
            r.compactionSettled = true
            break
        }
    }
    r.blockCount = last.names.count
    r.compactionSeconds = lastChange.timeIntervalSince(started)
    if !r.compactionSettled {
        r.problems.append("\(tag) blocks still changing after \(Int(o.compactionTimeoutSeconds)) s (compaction timeout)")
    }
    progress(String(format: "%@ blocks stable: %d blocks, last change %.0f s after ingest", tag, r.blockCount, r.compactionSeconds!))
}

private func snapshot(_ server: ServerProcess, _ r: inout RunResult, tag: String) {
    do {
        let c = try HTTPConnection(port: server.port, timeoutSeconds: 600)
        let resp = try c.request("POST", "/api/v1/admin/tsdb/snapshot")
        guard resp.ok, let data = try jsonData(resp) as? [String: Any], let name = data["name"] as? String, !name.isEmpty else {
            r.problems.append("\(tag) snapshot failed: HTTP \(resp.status) \(resp.text.prefix(300))")
            return
        }
        let dir = server.snapshotsDir + "/" + name
        r.snapshotBytes = treeBytes(dir)
        r.snapshotSamples = metaSampleCount(dir)
        progress(String(format: "%@ snapshot %@: %d bytes, %.3f bytes/sample; data dir %d bytes (WAL %d)", tag, name,
                        r.snapshotBytes, r.snapshotBytesPerSample, r.dataDirBytes, r.walBytes))
    } catch {
        r.problems.append("\(tag) snapshot failed: \(error)")
    }
}

// MARK: perf

func startPerf(pid: Int32, output: String) -> Process? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/perf")
    p.arguments = ["record", "-F", "499", "-g", "-p", "\(pid)", "-o", output]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch {
        progress("perf record failed to start: \(error)")
        return nil
    }
    usleep(500_000)
    return p
}

func stopPerf(_ p: Process, output: String) {
    kill(p.processIdentifier, SIGINT)
    p.waitUntilExit()
    progress("perf profile: \(output)  (perf report -i \(output) --no-children --sort symbol)")
}

/// Progress goes to stderr; stdout is the report.
func progress(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
