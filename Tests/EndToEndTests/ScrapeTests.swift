import Foundation
import OspreyCore
import Testing

/// Osprey scraping targets the test controls: report series, relabeling, staleness when a series or a
/// target disappears, failed scrapes that store nothing, file discovery and reloads.
@Suite(.serialized)
struct ScrapeTests {
    static func config(_ jobs: String) -> String {
        """
        global:
          scrape_interval: 1s
          scrape_timeout: 900ms
        host_metrics:
          enabled: false
        scrape_configs:
        \(jobs)
        """
    }

    /// The last sample of the one series matching `selector`, or nil.
    static func last(_ osprey: OspreyServer, _ selector: String) throws -> ReadSample? {
        try osprey.client.rawSamples(selector).values.first?.last
    }

    struct TargetsResponse: Decodable {
        struct Target: Decodable {
            let labels: [String: String]
            let discoveredLabels: [String: String]
            let scrapePool: String
            let scrapeUrl: String
            let health: String
            let lastError: String
            let scrapeInterval: String
        }
        struct Dropped: Decodable { let discoveredLabels: [String: String] }
        struct Data: Decodable { let activeTargets: [Target]; let droppedTargets: [Dropped] }
        let data: Data
    }

    static func targets(_ osprey: OspreyServer) throws -> TargetsResponse.Data {
        try decodeJSON(TargetsResponse.self, try osprey.client.get("/api/v1/targets")).data
    }

