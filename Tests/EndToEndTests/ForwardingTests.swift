import Foundation
import OspreyCore
import Testing

/// Osprey forwards what it ingests to a real Prometheus (remote write receiver) and loses nothing when the
/// receiver is down for a minute, nor when Osprey itself is killed with SIGKILL during that minute.
@Suite(.serialized)
struct ForwardingTests {
    /// The receiver outage the forwarder must ride out.
    static let outageSeconds = 60.0
    /// Narrow series pushed every step; a wide push adds many series at once (several requests per record).
    static let narrowSeries = 20
    static let wideSeries = 3_000

    @Test("every sample reaches Prometheus, across a 60 s receiver outage and a kill -9 of Osprey during it")
    func forwardsEverySampleAcrossOutageAndCrash() throws {
        let binary = try TestEnvironment.systemBinary(PrometheusInteropTests.prometheusPath, package: "prometheus")
        try withTemporaryDirectory("forward") { dir in
            let promPort = try freeLocalPort()
            var prometheus = try Self.startReceiver(binary, dir: dir, port: promPort, log: "prometheus-1.log")
            defer { prometheus.terminate(timeoutSeconds: 30) }
            let config = try writeConfig("""
                remote_write:
                  - url: http://127.0.0.1:\(promPort)/api/v1/write
                    name: prom
                    remote_timeout: 5s
                    queue_config:
                      max_samples_per_send: 1000
                      batch_send_deadline: 200ms
                      min_backoff: 50ms
                      max_backoff: 1s
                """, in: dir)
            var osprey = try OspreyServer.start(dataDir: dir + "/osprey", logPath: dir + "/osprey-1.log", configPath: config)
            defer { osprey.stop() }

            var pusher = Pusher(base: (Int64(Date().timeIntervalSince1970) - 1_800) * 1_000)

            // Phase 1: the receiver is up.
            for _ in 0..<20 { try pusher.pushNarrow(osprey) }
            try pusher.pushWide(osprey)
            for _ in 0..<20 { try pusher.pushNarrow(osprey) }
            try Self.expectArrived(pusher, promPort, prometheus, osprey, phase: "with the receiver up")

            // Phase 2: the receiver is down for a minute while samples keep coming; Osprey is killed
            // with SIGKILL halfway and restarted on the same data.
            let stopped = prometheus.terminate(timeoutSeconds: 30)
            #expect(stopped == .exited(0), "Prometheus on SIGTERM: \(stopped.map { "\($0)" } ?? "killed")")
            let outageStart = Date()
            var killed = false
            while Date().timeIntervalSince(outageStart) < Self.outageSeconds {
                try pusher.pushNarrow(osprey)
                if pusher.steps % 40 == 0 { try pusher.pushWide(osprey) }
                if !killed && Date().timeIntervalSince(outageStart) > Self.outageSeconds / 2 {
                    osprey.kill()
                    osprey = try OspreyServer.start(dataDir: dir + "/osprey", logPath: dir + "/osprey-2.log", configPath: config)
                    killed = true
                }
                usleep(250_000)
            }
            #expect(osprey.log.contains("forward buffer: resuming"), "the restarted Osprey did not resume its buffer\n\(osprey.logTail())")

            // Phase 3: the receiver is back on the same TSDB; everything arrives, nothing twice, nothing lost.
            prometheus = try Self.startReceiver(binary, dir: dir, port: promPort, log: "prometheus-2.log")
            try Self.expectArrived(pusher, promPort, prometheus, osprey, phase: "after the outage and the kill -9")
            #expect(!prometheus.log.contains("out of order"), "Prometheus saw samples out of order:\n\(prometheus.logTail())")
        }
    }

