import Foundation

/// `--only alerting`: Osprey and the real Alertmanager receiving the same silences and alerts, both running,
/// taking turns. Returns the problems found.
func runAlertingSection(_ o: Options, workDir: String) -> [String] {
    let wantsAlertmanager = o.servers.contains(.prometheus)
    if wantsAlertmanager && !FileManager.default.isExecutableFile(atPath: o.alertmanagerBinary) {
        return ["[alerting] Alertmanager binary \(o.alertmanagerBinary) not found or not executable (apt-get install prometheus-alertmanager, or make deps)"]
    }
    print("\nalerting: \(o.alertCount) alerts in \(o.alertGroups) groups, \(o.alertSilences) silences; \(o.alertRounds) evaluation rounds of"
          + " POST /api/v2/alerts in batches of \(o.alertBatch) until GET /api/v2/alerts/groups shows them all; both servers running,"
          + " taking turns (order alternating), same bytes to both")
    if wantsAlertmanager { print("Alertmanager: \(alertmanagerVersion(o.alertmanagerBinary))") }
    let run = runAlertingBenchmark(o, workDir: workDir)
    guard let w = run.workload else { return run.allProblems }

    func figure(_ kind: AlertServerKind, _ value: (AlertServerResult) -> Double?) -> Double? {
        run.servers[kind].flatMap { $0.completed ? value($0) : nil }
    }
    func warm(_ r: AlertServerResult, _ v: (AlertRoundFigure) -> Double) -> Double? {
        r.rounds.count > 1 ? median(r.rounds.dropFirst().map(v)) : nil
    }
    let mib = 1_048_576.0
    let rows: [(String, String, (AlertServerResult) -> Double?)] = [
        ("round 1 (groups created): wall s", "%.3f", { $0.rounds.first?.wallSeconds }),
        ("round 1 (groups created): server CPU s", "%.3f", { $0.rounds.first?.cpuSeconds }),
        ("later rounds (re-sent alerts), median: wall s", "%.3f", { warm($0, \.wallSeconds) }),
        ("later rounds, median: server CPU s", "%.3f", { warm($0, \.cpuSeconds) }),
        ("later rounds, median: POSTs only, wall s", "%.3f", { warm($0, \.ingestWallSeconds) }),
        ("later rounds, median: POSTs only, server CPU s", "%.3f", { warm($0, \.ingestCPUSeconds) }),
        ("later rounds, median: groups read(s), server CPU s", "%.3f", { warm($0) { $0.cpuSeconds - $0.ingestCPUSeconds } }),
        ("later rounds: server CPU µs per alert", "%.1f", { warm($0, \.cpuSeconds).map { $0 / Double(w.alertCount) * 1e6 } }),
        ("\(w.silenceCount) silences created: wall s", "%.2f", { $0.silenceWallSeconds }),
        ("\(w.silenceCount) silences created: server CPU s", "%.2f", { $0.silenceCPUSeconds }),
        ("RSS empty, MiB", "%.1f", { Double($0.emptyRSSBytes) / mib }),
        ("RSS with the silences, MiB", "%.1f", { Double($0.silencesRSSBytes) / mib }),
        ("RSS after the rounds, MiB", "%.1f", { Double($0.rssBytes) / mib }),
        ("peak RSS (VmHWM), MiB", "%.1f", { Double($0.peakRSSBytes) / mib }),
    ]
    var table: [[String]] = [["figure (lower is better)", "Osprey", "Alertmanager", "ratio"]]
    for (name, format, value) in rows {
        let o = figure(.osprey, value), a = figure(.alertmanager, value)
        let ratio = o.flatMap { o in a.flatMap { $0 > 0 ? String(format: "%.2f×", o / $0) : nil } } ?? "–"
        table.append([name, o.map { String(format: format, $0) } ?? "–", a.map { String(format: format, $0) } ?? "–", ratio])
    }
    print(renderCells(table))
    print("ratio = Osprey ÷ Alertmanager; CPU is utime+stime of the server process (/proc/PID/stat) from the first POST to the groups")
    print("read that showed the whole round (that read included); wall is the same span. RSS is VmRSS.")
    for kind in AlertServerKind.allCases {
        guard let r = run.servers[kind] else { continue }
        let rounds = r.rounds.enumerated().map { String(format: "%d: %.3f s / %.3f CPU s / %d read(s)", $0 + 1, $1.wallSeconds, $1.cpuSeconds, $1.polls) }
        print("  \(kind.rawValue) rounds (wall / CPU / groups reads): \(rounds.joined(separator: ", "))")
        print("  \(kind.rawValue): \(r.silenced) alerts silenced, \(r.inhibited) inhibited (expected \(w.expectedSilenced.count) and \(w.expectedInhibited.count))")
    }
    print(String(format: "  during the run the benchmark client used %.1f CPU s, other processes %.1f CPU s; webhook notifications received: %d (expected 0)",
                 run.clientCPUSeconds, run.otherCPUSeconds, run.notifications.values.reduce(0, +)))
    return run.allProblems
}

private func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

private func alertmanagerVersion(_ binary: String) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = ["--version"]
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return "unknown" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "unknown"
}
