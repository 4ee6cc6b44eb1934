import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One scrape run: `targets` targets of `seriesPerTarget` series each, every `intervalS`, scraped by Osprey
/// and Prometheus at the same time from the same prometheus.yml.
struct ScrapeSetup {
    var name: String
    var targets: Int
    var seriesPerTarget: Int
    var intervalS: Int
    var warmupIntervals: Int
    var measuredIntervals: Int
    /// Seconds both servers run with no targets first, to measure what they use doing nothing.
    var idleSeconds: Double = 10
    /// Samples each scrape stores beside the target's: up, scrape_duration_seconds, scrape_samples_scraped,
    /// scrape_samples_post_metric_relabeling, scrape_series_added.
    static let reportSeries = 5
    var expectedSamples: Int { targets * (seriesPerTarget + ScrapeSetup.reportSeries) * measuredIntervals }
    var windowSeconds: Double { Double(intervalS * measuredIntervals) }
}

/// What one server did during the measured window.
struct ScrapeServerResult {
    let kind: ServerKind
    var cpuSeconds = 0.0
    var idleCPUPerSecond = 0.0
    var samples = 0
    var upSeries = 0
    var rssBytes = 0
    var peakRSSBytes = 0
    var problems: [String] = []
    var completed = false
    var cpuPerMillion: Double { cpuSeconds / Double(samples) * 1e6 }
    /// With the idle server's CPU over the same time taken out.
    func cpuPerMillionNet(window: Double) -> Double { (cpuSeconds - idleCPUPerSecond * window) / Double(samples) * 1e6 }
}

struct ScrapeRunResult {
    let setup: ScrapeSetup
    var servers: [ServerKind: ScrapeServerResult] = [:]
    var targetRequests = 0
    var targetServerCPUSeconds = 0.0
    var otherCPUSeconds = 0.0
    var problems: [String] { servers.values.flatMap(\.problems) }
}

/// The job both servers run: one static group per target, all at the benchmark's target server, told apart by
/// `shard`, which relabeling copies into the `shard` query parameter, as real deployments tell targets behind
/// one address apart. `params.series` asks for the series count and is checked by the target server.
func scrapeConfigYAML(_ s: ScrapeSetup, port: Int, withTargets: Bool) -> String {
    var y = """
        global:
          scrape_interval: \(s.intervalS)s
          scrape_timeout: \(max(1, s.intervalS * 2 / 3))s
        scrape_configs:

        """
    guard withTargets else { return y.replacingOccurrences(of: "scrape_configs:\n", with: "scrape_configs: []\n") }
    y += """
          - job_name: bench
            metrics_path: /metrics
            params:
              series: ["\(s.seriesPerTarget)"]
            relabel_configs:
              - source_labels: [shard]
                target_label: __param_shard
            static_configs:

        """
    for shard in 0..<s.targets {
        y += "      - targets: [\"127.0.0.1:\(port)\"]\n        labels: {shard: \"\(shard)\"}\n"
    }
    return y
}

