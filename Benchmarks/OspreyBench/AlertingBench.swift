import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One evaluation round on one server: every alert posted (as Prometheus's notifier sends them: batches
/// on one connection, one request at a time), then `GET /api/v2/alerts/groups` until it shows every group
/// with every alert carrying this round's `endsAt`.
struct AlertRoundFigure {
    /// The POSTs alone.
    var ingestWallSeconds = 0.0
    var ingestCPUSeconds = 0.0
    /// First POST to the groups read that showed the whole round.
    var wallSeconds = 0.0
    var cpuSeconds = 0.0
    /// Groups reads it took (each one a full read of every group, counted in the round's CPU).
    var polls = 0
}

/// What one server did over the whole benchmark.
struct AlertServerResult {
    let kind: AlertServerKind
    var silenceWallSeconds = 0.0
    var silenceCPUSeconds = 0.0
    var rounds: [AlertRoundFigure] = []
    var emptyRSSBytes = 0
    var silencesRSSBytes = 0
    var rssBytes = 0
    var peakRSSBytes = 0
    var silenced = 0
    var inhibited = 0
    /// `receiver {alertname,service} alerts` of every group in the last round, to compare the servers' routing.
    var groupSummary: [String] = []
    /// Alert key → (silenced, inhibited) from `GET /api/v2/alerts` after the last round.
    var statuses: [String: (Bool, Bool)] = [:]
    var problems: [String] = []
    var completed: Bool { problems.isEmpty && !rounds.isEmpty }
}

struct AlertingRun {
    var workload: AlertingWorkload?
    var servers: [AlertServerKind: AlertServerResult] = [:]
    var notifications: [String: Int] = [:]
    var clientCPUSeconds = 0.0
    var otherCPUSeconds = 0.0
    var problems: [String] = []
    var allProblems: [String] { problems + servers.values.flatMap(\.problems) }
}

private let jsonHeaders = [("Content-Type", "application/json")]
/// Silences are posted in chunks of this many, the servers taking turns, so machine load drifts hit both alike.
private let silenceChunkCount = 500
/// A round whose alerts do not all show up grouped within this long is a failure, not a slow figure.
private let roundTimeoutSeconds = 300.0

func runAlertingBenchmark(_ o: Options, workDir: String) -> AlertingRun {
    var run = AlertingRun()
    let kinds = o.servers.map { $0 == .osprey ? AlertServerKind.osprey : .alertmanager }
    let built = Date()
    let workload: AlertingWorkload
    do {
        workload = try AlertingWorkload(alerts: o.alertCount, groups: o.alertGroups, silences: o.alertSilences, seed: o.seed,
                                        nowMs: Int64(Date().timeIntervalSince1970 * 1000))
    } catch {
        run.problems.append("[alerting] \(error)")
        return run
    }
    run.workload = workload
    progress(String(format: "[alerting] %d alerts in %d groups, %d silences (%d expected silenced, %d inhibited alerts), built in %.1f s",
                    workload.alertCount, workload.groupCount, workload.silenceCount, workload.expectedSilenced.count,
                    workload.expectedInhibited.count, Date().timeIntervalSince(built)))
    let sink: WebhookSink
    do { sink = try WebhookSink() } catch {
        run.problems.append("[alerting] webhook sink: \(error)")
        return run
    }
    defer { sink.stop() }
    var servers: [AlertServer] = []
    defer {
        for s in servers {
            s.stop()
            if !o.keep { try? FileManager.default.removeItem(atPath: s.dir + "/data") }
        }
    }
    let yaml = AlertingWorkload.alertmanagerYAML(sinkPort: sink.port, services: workload.serviceCount)
    for kind in kinds {
        do {
            let s = try AlertServer(kind: kind, binary: kind == .osprey ? o.ospreyBinary : o.alertmanagerBinary, workDir: workDir, alertmanagerYAML: yaml)
            servers.append(s)
            run.servers[kind] = AlertServerResult(kind: kind)
            progress("[alerting] \(kind.rawValue) started, pid \(s.pid), port \(s.port)")
        } catch {
            run.problems.append("[alerting] \(kind.rawValue): \(error)")
            return run
        }
    }
    sleepSeconds(2)
    for s in servers { run.servers[s.kind]!.emptyRSSBytes = s.statusBytes("VmRSS") }
    let self0 = selfCPUSeconds(), machine0 = machineBusyCPUSeconds(), servers0 = servers.map { $0.cpuSeconds() }

    // Silences, the servers taking turns chunk by chunk.
    let silenceNowMs = Int64(Date().timeIntervalSince1970 * 1000)
    let silenceBodies = (0..<workload.silenceCount).map { workload.silenceBody($0, nowMs: silenceNowMs) }
    for (c, start) in stride(from: 0, to: silenceBodies.count, by: silenceChunkCount).enumerated() {
        for s in c % 2 == 0 ? servers : servers.reversed() {
            postSilences(silenceBodies[start..<min(start + silenceChunkCount, silenceBodies.count)], to: s, into: &run.servers[s.kind]!)
        }
    }
    for s in servers {
        checkSilences(s, expected: workload.silenceCount, into: &run.servers[s.kind]!)
        run.servers[s.kind]!.silencesRSSBytes = s.statusBytes("VmRSS")
        let r = run.servers[s.kind]!
        progress(String(format: "[alerting] %@: %d silences in %.1f s, %.2f CPU s", s.kind.rawValue, workload.silenceCount,
                        r.silenceWallSeconds, r.silenceCPUSeconds))
    }

    // Evaluation rounds, the servers taking turns (and the order alternating) round by round.
    let perfPath = workDir + "/alerting-osprey.perf.data"
    let perf = o.perf ? servers.first { $0.kind == .osprey }.flatMap { startPerf(pid: $0.pid, output: perfPath) } : nil
    for round in 0..<o.alertRounds {
        let endsAtMs = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        let bodies = workload.roundBodies(endsAtMs: endsAtMs, batch: o.alertBatch)
        for s in round % 2 == 0 ? servers : servers.reversed() {
            guard run.servers[s.kind]!.problems.isEmpty else { continue }
            let f = measureRound(bodies, endsAtMs: endsAtMs, workload, on: s, into: &run.servers[s.kind]!)
            run.servers[s.kind]!.rounds.append(f)
            progress(String(format: "[alerting] round %d %@: %.3f s wall, %.3f CPU s (POSTs %.3f s wall, %.3f CPU s), %d groups read(s)",
                            round + 1, s.kind.rawValue, f.wallSeconds, f.cpuSeconds, f.ingestWallSeconds, f.ingestCPUSeconds, f.polls))
            sleepSeconds(0.5)
        }
    }
    if let perf { stopPerf(perf, output: perfPath) }
    run.clientCPUSeconds = selfCPUSeconds() - self0
    run.otherCPUSeconds = max(0, machineBusyCPUSeconds() - machine0 - run.clientCPUSeconds
                                - zip(servers.map { $0.cpuSeconds() }, servers0).map(-).reduce(0, +))
    sleepSeconds(2)
    for s in servers {
        guard s.isRunning else {
            run.servers[s.kind]!.problems.append("[alerting] \(s.kind.rawValue) exited during the run; see \(s.logPath)")
            continue
        }
        run.servers[s.kind]!.rssBytes = s.statusBytes("VmRSS")
        run.servers[s.kind]!.peakRSSBytes = s.statusBytes("VmHWM")
        readStatuses(s, workload, into: &run.servers[s.kind]!)
    }
    run.notifications = sink.received
    run.problems += compareServers(run, workload)
    return run
}

private func postSilences(_ bodies: ArraySlice<[UInt8]>, to s: AlertServer, into r: inout AlertServerResult) {
    let t0 = Date(), cpu0 = s.cpuSeconds()
    defer {
        r.silenceWallSeconds += Date().timeIntervalSince(t0)
        r.silenceCPUSeconds += s.cpuSeconds() - cpu0
    }
    do {
        let c = try HTTPConnection(port: s.port, timeoutSeconds: 60)
        for (k, body) in zip(bodies.indices, bodies) {
            let resp = try c.request("POST", "/api/v2/silences", headers: jsonHeaders, body: body)
            guard resp.ok else {
                r.problems.append("[alerting] \(s.kind.rawValue) POST /api/v2/silences (silence \(k)): HTTP \(resp.status) \(resp.text.prefix(300))")
                return
            }
        }
    } catch {
        r.problems.append("[alerting] \(s.kind.rawValue) POST /api/v2/silences: \(error)")
    }
}

private func checkSilences(_ s: AlertServer, expected: Int, into r: inout AlertServerResult) {
    do {
        let c = try HTTPConnection(port: s.port, timeoutSeconds: 120)
        let resp = try c.request("GET", "/api/v2/silences")
        guard resp.ok, let list = try JSONSerialization.jsonObject(with: Data(resp.body)) as? [[String: Any]] else {
            throw HTTPError(description: "HTTP \(resp.status) \(resp.text.prefix(300))")
        }
        let active = list.filter { (($0["status"] as? [String: Any])?["state"] as? String) == "active" }.count
        if active != expected {
            r.problems.append("[alerting] \(s.kind.rawValue) lists \(active) active silences of \(list.count), expected \(expected)")
        }
    } catch {
        r.problems.append("[alerting] \(s.kind.rawValue) GET /api/v2/silences: \(error)")
    }
}

private func measureRound(_ bodies: [[UInt8]], endsAtMs: Int64, _ w: AlertingWorkload, on s: AlertServer,
                          into r: inout AlertServerResult) -> AlertRoundFigure {
    var f = AlertRoundFigure()
    let name = "[alerting] \(s.kind.rawValue)"
    do {
        let c = try HTTPConnection(port: s.port, timeoutSeconds: 120)
        let t0 = Date(), cpu0 = s.cpuSeconds()
        for (n, body) in bodies.enumerated() {
            let resp = try c.request("POST", "/api/v2/alerts", headers: jsonHeaders, body: body)
            guard resp.ok else { throw HTTPError(description: "POST /api/v2/alerts (request \(n)): HTTP \(resp.status) \(resp.text.prefix(300))") }
        }
        f.ingestWallSeconds = Date().timeIntervalSince(t0)
        f.ingestCPUSeconds = s.cpuSeconds() - cpu0
        var last = ""
        while true {
            f.polls += 1
            let resp = try c.request("GET", "/api/v2/alerts/groups")
            guard resp.ok else { throw HTTPError(description: "GET /api/v2/alerts/groups: HTTP \(resp.status) \(resp.text.prefix(300))") }
            let t = Date(), cpu = s.cpuSeconds()
            let (done, summary, detail) = try roundComplete(resp, endsAtMs: endsAtMs, w)
            if done {
                f.wallSeconds = t.timeIntervalSince(t0)
                f.cpuSeconds = cpu - cpu0
                r.groupSummary = summary
                break
            }
            last = detail
            guard Date().timeIntervalSince(t0) < roundTimeoutSeconds else {
                throw HTTPError(description: "the round's alerts were not all grouped after \(Int(roundTimeoutSeconds)) s: \(last)")
            }
            usleep(20_000)
        }
    } catch {
        r.problems.append("\(name): \(error)")
    }
    return f
}

/// Whether a groups answer shows the whole round: `groupCount` groups holding every alert once, each with
/// `endsAt` at `endsAtMs`. Returns the groups' summary, or what is still missing.
private func roundComplete(_ resp: HTTPResponse, endsAtMs: Int64, _ w: AlertingWorkload) throws -> (Bool, [String], String) {
    guard let groups = try JSONSerialization.jsonObject(with: Data(resp.body)) as? [[String: Any]] else {
        throw HTTPError(description: "GET /api/v2/alerts/groups: not a JSON array: \(resp.text.prefix(200))")
    }
    var alerts = 0, stale = 0
    var summary: [String] = []
    let sent = AlertingWorkload.timestamp(endsAtMs)
    for g in groups {
        let list = g["alerts"] as? [[String: Any]] ?? []
        alerts += list.count
        for a in list {
            guard let e = a["endsAt"] as? String else { stale += 1; continue }
            if e != sent && abs(AlertingWorkload.milliseconds(e) - endsAtMs) > 0 { stale += 1 }
        }
        let labels = g["labels"] as? [String: String] ?? [:]
        let receiver = (g["receiver"] as? [String: Any])?["name"] as? String ?? "?"
        summary.append("\(receiver) {\(AlertingWorkload.key(labels))} \(list.count)")
    }
    let done = groups.count == w.groupCount && alerts == w.alertCount && stale == 0
    return (done, summary.sorted(), "\(groups.count) groups, \(alerts) alerts, \(stale) without this round's endsAt")
}

/// Silenced and inhibited alerts as `GET /api/v2/alerts` shows them after the last round.
private func readStatuses(_ s: AlertServer, _ w: AlertingWorkload, into r: inout AlertServerResult) {
    do {
        let c = try HTTPConnection(port: s.port, timeoutSeconds: 120)
        let resp = try c.request("GET", "/api/v2/alerts")
        guard resp.ok, let list = try JSONSerialization.jsonObject(with: Data(resp.body)) as? [[String: Any]] else {
            throw HTTPError(description: "HTTP \(resp.status) \(resp.text.prefix(300))")
        }
        for a in list {
            let status = a["status"] as? [String: Any] ?? [:]
            let silenced = !((status["silencedBy"] as? [Any]) ?? []).isEmpty
            let inhibited = !((status["inhibitedBy"] as? [Any]) ?? []).isEmpty
            r.statuses[AlertingWorkload.key(a["labels"] as? [String: String] ?? [:])] = (silenced, inhibited)
            if silenced { r.silenced += 1 }
            if inhibited { r.inhibited += 1 }
        }
        if list.count != w.alertCount {
            r.problems.append("[alerting] \(s.kind.rawValue) GET /api/v2/alerts lists \(list.count) alerts, expected \(w.alertCount)")
        }
    } catch {
        r.problems.append("[alerting] \(s.kind.rawValue) GET /api/v2/alerts: \(error)")
    }
}

/// Each server's statuses against what the silences and the inhibit rule imply, their routing against each
/// other, and no notification (group_wait outlasts the run).
private func compareServers(_ run: AlertingRun, _ w: AlertingWorkload) -> [String] {
    var problems: [String] = []
    for (kind, r) in run.servers.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where !r.statuses.isEmpty {
        var wrong: [String] = []
        for n in w.alerts.indices {
            let expected = (w.expectedSilenced.contains(n), w.expectedInhibited.contains(n))
            guard let got = r.statuses[w.key(n)] else { wrong.append("\(w.key(n)) missing"); continue }
            if got != expected { wrong.append("{\(w.key(n))} silenced \(got.0) inhibited \(got.1), expected \(expected.0) and \(expected.1)") }
        }
        if !wrong.isEmpty {
            problems.append("[alerting] \(kind.rawValue): \(wrong.count) alerts with the wrong status (silenced \(r.silenced), expected \(w.expectedSilenced.count); inhibited \(r.inhibited), expected \(w.expectedInhibited.count)), e.g. \(wrong.prefix(3).joined(separator: "; "))")
        }
    }
    if let o = run.servers[.osprey], let a = run.servers[.alertmanager], !o.groupSummary.isEmpty, !a.groupSummary.isEmpty {
        let onlyO = Set(o.groupSummary).subtracting(a.groupSummary), onlyA = Set(a.groupSummary).subtracting(o.groupSummary)
        if !onlyO.isEmpty || !onlyA.isEmpty {
            problems.append("[alerting] the servers group or route differently: \(onlyO.count) groups only Osprey shows (e.g. \(onlyO.sorted().prefix(2))), \(onlyA.count) only Alertmanager (e.g. \(onlyA.sorted().prefix(2)))")
        }
        let differ = o.statuses.filter { k, v in a.statuses[k].map { $0 != v } ?? true }.count
        if differ > 0 { problems.append("[alerting] \(differ) alerts have a different silenced/inhibited status on Osprey than on Alertmanager") }
    }
    let sent = run.notifications.values.reduce(0, +)
    if sent > 0 {
        problems.append("[alerting] the webhook sink received \(sent) notifications (\(run.notifications.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); group_wait is 1 h, so none was due")
    }
    return problems
}

extension AlertingWorkload {
    /// Milliseconds of an RFC 3339 time (fractional seconds optional); NaN-free: unparsable is 0.
    static func milliseconds(_ s: String) -> Int64 {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? 0
    }
}
