@testable import Ingest
import MetricStore
import OspreyCore
import Pipeline
import Testing

/// How one scrape becomes stored series: target labels, honor_labels, metric relabeling, limits, the series
/// cache, timestamps and staleness bookkeeping.
struct ScrapeAppenderTests {
    static let target = ScrapeTarget(discoveredLabels: Labels([]), labels: Labels(["job": "api", "instance": "h:9100"]),
                                     url: "http://h:9100/metrics", intervalMs: 15_000, timeoutMs: 10_000, job: "api")

    static func appender(_ edit: (inout ScrapeConfig) -> Void = { _ in }) -> ScrapeAppender {
        var c = ScrapeConfig(jobName: "api", global: GlobalScrapeSettings())
        edit(&c)
        return ScrapeAppender(target: target, config: c, limits: ScrapeLimits())
    }

    /// Scrapes `text` once with `cache` and returns (result, stored series with values and timestamps).
    static func scrape(_ a: ScrapeAppender, _ text: String, cache: inout SeriesCache, generation: UInt32, ts: Int64 = 1000)
        throws -> (ScrapeResult, [(Labels, Int64, Double)]) {
        var result = ScrapeResult()
        try a.append(Array(text.utf8), format: .prometheusText, timestamp: ts, cache: &cache, generation: generation, into: &result)
        let b = result.batch
        let stored = b.series.map { s in
            (Labels(encoded: b.keyBytes[Int(s.keyStart)..<Int(s.keyEnd)])!, b.timestamps[Int(s.sampleStart)], b.values[Int(s.sampleStart)])
        }
        return (result, stored)
    }

    @Test("target labels win over scraped ones, which move to the first free exported_<name>, as Prometheus does")
    func targetLabelsWin() {
        let merged = ScrapeAppender.merge(Labels(["__name__": "m", "job": "pushed", "exported_job": "x"]),
                                          target: Self.target.labels, honorLabels: false)
        // exported_job is taken by the scraped "x", so the clashing job goes one prefix further.
        #expect(merged == Labels(["__name__": "m", "job": "api", "exported_job": "x", "exported_exported_job": "pushed", "instance": "h:9100"]))
        let simple = ScrapeAppender.merge(Labels(["__name__": "m", "instance": "other"]), target: Self.target.labels, honorLabels: false)
        #expect(simple == Labels(["__name__": "m", "job": "api", "exported_instance": "other", "instance": "h:9100"]))
    }

    @Test("honor_labels keeps scraped values and adds only the target labels the series lacks")
    func honorLabels() {
        let merged = ScrapeAppender.merge(Labels(["__name__": "m", "job": "batch"]), target: Self.target.labels, honorLabels: true)
        #expect(merged == Labels(["__name__": "m", "job": "batch", "instance": "h:9100"]))
    }

    @Test("a warm cache stores the same series without re-parsing; new series are counted once")
    func cacheReuse() throws {
        var cache = SeriesCache()
        let a = Self.appender()
        let (r1, s1) = try Self.scrape(a, "a{x=\"1\"} 1\nb 2\n", cache: &cache, generation: 1)
        #expect(r1.seriesAdded == 2 && r1.samplesScraped == 2 && r1.samplesPostRelabel == 2)
        let (r2, s2) = try Self.scrape(a, "a{x=\"1\"} 3\nb 4\nc 5\n", cache: &cache, generation: 2, ts: 2000)
        #expect(r2.seriesAdded == 1)
        #expect(s2.map(\.0) == s1.map(\.0) + [Labels(["__name__": "c", "job": "api", "instance": "h:9100"])])
        #expect(s2.map(\.2) == [3, 4, 5])
        #expect(s2.allSatisfy { $0.1 == 2000 })
        #expect(cache.count == 3)
    }

    @Test("the same series twice in one scrape fails the scrape")
    func duplicate() {
        var cache = SeriesCache()
        #expect(throws: ScrapeError.self) { try Self.scrape(Self.appender(), "a 1\nb 1\na 2\n", cache: &cache, generation: 1) }
    }