    @Test("report series, target labels, metric relabeling, and staleness markers when a series and then the target vanish")
    func stalenessAndReportSeries() throws {
        try withTemporaryDirectory("scrape-stale") { dir in
            let target = try ControlledTarget(dir: dir + "/target")
            defer { target.stop() }
            try target.serve("# TYPE a gauge\na 1\nb{x=\"y\"} 2\ndrop_me 3\n")
            let cfg = try writeConfig(Self.config("""
                  - job_name: ctl
                    static_configs:
                      - targets: ['\(target.address)']
                        labels: {env: test}
                    metric_relabel_configs:
                      - source_labels: [__name__]
                        regex: drop_me
                        action: drop
                """), in: dir)
            let osprey = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: cfg)
            defer { osprey.stop() }
            let up = "up{job=\"ctl\"}"
            try #require(try poll(timeoutSeconds: 20, intervalMs: 100) { try Self.last(osprey, up)?.double == 1 }, "\(osprey.logTail())")
            let instance = target.address
            #expect(try osprey.client.seriesSet("{job=\"ctl\"}") == Set([
                Labels(["__name__": "a", "env": "test", "instance": instance, "job": "ctl"]),
                Labels(["__name__": "b", "x": "y", "env": "test", "instance": instance, "job": "ctl"]),
            ] + ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added"].map {
                Labels(["__name__": $0, "env": "test", "instance": instance, "job": "ctl"])
            }))
            #expect(try Self.last(osprey, "scrape_samples_scraped{job=\"ctl\"}")?.double == 3)
            #expect(try Self.last(osprey, "scrape_samples_post_metric_relabeling{job=\"ctl\"}")?.double == 2)
            #expect(try osprey.client.rawSamples("scrape_series_added{job=\"ctl\"}").values.first?.first?.double == 2)
            #expect(try osprey.client.rawSamples("drop_me").isEmpty)

            // b vanishes: its next scrape writes a staleness marker; a keeps its value.
            try target.serve("# TYPE a gauge\na 1\n")
            try #require(try poll(timeoutSeconds: 20, intervalMs: 100) { try Self.last(osprey, "b")?.isStale == true }, "b never went stale")
            let bStale = try Self.last(osprey, "b")!
            let aAtThatScrape = try osprey.client.rawSamples("a").values.first!.first { $0.t == bStale.t }
            #expect(aAtThatScrape?.double == 1, "a must be stored in the scrape that marks b stale")
            #expect(try Self.last(osprey, "scrape_samples_scraped{job=\"ctl\"}")?.double == 1)

            // The target goes away: the failed scrape records up=0 and marks a stale.
            target.stop()
            try #require(try poll(timeoutSeconds: 20, intervalMs: 100) { try Self.last(osprey, up)?.double == 0 }, "up never became 0")
            #expect(try Self.last(osprey, "a")?.isStale == true)
            let t = try Self.targets(osprey).activeTargets.first { $0.scrapePool == "ctl" }
            #expect(t?.health == "down")
            #expect(t?.lastError.contains(target.address) == true || t?.lastError.contains("onnect") == true, "lastError: \(t?.lastError ?? "")")
            #expect(osprey.process.isRunning)
        }
    }

    /// Payloads that must fail the whole scrape, each with a fragment of the error recorded on the target.
    static let badPayloads: [(name: String, body: [UInt8], headers: String, error: String)] = {
        let ct = "Content-Type: text/plain; version=0.0.4"
        var cases: [(String, [UInt8], String, String)] = [
            ("bad escape", Array("bad_x{a=\"\\q\"} 1\ngood 1\n".utf8), ct, "line 1"),
            ("duplicate series", Array("bad_x 1\nbad_x 2\ngood 1\n".utf8), ct, "duplicate"),
            ("second TYPE", Array("# TYPE bad_x counter\nbad_x 1\n# TYPE bad_x gauge\ngood 1\n".utf8), ct, "line 3"),
            ("NaN timestamp", Array("bad_x 1 NaN\ngood 1\n".utf8), ct, "line 1"),
            ("not a number", Array("bad_x one\ngood 1\n".utf8), ct, "line 1"),
            ("10 MB label value", Array(("bad_x{a=\"" + String(repeating: "v", count: 10 << 20) + "\"} 1\ngood 1\n").utf8), ct, "bytes"),
            ("OpenMetrics without EOF", Array("bad_x 1\ngood 1\n".utf8), "Content-Type: application/openmetrics-text; version=1.0.0", "EOF"),
        ]
        let gz = gzip(Array("bad_x 1\ngood 1\n".utf8))
        cases.append(("truncated gzip", Array(gz.prefix(gz.count - 10)), ct + "\nContent-Encoding: gzip", "gzip"))
        return cases
    }()

    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-c"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input; p.standardOutput = output
        try? p.run()
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Array(data)
    }

    @Test("malformed exposition fails the scrape with an error on the target, stores nothing from it, and the next good scrape works")
    func badExposition() throws {
        try withTemporaryDirectory("scrape-bad") { dir in
            let target = try ControlledTarget(dir: dir + "/target")
            defer { target.stop() }
            try target.serve("good 1\n")
            let cfg = try writeConfig(Self.config("""
                  - job_name: bad
                    static_configs: [{targets: ['\(target.address)']}]
                """), in: dir)
            let osprey = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: cfg)
            defer { osprey.stop() }
            let up = "up{job=\"bad\"}"
            try #require(try poll(timeoutSeconds: 20, intervalMs: 100) { try Self.last(osprey, up)?.double == 1 })
            for c in Self.badPayloads {
                try target.serve(bytes: c.body, headers: c.headers)
                var lastError = ""
                let failed = try poll(timeoutSeconds: 20, intervalMs: 100) {
                    let t = try Self.targets(osprey).activeTargets.first { $0.scrapePool == "bad" }
                    lastError = t?.lastError ?? ""
                    return t?.health == "down" && !lastError.isEmpty
                }
                #expect(failed, "\(c.name): the scrape did not fail")
                #expect(lastError.contains(c.error), "\(c.name): lastError \"\(lastError.prefix(300))\" lacks \"\(c.error)\"")
                #expect(try Self.last(osprey, up)?.double == 0, "\(c.name)")
                #expect(try Self.last(osprey, "good")?.isStale == true, "\(c.name): a failed scrape marks the previous series stale")
                #expect(try osprey.client.rawSamples("{__name__=~\"bad_.*\"}").isEmpty, "\(c.name): something from the bad scrape was stored")
                // Recovery.
                try target.serve("good 1\n")
                #expect(try poll(timeoutSeconds: 20, intervalMs: 100) { try Self.last(osprey, "good")?.double == 1 }, "\(c.name): no recovery")
                #expect(osprey.process.isRunning)
            }
        }
    }

    @Test("file_sd targets follow the file; a target removed from it gets staleness markers; reload adds a job")
    func fileDiscoveryAndReload() throws {
        try withTemporaryDirectory("scrape-filesd") { dir in
            let one = try ControlledTarget(dir: dir + "/one")
            defer { one.stop() }
            let two = try ControlledTarget(dir: dir + "/two")
            defer { two.stop() }
            try one.serve("m 1\n")
            try two.serve("m 2\n")
            let sd = dir + "/targets.json"
            try "[{\"targets\": [\"\(one.address)\"], \"labels\": {\"team\": \"a\"}}]".write(toFile: sd, atomically: true, encoding: .utf8)
            let jobs = """
                  - job_name: files
                    file_sd_configs:
                      - files: ['\(dir)/*.json']
                """
            let cfgPath = try writeConfig(Self.config(jobs), in: dir)
            let osprey = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: cfgPath)
            defer { osprey.stop() }
            try #require(try poll(timeoutSeconds: 20, intervalMs: 100) { try Self.last(osprey, "m{team=\"a\"}")?.double == 1 })
            let t = try Self.targets(osprey).activeTargets.filter { $0.scrapePool == "files" }
            #expect(t.count == 1)
            #expect(t.first?.discoveredLabels["__address__"] == one.address)
            #expect(t.first?.discoveredLabels["__meta_filepath"] == sd)
            #expect(t.first?.labels == ["instance": one.address, "job": "files", "team": "a"])

            // The file now lists the second target only (YAML this time): the first one's series go stale.
            try FileManager.default.removeItem(atPath: sd)
            try "- targets: ['\(two.address)']\n  labels: {team: b}\n".write(toFile: dir + "/targets.yml", atomically: true, encoding: .utf8)
            // file_sd patterns are per extension; reload so the job reads *.yml too.
            try writeConfig(Self.config(jobs + "\n      - files: ['\(dir)/*.yml']"), in: dir)
            let reload = try osprey.client.post("/-/reload")
            #expect(reload.status == 200, "\(reload.text)")
            try #require(try poll(timeoutSeconds: 30, intervalMs: 100) { try Self.last(osprey, "m{team=\"b\"}")?.double == 2 }, "\(osprey.logTail())")
            try #require(try poll(timeoutSeconds: 30, intervalMs: 100) { try Self.last(osprey, "m{team=\"a\"}")?.isStale == true }, "the removed target's series never went stale")
            #expect(try Self.last(osprey, "up{team=\"a\"}")?.isStale == true)

            // SIGHUP with a second job.
            try writeConfig(Self.config(jobs + "\n      - files: ['\(dir)/*.yml']\n  - job_name: direct\n    static_configs: [{targets: ['\(one.address)']}]"), in: dir)
            osprey.process.send(SIGHUP)
            #expect(try poll(timeoutSeconds: 30, intervalMs: 100) { try Self.last(osprey, "m{job=\"direct\"}")?.double == 1 }, "\(osprey.logTail())")
            // An invalid file is refused and the running config stays.
            try "scrape_configs: [{job_name: x, scrape_interval: nonsense}]\n".write(toFile: cfgPath, atomically: true, encoding: .utf8)
            let bad = try osprey.client.post("/-/reload")
            #expect(bad.status == 500)
            #expect(bad.text.contains("scrape_interval"))
            #expect(try Self.targets(osprey).activeTargets.filter { $0.scrapePool != "pushgateway" }.count == 2)
        }
    }

    @Test("Pushgateway-style pushes: PUT replaces a group, POST replaces metrics by name, DELETE marks the group stale")
    func push() throws {
        try withTemporaryDirectory("push") { dir in
            let osprey = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log")
            defer { osprey.stop() }
            let c = osprey.client
            // What `curl --data-binary @- http://host/metrics/job/backup/instance/db1` sends.
            var r = try c.request("PUT", "/metrics/job/backup/instance/db1", body: Array("""
                # TYPE backup_last_success_seconds gauge
                backup_last_success_seconds 1700000000
                # TYPE backup_bytes gauge
                backup_bytes{kind="full"} 1024
                """.utf8 + [10]))
            #expect(r.status == 200, "\(r.text)")
            #expect(try c.seriesSet("{job=\"backup\"}") == Set([
                Labels(["__name__": "backup_last_success_seconds", "instance": "db1", "job": "backup"]),
                Labels(["__name__": "backup_bytes", "kind": "full", "instance": "db1", "job": "backup"]),
                Labels(["__name__": "push_time_seconds", "instance": "db1", "job": "backup"]),
                Labels(["__name__": "push_failure_time_seconds", "instance": "db1", "job": "backup"]),
            ]))
            // POST replaces only backup_bytes; base64 grouping values work.
            r = try c.post("/metrics/job@base64/YmFja3Vw/instance/db1", body: Array("backup_bytes{kind=\"incr\"} 10\n".utf8))
            #expect(r.status == 200, "\(r.text)")
            #expect(try Self.last(osprey, "backup_bytes{kind=\"incr\"}")?.double == 10)
            #expect(try Self.last(osprey, "backup_bytes{kind=\"full\"}")?.isStale == true)
            #expect(try Self.last(osprey, "backup_last_success_seconds")?.double == 1_700_000_000)
            // Bad pushes are refused with the reason and change nothing.
            for (path, body, part) in [
                ("/metrics/job/backup/instance/db1", "backup_bytes{instance=\"other\"} 1\n", "instance"),
                ("/metrics/job/backup/instance/db1", "backup_bytes 1 1700000000000\n", "timestamps"),
                ("/metrics/job/backup/instance/db1", "backup_bytes{a=\"\\q\"} 1\n", "line 1"),
                ("/metrics/job/backup/instance", "x 1\n", "pairs"),
            ] {
                let bad = try c.request("PUT", path, body: Array(body.utf8))
                #expect(bad.status == 400, "\(path) \(body): \(bad.status) \(bad.text)")
                #expect(bad.text.contains(part), "\(bad.text)")
            }
            #expect(try Self.last(osprey, "backup_bytes{kind=\"incr\"}")?.double == 10)
            // A group without an instance in its key: its series have no instance label.
            r = try c.request("PUT", "/metrics/job/nightly", body: Array("nightly_runs 3\n".utf8))
            #expect(r.status == 200, "\(r.text)")
            #expect(try c.seriesSet("nightly_runs") == [Labels(["__name__": "nightly_runs", "job": "nightly"])])
            // DELETE: the group's series go stale.
            r = try c.request("DELETE", "/metrics/job/backup/instance/db1")
            #expect(r.status == 202)
            #expect(try Self.last(osprey, "backup_last_success_seconds")?.isStale == true)
            #expect(try Self.last(osprey, "backup_bytes{kind=\"incr\"}")?.isStale == true)
        }
    }

    @Test("with no configuration Osprey scrapes itself and the host it runs on")
    func builtInJobs() throws {
        try withTemporaryDirectory("builtin") { dir in
            let osprey = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", builtInScrapes: true)
            defer { osprey.stop() }
            let pools = Set(try Self.targets(osprey).activeTargets.map(\.scrapePool))
            #expect(pools.isSuperset(of: ["osprey", "node"]))
            // First scrapes happen within one 15 s interval.
            #expect(try poll(timeoutSeconds: 40, intervalMs: 250) { try Self.last(osprey, "up{job=\"osprey\"}")?.double == 1 }, "\(osprey.logTail())")
            #expect(try poll(timeoutSeconds: 40, intervalMs: 250) { try Self.last(osprey, "up{job=\"node\"}")?.double == 1 }, "\(osprey.logTail())")
            #expect(try !osprey.client.seriesSet("osprey_metric_store_samples_ingested_total{job=\"osprey\"}").isEmpty)
            #expect(try !osprey.client.seriesSet("node_cpu_seconds_total{job=\"node\",mode=\"idle\"}").isEmpty)
            #expect(try !osprey.client.seriesSet("node_memory_MemTotal_bytes{job=\"node\"}").isEmpty)
        }
    }
}
