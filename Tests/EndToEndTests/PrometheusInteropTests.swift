import Foundation
import OspreyCore
import Testing

/// The real Prometheus scrapes the real node_exporter and remote-writes to Osprey; afterwards
/// Osprey holds exactly the series and samples Prometheus holds.
@Suite(.serialized)
struct PrometheusInteropTests {
    static let prometheusPath = "/usr/bin/prometheus"
    static let nodeExporterPath = "/usr/bin/prometheus-node-exporter"
    /// How long Prometheus scrapes (every second) and remote-writes, from the first sample Osprey receives.
    static let scrapeSeconds = 12.0

    @Test("Osprey holds exactly what Prometheus scraped from node_exporter and remote-wrote")
    func remoteWriteFromPrometheusMatchesPrometheus() throws {
        let prometheus = try TestEnvironment.systemBinary(Self.prometheusPath, package: "prometheus")
        let nodeExporter = try TestEnvironment.systemBinary(Self.nodeExporterPath, package: "prometheus-node-exporter")
        try withTemporaryDirectory("interop") { dir in
            let osprey = try OspreyServer.start(dataDir: dir + "/osprey", logPath: dir + "/osprey.log")
            defer { osprey.stop() }
            let (node, nodePort) = try startHTTPProcess(
                name: "node_exporter", executable: nodeExporter, arguments: { ["--web.listen-address=127.0.0.1:\($0)"] },
                readyPath: "/metrics", logPath: dir + "/node_exporter.log")
            defer { node.terminate(timeoutSeconds: 10) }

            let all = "{__name__=~\".+\"}"

            // Phase 1: scrape and remote-write.
            let remoteWrite = """
                remote_write:
                  - url: http://127.0.0.1:\(osprey.port)/api/v1/write
                    queue_config:
                      batch_send_deadline: 1s
                      min_backoff: 50ms
                      max_backoff: 1s
                """
            let scrapeConfig = """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: node
                    static_configs:
                      - targets: ['127.0.0.1:\(nodePort)']
                """ + "\n" + remoteWrite
            let (writer, writerPort) = try Self.startPrometheus(prometheus, dir: dir, config: scrapeConfig, name: "prometheus-scrape")
            defer { writer.terminate(timeoutSeconds: 30) }
            let writerClient = HTTPClient(port: writerPort, timeoutSeconds: 30)
            // Prometheus applies scrape targets up to 5 s after start; count from the first remote write.
            let flowing = try poll(timeoutSeconds: 30, intervalMs: 100) {
                try osprey.client.metricValue("osprey_metric_store_samples_ingested_total") ?? 0 > 0
            }
            try #require(flowing, "no remote write reached Osprey within 30 s\n\(writer.logTail())\n\(osprey.logTail())")
            let scrapeEnd = Date().addingTimeInterval(Self.scrapeSeconds)
            while Date() < scrapeEnd {
                try #require(writer.isRunning, "Prometheus exited while scraping\n\(writer.logTail())")
                try #require(osprey.process.isRunning, "Osprey exited while receiving remote writes\n\(osprey.logTail())")
                usleep(200_000)
            }

            // Stop node_exporter: the next scrape fails, so Prometheus writes `up` 0 and a staleness marker
            // to every series the target had. Osprey must store the markers and show them as "stale"
            // (Prometheus hides them from queries, so the comparison below skips them).
            node.terminate(timeoutSeconds: 10)
            var notStale: [Labels] = []
            let staled = try poll(timeoutSeconds: 30, intervalMs: 250) {
                let samples = try osprey.client.rawSamples(all)
                notStale = samples.filter { !Self.endsLikeADownTarget($0.key, $0.value) }.map(\.key)
                return notStale.isEmpty
            }
            #expect(staled, """
                 \(notStale.count) series in Osprey do not end with a staleness marker (or up 0) 30 s after node_exporter stopped, \
                 e.g. \(notStale.prefix(3))
                 """)

            // Stop scraping but keep remote write, and wait until it has sent everything Prometheus appended.
            // (Stopping Prometheus while it scrapes can lose the last scrape: its WAL watcher polls every
            // 10 ms and stops after the send queue is flushed. That is Prometheus, not Osprey.)
            try ("global:\n  scrape_interval: 1s\n" + remoteWrite).write(toFile: dir + "/prometheus-scrape.yml", atomically: true, encoding: .utf8)
            let reload = try writerClient.post("/-/reload")
            try #require(reload.status == 200, "Prometheus config reload: HTTP \(reload.status): \(reload.text)")
            var lag = ""
            let caughtUp = try poll(timeoutSeconds: 60, intervalMs: 200) {
                let metrics = try writerClient.get("/metrics").text
                let appended = Self.sampleValue(metrics, "prometheus_remote_storage_highest_timestamp_in_seconds") ?? 0
                let sent = Self.sampleValue(metrics, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds") ?? -1
                lag = "highest appended \(appended), highest sent \(sent)"
                return appended > 0 && sent >= appended
            }
            try #require(caughtUp, "Prometheus's remote write did not catch up within 60 s: \(lag)\n\(writer.logTail())")
            let ended = writer.terminate(timeoutSeconds: 60)
            #expect(ended == .exited(0), "Prometheus on SIGTERM: \(ended.map { "\($0)" } ?? "did not exit in 60 s")\n\(writer.logTail())")
            #expect(!writer.log.contains("level=error"), "Prometheus logged errors (remote write failures?):\n\(writer.logTail(40))")

            // Phase 2: the same TSDB, read only: no scraping, no remote write.
            let (reader, readerPort) = try Self.startPrometheus(prometheus, dir: dir, config: "global:\n  scrape_interval: 1s\n", name: "prometheus-read")
            defer { reader.terminate(timeoutSeconds: 30) }
            let promClient = HTTPClient(port: readerPort, timeoutSeconds: 60)

            let promSeries = try Self.prometheusSeries(promClient, all)
            let ospreySeries = try osprey.client.seriesSet(all)
            #expect(promSeries.count > 100, "Prometheus scraped too little to compare: \(promSeries.count) series")
            #expect(promSeries.contains(Labels(["__name__": "up", "instance": "127.0.0.1:\(nodePort)", "job": "node"])))
            let onlyProm = promSeries.subtracting(ospreySeries), onlyOsprey = ospreySeries.subtracting(promSeries)
            #expect(onlyProm.isEmpty && onlyOsprey.isEmpty, """
                series sets differ: \(onlyProm.count) only in Prometheus, e.g. \(onlyProm.prefix(5).map { $0.description }); \
                \(onlyOsprey.count) only in Osprey, e.g. \(onlyOsprey.prefix(5).map { $0.description })
                """)

            let queryTime = String(format: "%.3f", Date().timeIntervalSince1970 + 60)
            let promSamples = try Self.prometheusRawSamples(promClient, "\(all)[1h]", time: queryTime)
            let ospreySamples = try osprey.client.rawSamples(all)
            var compared = 0
            var problems: [String] = []
            for labels in promSeries.union(ospreySeries).sorted(by: { $0.description < $1.description }) {
                let want = promSamples[labels] ?? []
                let got = (ospreySamples[labels] ?? []).filter { !$0.isStale }
                compared += want.count
                if let problem = Self.difference(want, got) { problems.append("\(labels): \(problem)") }
            }
            print("interop: \(promSeries.count) series, \(compared) samples compared, \(problems.count) series differ")
            #expect(compared > promSeries.count * 3, "too few samples to compare: \(compared) for \(promSeries.count) series")
            #expect(problems.isEmpty, "\(problems.count) series differ between Prometheus and Osprey, first ones:\n\(problems.prefix(10).joined(separator: "\n"))")
        }
    }

    /// Starts Prometheus on a free port with `config`, on the test's TSDB directory.
    static func startPrometheus(_ binary: String, dir: String, config: String, name: String) throws -> (process: ChildProcess, port: Int) {
        let configPath = dir + "/\(name).yml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        return try startHTTPProcess(
            name: name, executable: binary,
            arguments: { port in
                [
                    "--config.file=\(configPath)", "--storage.tsdb.path=\(dir)/prometheus",
                    "--web.listen-address=127.0.0.1:\(port)", "--web.enable-lifecycle", "--log.level=info",
                ]
            },
            readyPath: "/-/ready", logPath: dir + "/\(name).log")
    }

    /// Series Prometheus writes about each scrape (they continue, with `up` 0, when the target is down).
    static let scrapeReportMetrics: Set<String> = [
        "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added",
    ]

    /// A target's series end with a staleness marker once a scrape fails; `up` ends with 0 and the
    /// other report series go on.
    static func endsLikeADownTarget(_ labels: Labels, _ samples: [ReadSample]) -> Bool {
        let name = labels.metricName ?? ""
        if name == "up" { return samples.last?.value == "0" }
        return scrapeReportMetrics.contains(name) || samples.last?.isStale == true
    }

    /// The value of the first sample of `name` (with any labels) in a text exposition.
    static func sampleValue(_ exposition: String, _ name: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name) {
            let rest = line.dropFirst(name.count)
            guard rest.first == " " || rest.first == "{" else { continue }
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    static func prometheusSeries(_ client: HTTPClient, _ selector: String) throws -> Set<Labels> {
        let response = try client.get(target("/api/v1/series", [("match[]", selector)]))
        guard response.status == 200 else { throw E2EError("Prometheus /api/v1/series: HTTP \(response.status): \(response.text)") }
        return Set(try decodeJSON(SeriesResponse.self, response).data.map { Labels($0) })
    }

    /// Raw samples of a range-vector query (`selector[range]` at `time`); stale markers are not returned by Prometheus.
    static func prometheusRawSamples(_ client: HTTPClient, _ query: String, time: String) throws -> [Labels: [ReadSample]] {
        let response = try client.get(target("/api/v1/query", [("query", query), ("time", time)]))
        guard response.status == 200 else { throw E2EError("Prometheus /api/v1/query: HTTP \(response.status): \(response.text)") }
        let decoded = try decodeJSON(PrometheusQueryResponse.self, response)
        guard decoded.data.resultType == "matrix" else { throw E2EError("expected a matrix, got \(decoded.data.resultType)") }
        var out: [Labels: [ReadSample]] = [:]
        for series in decoded.data.result {
            // Prometheus prints times as seconds with exactly three decimals.
            out[Labels(series.metric)] = series.values.map { ReadSample(t: Int64(($0.seconds * 1000).rounded()), value: $0.value) }
        }
        return out
    }

    /// What differs between two sample lists (timestamps exactly, values as parsed doubles, NaN equal to NaN), or nil.
    static func difference(_ want: [ReadSample], _ got: [ReadSample]) -> String? {
        let wantByTime = Dictionary(want.map { ($0.t, $0) }, uniquingKeysWith: { a, _ in a })
        let gotByTime = Dictionary(got.map { ($0.t, $0) }, uniquingKeysWith: { a, _ in a })
        let missing = want.filter { gotByTime[$0.t] == nil }
        let extra = got.filter { wantByTime[$0.t] == nil }
        let differing = want.compactMap { w -> String? in
            guard let g = gotByTime[w.t], let a = w.double, let b = g.double else { return nil }
            return a == b || (a.isNaN && b.isNaN) ? nil : "@\(w.t) Prometheus \(w.value), Osprey \(g.value)"
        }
        if missing.isEmpty && extra.isEmpty && differing.isEmpty && want.count == got.count { return nil }
        return "Prometheus \(want.count) samples, Osprey \(got.count); missing in Osprey \(missing.prefix(3)); "
            + "only in Osprey \(extra.prefix(3)); different values \(differing.prefix(3))"
    }
}

struct PrometheusQueryResponse: Decodable {
    struct Data: Decodable {
        let resultType: String
        let result: [Series]
    }
    struct Series: Decodable {
        let metric: [String: String]
        let values: [Pair]
    }
    /// `[seconds, "value"]`
    struct Pair: Decodable {
        let seconds: Double
        let value: String
        init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            seconds = try c.decode(Double.self)
            value = try c.decode(String.self)
        }
    }
    let status: String
    let data: Data
}