    @Test("metric_relabel_configs drop series, which do not count after relabeling and are never stored")
    func metricRelabelDrop() throws {
        let drop = try RelabelConfig(action: .drop, sourceLabels: ["__name__"], regex: "go_.*")
        var cache = SeriesCache()
        let (r, s) = try Self.scrape(Self.appender { $0.metricRelabelConfigs = [drop] }, "go_goroutines 5\nhttp_requests_total 7\n",
                                     cache: &cache, generation: 1)
        #expect(r.samplesScraped == 2 && r.samplesPostRelabel == 1 && r.seriesAdded == 1)
        #expect(s.map { $0.0.metricName } == ["http_requests_total"])
    }

    @Test("sample_limit and label_limit fail the scrape with a message naming the limit")
    func limits() {
        var cache = SeriesCache()
        do {
            _ = try Self.scrape(Self.appender { $0.sampleLimit = 2 }, "a 1\nb 1\nc 1\n", cache: &cache, generation: 1)
            Issue.record("sample_limit not enforced")
        } catch { #expect("\(error)".contains("sample_limit exceeded")) }
        cache = SeriesCache()
        do {
            _ = try Self.scrape(Self.appender { $0.labelLimit = 3 }, "a{x=\"1\",y=\"2\"} 1\n", cache: &cache, generation: 1)
            Issue.record("label_limit not enforced")
        } catch { #expect("\(error)".contains("label_limit exceeded")) }
        cache = SeriesCache()
        do {
            _ = try Self.scrape(Self.appender { $0.labelValueLengthLimit = 4 }, "a{x=\"12345\"} 1\n", cache: &cache, generation: 1)
            Issue.record("label_value_length_limit not enforced")
        } catch { #expect("\(error)".contains("label_value_length_limit exceeded")) }
    }

    @Test("honor_timestamps uses the target's timestamps and leaves those series out of staleness tracking")
    func timestamps() throws {
        var cache = SeriesCache()
        let (r, s) = try Self.scrape(Self.appender(), "a 1 5000\nb 2\n", cache: &cache, generation: 1, ts: 9000)
        #expect(s.map(\.1) == [5000, 9000])
        #expect(r.seen.count == 1)
        cache = SeriesCache()
        let (_, s2) = try Self.scrape(Self.appender { $0.honorTimestamps = false }, "a 1 5000\n", cache: &cache, generation: 1, ts: 9000)
        #expect(s2.map(\.1) == [9000])
    }

    @Test("targets: instance defaults to the address, params become __param_ labels and the URL, relabeling may drop")
    func targetBuilder() throws {
        var c = ScrapeConfig(jobName: "blackbox", global: GlobalScrapeSettings())
        c.params = [("module", ["http_2xx"])]
        c.metricsPath = "/probe"
        guard case .target(let t) = TargetBuilder.build(c, address: "exporter:9115", groupLabels: [Label("env", "prod")]) else {
            Issue.record("not a target"); return
        }
        #expect(t.labels == Labels(["env": "prod", "instance": "exporter:9115", "job": "blackbox"]))
        #expect(t.url == "http://exporter:9115/probe?module=http_2xx")
        #expect(t.discoveredLabels["__param_module"] == "http_2xx")
        #expect(t.discoveredLabels["__scrape_interval__"] == "1m")
        c.relabelConfigs = [try RelabelConfig(action: .drop, sourceLabels: ["env"], regex: "prod")]
        guard case .dropped = TargetBuilder.build(c, address: "exporter:9115", groupLabels: [Label("env", "prod")]) else {
            Issue.record("relabeling did not drop the target"); return
        }
        // The blackbox pattern: the address becomes a parameter and the instance.
        c.relabelConfigs = [
            try RelabelConfig(sourceLabels: ["__address__"], targetLabel: "__param_target"),
            try RelabelConfig(sourceLabels: ["__param_target"], targetLabel: "instance"),
            try RelabelConfig(targetLabel: "__address__", replacement: "127.0.0.1:9115"),
        ]
        guard case .target(let probe) = TargetBuilder.build(c, address: "https://example.org", groupLabels: []) else {
            Issue.record("not a target"); return
        }
        #expect(probe.url == "http://127.0.0.1:9115/probe?module=http_2xx&target=https%3A%2F%2Fexample.org")
        #expect(probe.labels["instance"] == "https://example.org")
    }
}
