import Foundation
import OspreyCore
import Testing

/// Osprey and the real Prometheus scrape the same real targets at the same time, from the same
/// prometheus.yml: the real node_exporter and a Python prometheus_client app (OpenMetrics-capable, and
/// one that serves only the 0.0.4 text format). Both must store the same series, with the same metadata
/// and the same values of series that do not move.
@Suite(.serialized)
struct ScrapeInteropTests {
    /// A prometheus_client app: counters, gauges, histograms, summaries, info and enum, with labels.
    /// Port 1 negotiates OpenMetrics as prometheus_client does; port 2 always answers text 0.0.4.
    static let app = """
        import sys, threading, time
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary, Info, Enum, start_http_server, generate_latest
        r = CollectorRegistry()
        c = Counter('app_requests', 'Requests served.', ['method', 'code'], registry=r)
        c.labels('get', '200').inc(41); c.labels('post', '500').inc(2)
        g = Gauge('app_queue_depth', 'Items waiting.', ['queue'], registry=r)
        g.labels('a').set(7); g.labels('b\\\\"quoted"').set(-1.5)
        h = Histogram('app_latency_seconds', 'Latency.', ['route'], buckets=[0.1, 0.5, 1, 5], registry=r)
        for v in [0.05, 0.2, 0.7, 3, 9]: h.labels('/api').observe(v)
        s = Summary('app_payload_bytes', 'Payload sizes.', registry=r)
        s.observe(100); s.observe(300)
        Info('app_build', 'Build information.', registry=r).info({'version': '1.2.3', 'commit': 'abc'})
        Enum('app_state', 'State.', states=['starting', 'running', 'stopped'], registry=r).state('running')
        Gauge('app_temperature_celsius', 'Temperature.', unit='celsius', registry=r).set(21.5)
        ticks = Counter('app_ticks', 'Ticks.', registry=r)
        def tick():
            while True:
                ticks.inc(); time.sleep(0.2)
        threading.Thread(target=tick, daemon=True).start()
        start_http_server(int(sys.argv[1]), addr='127.0.0.1', registry=r)
        class Text(BaseHTTPRequestHandler):
            def do_GET(self):
                body = generate_latest(r)
                self.send_response(200)
                self.send_header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers(); self.wfile.write(body)
            def log_message(self, *a): pass
        ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2])), Text).serve_forever()
        """

    /// Values that do not change while the test runs, compared exactly.
    static let stableNames: Set<String> = [
        "app_requests_total", "app_queue_depth", "app_latency_seconds_bucket", "app_latency_seconds_sum",
        "app_latency_seconds_count", "app_payload_bytes_sum", "app_payload_bytes_count", "app_build_info", "app_state",
        "app_temperature_celsius", "node_memory_MemTotal_bytes", "node_uname_info", "node_filesystem_size_bytes",
        "node_cpu_info", "node_os_info", "node_boot_time_seconds",
    ]

    struct PromSeries: Decodable { let data: [[String: String]] }
    struct PromQuery: Decodable {
        struct Result: Decodable { let metric: [String: String]; let value: [ScalarOrString] }
        struct Data: Decodable { let result: [Result] }
        let data: Data
    }
    enum ScalarOrString: Decodable {
        case n(Double), s(String)
        init(from d: Decoder) throws {
            let c = try d.singleValueContainer()
            if let v = try? c.decode(Double.self) { self = .n(v) } else { self = .s(try c.decode(String.self)) }
        }
        var string: String? { if case .s(let s) = self { return s }; return nil }
    }
    struct MetadataEntry: Decodable, Hashable { let metric: String; let type: String; let help: String; let unit: String }
    struct TargetMetadata: Decodable { let data: [MetadataEntry] }