/// Runs `setup`: target server up, both servers started with no targets (idle window), then reloaded with
/// the targets, warm-up, measured window, checks. Fails loudly (problems) when a server did not ingest what
/// the targets served.
func runScrapeBenchmark(_ setup: ScrapeSetup, _ o: Options, workDir: String) -> ScrapeRunResult {
    var run = ScrapeRunResult(setup: setup)
    let tag = "[\(setup.name)]"
    let built = Date()
    var payloads: [String: ScrapePayload] = [:]
    for shard in 0..<setup.targets { payloads[String(shard)] = ScrapePayload(shard: shard, seriesCount: setup.seriesPerTarget) }
    let bodyBytes = payloads["0"]!.render(at: 0).count
    progress(String(format: "%@ %d targets × %d series every %d s (a body of %d bytes), payloads built in %.1f s",
                    tag, setup.targets, setup.seriesPerTarget, setup.intervalS, bodyBytes, Date().timeIntervalSince(built)))
    let targetServer: TargetServer
    do { targetServer = try TargetServer(payloads: payloads, epoch: Date()) } catch {
        for kind in o.servers { run.servers[kind] = ScrapeServerResult(kind: kind, problems: ["\(tag) target server: \(error)"]) }
        return run
    }
    defer { targetServer.stop() }

    var servers: [ServerProcess] = []
    defer {
        for s in servers {
            s.stop()
            if !o.keep { try? FileManager.default.removeItem(atPath: s.dataDir) }
        }
    }
    let idleYAML = scrapeConfigYAML(setup, port: targetServer.port, withTargets: false)
    for kind in o.servers {
        do {
            servers.append(try ServerProcess(kind: kind, binary: kind == .osprey ? o.ospreyBinary : o.prometheusBinary,
                                             workDir: workDir, setName: setup.name, configYAML: idleYAML))
            run.servers[kind] = ScrapeServerResult(kind: kind)
            progress("\(tag) \(kind.rawValue) started, pid \(servers.last!.pid), port \(servers.last!.port)")
        } catch {
            run.servers[kind] = ScrapeServerResult(kind: kind, problems: ["\(tag) \(kind.rawValue): \(error)"])
            return run
        }
    }

    // Idle: no targets.
    sleepSeconds(2)
    let idle0 = servers.map { $0.cpuSeconds() }
    sleepSeconds(setup.idleSeconds)
    for (s, c0) in zip(servers, idle0) { run.servers[s.kind]!.idleCPUPerSecond = (s.cpuSeconds() - c0) / setup.idleSeconds }

    let yaml = scrapeConfigYAML(setup, port: targetServer.port, withTargets: true)
    for s in servers {
        do { try s.reload(configYAML: yaml) } catch { run.servers[s.kind]!.problems.append("\(tag) \(error)") }
    }
    let warmup = Double(setup.intervalS * setup.warmupIntervals)
    progress("\(tag) targets configured; warming up \(Int(warmup)) s, then measuring \(Int(setup.windowSeconds)) s")
    sleepSeconds(warmup)

    var start: [ServerKind: (cpu: Double, samples: Int)] = [:]
    for s in servers {
        do { start[s.kind] = (s.cpuSeconds(), try ingestedSamples(s)) } catch {
            run.servers[s.kind]!.problems.append("\(tag) \(s.kind.rawValue): reading its samples counter: \(error)")
        }
    }
    let requests0 = targetServer.requests.total, self0 = selfCPUSeconds(), machine0 = machineBusyCPUSeconds()
    let perfPath = workDir + "/\(setup.name)-osprey.perf.data"
    let perf = o.perf ? servers.first { $0.kind == .osprey }.flatMap { startPerf(pid: $0.pid, output: perfPath) } : nil
    let cpu0 = servers.map { $0.cpuSeconds() }
    sleepSeconds(setup.windowSeconds)
    let cpu1 = servers.map { $0.cpuSeconds() }
    if let perf { stopPerf(perf, output: perfPath) }
    run.targetServerCPUSeconds = selfCPUSeconds() - self0
    run.otherCPUSeconds = max(0, machineBusyCPUSeconds() - machine0 - run.targetServerCPUSeconds - zip(cpu1, cpu0).map(-).reduce(0, +))
    run.targetRequests = targetServer.requests.total - requests0

    for s in servers {
        var r = run.servers[s.kind]!
        let name = "\(tag) \(s.kind.rawValue)"
        guard s.isRunning else {
            r.problems.append("\(name) exited during the run; see \(s.logPath)")
            run.servers[s.kind] = r
            continue
        }
        guard let begin = start[s.kind] else { continue }
        r.cpuSeconds = s.cpuSeconds() - begin.cpu
        r.rssBytes = s.statusBytes("VmRSS")
        r.peakRSSBytes = s.statusBytes("VmHWM")
        do {
            r.samples = try ingestedSamples(s) - begin.samples
            r.upSeries = try seriesCount(s, match: "up")
        } catch {
            r.problems.append("\(name): reading its figures: \(error)")
        }
        let expected = setup.expectedSamples
        if abs(Double(r.samples - expected)) > 0.02 * Double(expected) {
            r.problems.append("\(name) ingested \(r.samples) samples in the window, expected \(expected) (\(setup.targets) targets × (\(setup.seriesPerTarget) + \(ScrapeSetup.reportSeries)) × \(setup.measuredIntervals) scrapes) within 2 %; see \(s.logPath)")
        }
        if r.upSeries != setup.targets {
            r.problems.append("\(name) has \(r.upSeries) `up` series, expected one per target (\(setup.targets))")
        }
        r.completed = r.problems.isEmpty
        progress(String(format: "%@: %.2f CPU s for %d samples in %.0f s (%.3f s per 1M; idle %.4f CPU s/s), %d up series, RSS %.1f MiB",
                        name, r.cpuSeconds, r.samples, setup.windowSeconds, r.cpuPerMillion, r.idleCPUPerSecond, r.upSeries,
                        Double(r.rssBytes) / 1_048_576))
        run.servers[s.kind] = r
    }
    let failed = targetServer.requests.failed
    if failed > 0 {
        for kind in run.servers.keys { run.servers[kind]!.problems.append("\(tag) the target server answered \(failed) requests with 404 (bad shard or series count)") }
    }
    let expectedRequests = setup.targets * setup.measuredIntervals * servers.count
    progress("\(tag) target server: \(run.targetRequests) requests in the window (expected about \(expectedRequests)), its CPU \(String(format: "%.1f", run.targetServerCPUSeconds)) s")
    return run
}

/// Samples the server has stored since it started, from its own counter on `/metrics`:
/// Osprey's `osprey_metric_store_samples_ingested_total`, Prometheus's `prometheus_tsdb_head_samples_appended_total`.
func ingestedSamples(_ s: ServerProcess) throws -> Int {
    let metric = s.kind == .osprey ? "osprey_metric_store_samples_ingested_total" : "prometheus_tsdb_head_samples_appended_total"
    let c = try HTTPConnection(port: s.port, timeoutSeconds: 30)
    let r = try c.request("GET", "/metrics")
    guard r.ok else { throw HTTPError(description: "GET /metrics: HTTP \(r.status)") }
    var total = 0.0
    var found = false
    for line in r.text.split(separator: "\n") where line.hasPrefix(metric) {
        let rest = line.dropFirst(metric.count)
        guard rest.first == " " || rest.first == "{", let v = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
        total += v
        found = true
    }
    // Prometheus 2.42 shows its counter (a vector by sample type) only after the first append; before, none
    // were appended. A missing counter later shows up as a window with too few samples, which fails the run.
    return found ? Int(total) : 0
}

/// `/api/v1/series?match[]=…` result count.
func seriesCount(_ s: ServerProcess, match: String) throws -> Int {
    let c = try HTTPConnection(port: s.port, timeoutSeconds: 60)
    let r = try c.request("GET", "/api/v1/series?match%5B%5D=\(queryEscape(match))")
    guard r.ok, let list = try jsonData(r) as? [Any] else { throw HTTPError(description: "GET /api/v1/series: HTTP \(r.status) \(r.text.prefix(200))") }
    return list.count
}

func sleepSeconds(_ s: Double) {
    if s > 0 { usleep(UInt32(s * 1e6)) }
}