    /// Starts Prometheus as a remote write receiver (no scrape jobs) on `port`, on the test's TSDB.
    static func startReceiver(_ binary: String, dir: String, port: Int, log: String) throws -> ChildProcess {
        let configPath = dir + "/prometheus.yml"
        try "global:\n  scrape_interval: 15s\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let process = try ChildProcess(name: "prometheus", executable: binary, arguments: [
            "--config.file=\(configPath)", "--storage.tsdb.path=\(dir)/prometheus", "--web.listen-address=127.0.0.1:\(port)",
            "--web.enable-remote-write-receiver", "--log.level=info",
        ], logPath: dir + "/" + log)
        let probe = HTTPClient(port: port, timeoutSeconds: 5)
        let ready = poll(timeoutSeconds: 60, intervalMs: 50) { !process.isRunning || (try? probe.get("/-/ready"))?.status == 200 }
        guard ready, process.isRunning else { throw E2EError("Prometheus did not become ready on port \(port)\n\(process.logTail())") }
        return process
    }

    /// Polls Prometheus until it holds exactly the pushed samples (60 s at most), then checks it.
    static func expectArrived(_ pusher: Pusher, _ port: Int, _ prometheus: ChildProcess, _ osprey: OspreyServer, phase: String) throws {
        let client = HTTPClient(port: port, timeoutSeconds: 30)
        let time = String(format: "%.3f", Date().timeIntervalSince1970 + 60)
        var got: [Labels: [ReadSample]] = [:]
        let complete = try poll(timeoutSeconds: 60, intervalMs: 500) {
            got = try PrometheusInteropTests.prometheusRawSamples(client, "{__name__=~\"fwd_.+\"}[2h]", time: time)
            return got.values.reduce(0) { $0 + $1.count } >= pusher.sampleCount
        }
        var problems: [String] = []
        for (labels, want) in pusher.sent {
            if let problem = PrometheusInteropTests.difference(want, got[labels] ?? []) { problems.append("\(labels): \(problem)") }
        }
        let extra = Set(got.keys).subtracting(pusher.sent.keys)
        print("forwarding \(phase): \(pusher.sent.count) series, \(pusher.sampleCount) samples pushed, "
              + "\(got.values.reduce(0) { $0 + $1.count }) in Prometheus, \(problems.count) series differ")
        #expect(complete, "Prometheus did not get every sample within 60 s \(phase)\n\(osprey.logTail())\n\(prometheus.logTail())")
        #expect(problems.isEmpty, "\(problems.count) series differ \(phase):\n\(problems.prefix(5).joined(separator: "\n"))")
        #expect(extra.isEmpty, "series in Prometheus that were never pushed: \(extra.prefix(3))")
    }
}

/// Pushes samples into Osprey by remote write and remembers what it pushed.
struct Pusher {
    let base: Int64
    private(set) var steps = 0
    private(set) var sent: [Labels: [ReadSample]] = [:]
    private(set) var sampleCount = 0

    init(base: Int64) { self.base = base }

    /// One sample for each narrow series, one second of sample time after the previous step.
    mutating func pushNarrow(_ osprey: OspreyServer) throws {
        steps += 1
        let t = base + Int64(steps) * 1_000
        try push(osprey, (0..<ForwardingTests.narrowSeries).map { k in
            (Labels(["__name__": "fwd_narrow", "series": "\(k)", "job": "forward"]), [Sample(t, Double(steps) + Double(k) / 64)])
        })
    }

    /// One sample for each of many series, at the current step's time.
    mutating func pushWide(_ osprey: OspreyServer) throws {
        let t = base + Int64(steps) * 1_000 + 500
        try push(osprey, (0..<ForwardingTests.wideSeries).map { k in
            (Labels(["__name__": "fwd_wide", "series": "\(k)"]), [Sample(t, Double(k) * 1.5)])
        })
    }

    private mutating func push(_ osprey: OspreyServer, _ series: [(labels: Labels, samples: [Sample])]) throws {
        let response = try osprey.client.remoteWrite(series)
        guard response.status == 204 else { throw E2EError("remote write into Osprey: HTTP \(response.status): \(response.text)") }
        for s in series {
            sent[s.labels, default: []] += s.samples.map { ReadSample(t: $0.t, value: formatPrometheusFloat($0.v)) }
            sampleCount += s.samples.count
        }
    }
}