    @Test("node_exporter and prometheus_client scraped by Osprey and Prometheus: same series, metadata and values")
    func sameSeriesAsPrometheus() throws {
        let prometheus = try TestEnvironment.systemBinary(PrometheusInteropTests.prometheusPath, package: "prometheus")
        let nodeExporter = try TestEnvironment.systemBinary(PrometheusInteropTests.nodeExporterPath, package: "prometheus-node-exporter")
        try withTemporaryDirectory("scrape-interop") { dir in
            let (node, nodePort) = try startHTTPProcess(
                name: "node_exporter", executable: nodeExporter, arguments: { ["--web.listen-address=127.0.0.1:\($0)"] },
                readyPath: "/metrics", logPath: dir + "/node_exporter.log")
            defer { node.terminate(timeoutSeconds: 10) }
            try Self.app.write(toFile: dir + "/app.py", atomically: true, encoding: .utf8)
            let textPort = try freeLocalPort()
            let (app, appPort) = try startHTTPProcess(
                name: "app", executable: "/usr/bin/env", arguments: { ["python3", dir + "/app.py", "\($0)", "\(textPort)"] },
                readyPath: "/metrics", logPath: dir + "/app.log")
            defer { app.terminate(timeoutSeconds: 10) }
            try #require(poll(timeoutSeconds: 10) { (try? HTTPClient(port: textPort).get("/metrics"))?.status == 200 })

            // One prometheus.yml, loaded unchanged by both.
            let config = """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 900ms
                  external_labels: {cluster: test}
                scrape_configs:
                  - job_name: node
                    static_configs: [{targets: ['127.0.0.1:\(nodePort)'], labels: {dc: lab}}]
                  - job_name: app_openmetrics
                    static_configs: [{targets: ['127.0.0.1:\(appPort)']}]
                  - job_name: app_text
                    honor_labels: true
                    static_configs: [{targets: ['127.0.0.1:\(textPort)']}]
                    metric_relabel_configs:
                      - source_labels: [__name__]
                        regex: 'app_ticks.*'
                        action: drop
                """
            let (prom, promPort) = try PrometheusInteropTests.startPrometheus(prometheus, dir: dir, config: config, name: "prometheus")
            defer { prom.terminate(timeoutSeconds: 30) }
            let ospreyConfig = try writeConfig(config + "\nhost_metrics:\n  enabled: false\n", in: dir)
            let osprey = try OspreyServer.start(dataDir: dir + "/osprey", logPath: dir + "/osprey.log", configPath: ospreyConfig)
            defer { osprey.stop() }
            let promClient = HTTPClient(port: promPort, timeoutSeconds: 30)

            let jobs = ["node", "app_openmetrics", "app_text"]
            // Both have scraped every job a few times.
            for job in jobs {
                let ready = try poll(timeoutSeconds: 30, intervalMs: 200) {
                    let p = try decodeJSON(PromSeries.self, try promClient.get(target("/api/v1/series", [("match[]", "up{job=\"\(job)\"}")]))).data
                    let o = try osprey.client.rawSamples("up{job=\"\(job)\"}").values.first?.count ?? 0
                    return !p.isEmpty && o >= 3
                }
                try #require(ready, "job \(job) was not scraped by both\n\(prom.logTail())\n\(osprey.logTail())")
            }
            sleep(3)

            for job in jobs {
                let selector = "{job=\"\(job)\"}"
                let promSet = Set(try decodeJSON(PromSeries.self, try promClient.get(target("/api/v1/series", [("match[]", selector)]))).data.map { Labels($0) })
                let ospreySet = try osprey.client.seriesSet(selector)
                #expect(promSet.count > 10, "\(job): Prometheus has only \(promSet.count) series")
                let onlyProm = promSet.subtracting(ospreySet), onlyOsprey = ospreySet.subtracting(promSet)
                #expect(onlyProm.isEmpty && onlyOsprey.isEmpty,
                        "\(job): only in Prometheus: \(onlyProm.sorted().prefix(10)); only in Osprey: \(onlyOsprey.sorted().prefix(10))")

                let q = target("/api/v1/targets/metadata", [("match_target", selector)])
                let promMeta = Set(try decodeJSON(TargetMetadata.self, try promClient.get(q)).data)
                let ospreyMeta = Set(try decodeJSON(TargetMetadata.self, try osprey.client.get(q)).data)
                #expect(!promMeta.isEmpty)
                #expect(promMeta == ospreyMeta, "\(job) metadata: only in Prometheus: \(promMeta.subtracting(ospreyMeta).prefix(5)); only in Osprey: \(ospreyMeta.subtracting(promMeta).prefix(5))")

                // Values of series that do not move are equal.
                let instant = try decodeJSON(PromQuery.self, try promClient.get(target("/api/v1/query", [("query", selector)]))).data.result
                let ospreySamples = try osprey.client.rawSamples(selector)
                var compared = 0
                for r in instant where Self.stableNames.contains(r.metric["__name__"] ?? "") {
                    let labels = Labels(r.metric)
                    guard let promValue = r.value.last?.string, let ours = ospreySamples[labels]?.last else {
                        Issue.record("\(job): \(labels) missing in Osprey")
                        continue
                    }
                    #expect(parseGoFloat(promValue) == ours.double, "\(labels): Prometheus \(promValue), Osprey \(ours.value)")
                    compared += 1
                }
                #expect(compared > 3, "\(job): only \(compared) stable series compared")
                // A moving counter: Osprey's value is within a few scrapes of Prometheus's.
                if job == "app_openmetrics" {
                    let p = instant.first { $0.metric["__name__"] == "app_ticks_total" }.flatMap { $0.value.last?.string }.flatMap(parseGoFloat)
                    let o = ospreySamples.first { $0.key.metricName == "app_ticks_total" }?.value.last?.double
                    if let p, let o { #expect(abs(p - o) <= 20, "app_ticks_total: Prometheus \(p), Osprey \(o)") } else {
                        Issue.record("app_ticks_total missing: Prometheus \(String(describing: p)), Osprey \(String(describing: o))")
                    }
                }
            }
            // OpenMetrics was negotiated: the app's _created series exist (prometheus_client writes them only in OpenMetrics).
            #expect(try !osprey.client.seriesSet("app_requests_created{job=\"app_openmetrics\"}").isEmpty)
        }
    }
}
