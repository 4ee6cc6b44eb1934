import Foundation
import OspreyCore
import Testing

/// `/api/v1/query_exemplars` answers the exemplars a scrape collected, for the selectors of a PromQL expression.
@Suite(.serialized)
struct QueryExemplarsTests {
    @Test func exemplarsOfScrapedSeries() throws {
        try withTemporaryDirectory("query-exemplars") { dir in
            let scraped = try ControlledTarget(dir: dir + "/target")
            defer { scraped.stop() }
            try scraped.serve("""
                # TYPE http_request_duration_seconds histogram
                http_request_duration_seconds_bucket{le="0.5"} 3 # {trace_id="abc123"} 0.42 1700000000.5
                http_request_duration_seconds_bucket{le="+Inf"} 4 # {trace_id="def456"} 1.7 1700000001
                http_request_duration_seconds_count 4
                http_request_duration_seconds_sum 2.9
                # TYPE other counter
                other_total 1 # {trace_id="zzz"} 1 1700000002
                # EOF

                """, headers: "Content-Type: application/openmetrics-text; version=1.0.0")
            let cfg = try writeConfig("""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 900ms
                host_metrics:
                  enabled: false
                scrape_configs:
                  - job_name: ex
                    static_configs:
                      - targets: ['\(scraped.address)']
                """, in: dir)
            let osprey = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: cfg)
            defer { osprey.stop() }
            let query = [("query", "histogram_quantile(0.9, rate(http_request_duration_seconds_bucket[5m]))"),
                         ("start", "1699999999"), ("end", "1700000001.5")]
            var answer: APIAnswer?
            let arrived = try poll(timeoutSeconds: 30, intervalMs: 200) {
                answer = try APIAnswer(osprey.client.get(target("/api/v1/query_exemplars", query)))
                return (answer?.data as? [Any])?.count == 2
            }
            #expect(arrived, "exemplars after a scrape: \(answer?.text ?? "")\n\(osprey.logTail())")
            let entries = answer?.data as? [[String: Any]] ?? []
            let byLe = Dictionary(entries.map { (($0["seriesLabels"] as? [String: String])?["le"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            #expect((byLe["0.5"]?["seriesLabels"] as? [String: String])?["job"] == "ex")
            let first = (byLe["0.5"]?["exemplars"] as? [[String: Any]])?.first
            #expect((first?["labels"] as? [String: String]) == ["trace_id": "abc123"])
            #expect(first?["value"] as? String == "0.42")
            #expect(first?["timestamp"] as? Double == 1_700_000_000.5)
            #expect(((byLe["+Inf"]?["exemplars"] as? [[String: Any]])?.first?["labels"] as? [String: String]) == ["trace_id": "def456"])

            // The time range filters; other series' exemplars are not included.
            let early = try APIAnswer(osprey.client.get(target("/api/v1/query_exemplars", [query[0], ("start", "1600000000"), ("end", "1700000000")])))
            #expect((early.data as? [Any])?.count == 0, "\(early.text)")
            let bad = try APIAnswer(osprey.client.get(target("/api/v1/query_exemplars", [("query", "rate(x[5m]"), ("start", "0"), ("end", "1")])))
            #expect(bad.status == 400 && bad.errorType == "bad_data", "\(bad.text)")
        }
    }
}
