import Foundation
import Ingest
import OspreyCore
import Testing

/// The Prometheus HTTP API's query side on a real osprey: data in through remote write, then the requests
/// Grafana's Prometheus data source sends, answers checked value by value, and the errors Prometheus gives.
@Suite(.serialized)
struct QueryAPITests {
    /// Samples every 15 s for an hour, ending on a whole minute an hour ago (well inside the store's window).
    static let stepMs: Int64 = 15_000
    static let pointCount = 241
    static let endMs: Int64 = {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return (now - 3_600_000) / 60_000 * 60_000
    }()
    static var startMs: Int64 { endMs - Int64(pointCount - 1) * stepMs }

    /// A counter per instance growing by `rate × 15` each step, and a gauge per instance.
    static func series() -> [(labels: Labels, samples: [Sample])] {
        var out: [(labels: Labels, samples: [Sample])] = []
        for (instance, rate) in [("a", 1.0), ("b", 2.0), ("c", 4.0)] {
            let job = instance == "c" ? "db" : "api"
            let counter = Labels(["__name__": "e2e_requests_total", "job": job, "instance": instance])
            out.append((counter, (0..<pointCount).map { Sample(startMs + Int64($0) * stepMs, Double($0) * rate * 15) }))
            let gauge = Labels(["__name__": "e2e_temperature", "job": job, "instance": instance])
            out.append((gauge, (0..<pointCount).map { Sample(startMs + Int64($0) * stepMs, rate * 10 + Double($0 % 4)) }))
        }
        return out
    }

    static func withServer(config: String? = nil, _ body: (OspreyServer) throws -> Void) throws {
        try withTemporaryDirectory("query-api") { dir in
            let configPath = try config.map { try writeConfig("scrape_configs: []\nhost_metrics:\n  enabled: false\n" + $0, in: dir) }
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: configPath)
            defer { server.stop() }
            let written = try server.client.remoteWrite(series())
            #expect(written.status == 204, "remote write: HTTP \(written.status) \(written.text)")
            do { try body(server) } catch {
                Issue.record("\(error)\n\(server.logTail())")
            }
        }
    }

    static func seconds(_ ms: Int64) -> String { ms % 1000 == 0 ? "\(ms / 1000)" : String(format: "%.3f", Double(ms) / 1000) }

    // MARK: Grafana's requests

    @Test func grafanaDataSourceRequests() throws {
        try QueryAPITests.withServer { server in
            let c = server.client
            let start = QueryAPITests.startMs, end = QueryAPITests.endMs

            // "Save & test" and feature detection.
            let build = try APIAnswer(c.get("/api/v1/status/buildinfo"))
            #expect(build.status == 200)
            #expect((build.data as? [String: Any])?["version"] as? String != nil)

            // A panel: query_range as a form POST with start/end in seconds and step in seconds.
            let form = "query=" + urlEncode("e2e_requests_total{job=\"api\"}") + "&start=\(start / 1000)&end=\(end / 1000)&step=60"
            let range = try APIAnswer(c.post("/api/v1/query_range", body: Array(form.utf8),
                                             headers: [("Content-Type", "application/x-www-form-urlencoded")]))
            #expect(range.status == 200, "\(range.text)")
            let matrix = try range.matrix()
            #expect(matrix.map { $0.labels["instance"] } == ["a", "b"])
            for s in matrix {
                let rate = s.labels["instance"] == "a" ? 1.0 : 2.0
                #expect(s.points.count == Int((end - start) / 60_000) + 1)
                for p in s.points {
                    // Every step lands on a sample: the value is the one written at that time.
                    #expect(p.v == Double((p.t - start) / QueryAPITests.stepMs) * rate * 15, "\(s.labels) at \(p.t)")
                }
            }

            // The same panel with a rate, summed by job; step as a duration.
            let rateForm = "query=" + urlEncode("sum by (job) (rate(e2e_requests_total[1m]))")
                + "&start=\(QueryAPITests.seconds(start + 300_000))&end=\(QueryAPITests.seconds(end))&step=1m"
            let rates = try APIAnswer(c.post("/api/v1/query_range", body: Array(rateForm.utf8),
                                             headers: [("Content-Type", "application/x-www-form-urlencoded")]))
            #expect(rates.status == 200, "\(rates.text)")
            let byJob = Dictionary(uniqueKeysWithValues: try rates.matrix().map { ($0.labels["job"] ?? "", $0.points) })
            #expect(Set(byJob.keys) == ["api", "db"])
            for p in byJob["api"] ?? [] { #expect(abs(p.v - 3) < 1e-9, "api rate at \(p.t): \(p.v)") }
            for p in byJob["db"] ?? [] { #expect(abs(p.v - 4) < 1e-9, "db rate at \(p.t): \(p.v)") }

            // Query editor: label names and values restricted by a selector and the dashboard range.
            let window = [("start", "\(start / 1000)"), ("end", "\(end / 1000)")]
            let labels = try APIAnswer(c.get(target("/api/v1/labels", [("match[]", "e2e_temperature{job=~\"a.*\"}")] + window)))
            #expect(labels.status == 200, "\(labels.text)")
            #expect(labels.data as? [String] == ["__name__", "instance", "job"])
            let values = try APIAnswer(c.get(target("/api/v1/label/instance/values", [("match[]", "e2e_requests_total{job=\"api\"}")] + window)))
            #expect(values.data as? [String] == ["a", "b"])
            let names = try APIAnswer(c.get(target("/api/v1/label/__name__/values", window)))
            #expect(names.data as? [String] == ["e2e_requests_total", "e2e_temperature"])
            // Outside the range nothing matches.
            let before = try APIAnswer(c.get(target("/api/v1/label/instance/values", [("match[]", "e2e_requests_total"),
                ("start", "\(start / 1000 - 7200)"), ("end", "\(start / 1000 - 3600)")])))
            #expect(before.data as? [String] == [])

            // Series lookup with a PromQL selector.
            let series = try APIAnswer(c.get(target("/api/v1/series", [("match[]", "{__name__=~\"e2e_.*\", instance=\"c\"}")] + window)))
            let found = (series.data as? [[String: String]])?.map { Labels($0) }.sorted()
            #expect(found == [Labels(["__name__": "e2e_requests_total", "job": "db", "instance": "c"]),
                              Labels(["__name__": "e2e_temperature", "job": "db", "instance": "c"])])

            // Table panel / stat: an instant query with time.
            let instantForm = "query=" + urlEncode("e2e_temperature") + "&time=\(QueryAPITests.seconds(end))"
            let instant = try APIAnswer(c.post("/api/v1/query", body: Array(instantForm.utf8),
                                               headers: [("Content-Type", "application/x-www-form-urlencoded")]))
            #expect(instant.status == 200, "\(instant.text)")
            let vector = try instant.vector()
            let last = Double((QueryAPITests.pointCount - 1) % 4)
            #expect(vector.map { $0.labels["instance"] ?? "" } == ["a", "b", "c"])
            #expect(vector.map(\.v) == [10 + last, 20 + last, 40 + last])
            #expect(vector.allSatisfy { $0.t == end })

            // GET works the same, and a scalar comes back as [t, "v"].
            let scalar = try APIAnswer(c.get(target("/api/v1/query", [("query", "scalar(sum(e2e_temperature))"), ("time", "\(end / 1000)")])))
            #expect(scalar.resultType == "scalar")
            #expect(scalar.result as? [Any] != nil && ((scalar.result as? [Any])?[1] as? String) == formatPrometheusFloat(70 + 3 * last))
        }
    }

    // MARK: errors

    @Test func errorsHavePrometheusShapes() throws {
        try QueryAPITests.withServer { server in
            let c = server.client
            let start = QueryAPITests.startMs / 1000, end = QueryAPITests.endMs / 1000

            let syntax = try APIAnswer(c.get(target("/api/v1/query", [("query", "sum(rate(e2e_requests_total[5m])")])))
            #expect(syntax.status == 400)
            #expect(syntax.errorType == "bad_data")
            #expect(syntax.error.hasPrefix("invalid parameter \"query\": 1:"), "\(syntax.error)")
            #expect(syntax.error.contains("parse error"), "\(syntax.error)")

            func rangeError(_ params: [(String, String)]) throws -> APIAnswer {
                try APIAnswer(c.get(target("/api/v1/query_range", [("query", "e2e_temperature")] + params)))
            }
            let zero = try rangeError([("start", "\(start)"), ("end", "\(end)"), ("step", "0")])
            #expect(zero.status == 400 && zero.errorType == "bad_data")
            #expect(zero.error == "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
            let negative = try rangeError([("start", "\(start)"), ("end", "\(end)"), ("step", "-15")])
            #expect(negative.status == 400 && negative.error == zero.error)
            let backwards = try rangeError([("start", "\(end)"), ("end", "\(start)"), ("step", "15")])
            #expect(backwards.status == 400 && backwards.errorType == "bad_data")
            #expect(backwards.error == "invalid parameter \"end\": end timestamp must not be before start time")
            let points = try rangeError([("start", "\(start)"), ("end", "\(end)"), ("step", "0.1")])
            #expect(points.status == 400 && points.errorType == "bad_data")
            #expect(points.error == "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
            let badTime = try rangeError([("start", "yesterday"), ("end", "\(end)"), ("step", "15")])
            #expect(badTime.status == 400 && badTime.error == "invalid parameter \"start\": cannot parse \"yesterday\" to a valid timestamp")
            let badStep = try rangeError([("start", "\(start)"), ("end", "\(end)"), ("step", "fast")])
            #expect(badStep.status == 400 && badStep.error == "invalid parameter \"step\": cannot parse \"fast\" to a valid duration")
            let rfc = try rangeError([("start", "2015-07-01T20:10:30.781Z"), ("end", "2015-07-01T20:11:30Z"), ("step", "30s")])
            #expect(rfc.status == 200, "RFC 3339 times: \(rfc.text)")
            let badLookback = try APIAnswer(c.get(target("/api/v1/query", [("query", "1"), ("lookback_delta", "soon")])))
            #expect(badLookback.status == 400 && badLookback.error == "error parsing lookback delta duration: cannot parse \"soon\" to a valid duration")
        }
    }

    /// A query that would hold more samples than `query.max_samples` is refused with 422, and the server goes on.
    @Test func tooManySamplesIsAnExecutionError() throws {
        try QueryAPITests.withServer(config: "query:\n  max_samples: 100\n") { server in
            let c = server.client
            let q = [("query", "sum_over_time(e2e_temperature[1h])"), ("time", "\(QueryAPITests.endMs / 1000)")]
            let refused = try APIAnswer(c.get(target("/api/v1/query", q)))
            #expect(refused.status == 422, "\(refused.text)")
            #expect(refused.errorType == "execution")
            #expect(refused.error.contains("too many samples"), "\(refused.error)")
            let small = try APIAnswer(c.get(target("/api/v1/query", [("query", "e2e_temperature{instance=\"a\"}"),
                                                                       ("time", "\(QueryAPITests.endMs / 1000)")])))
            #expect(small.status == 200, "the server answers after refusing: \(small.text)")
            #expect(try small.vector().count == 1)
        }
    }

    // MARK: options and status

    @Test func statsLimitAndStatusEndpoints() throws {
        try QueryAPITests.withServer { server in
            let c = server.client
            let t = "\(QueryAPITests.endMs / 1000)"
            let withStats = try APIAnswer(c.get(target("/api/v1/query", [("query", "e2e_temperature"), ("time", t), ("stats", "all")])))
            let stats = (withStats.data as? [String: Any])?["stats"] as? [String: Any]
            #expect(stats?["timings"] as? [String: Any] != nil, "\(withStats.text)")
            #expect((stats?["samples"] as? [String: Any])?["totalQueryableSamples"] as? Int == 3, "\(withStats.text)")

            let limited = try APIAnswer(c.get(target("/api/v1/query", [("query", "e2e_temperature"), ("time", t), ("limit", "2")])))
            #expect(try limited.vector().count == 2)
            #expect(limited.warnings == ["results truncated due to limit"])

            let tsdb = try APIAnswer(c.get("/api/v1/status/tsdb?limit=1"))
            let d = tsdb.data as? [String: Any]
            #expect((d?["headStats"] as? [String: Any])?["numSeries"] as? Int == 6, "\(tsdb.text)")
            let byName = d?["seriesCountByMetricName"] as? [[String: Any]]
            #expect(byName?.count == 1)
            #expect(byName?.first?["value"] as? Int == 3)
            let byPair = (d?["seriesCountByLabelValuePair"] as? [[String: Any]])?.first
            #expect(byPair?["name"] as? String == "job=api" && byPair?["value"] as? Int == 4, "\(tsdb.text)")
            #expect(try APIAnswer(c.get("/api/v1/status/tsdb?limit=0")).status == 400)

            let runtime = try APIAnswer(c.get("/api/v1/status/runtimeinfo"))
            #expect((runtime.data as? [String: Any])?["storageRetention"] as? String == "15d", "\(runtime.text)")
            let config = try APIAnswer(c.get("/api/v1/status/config"))
            #expect(((config.data as? [String: Any])?["yaml"] as? String)?.contains("host_metrics") == true, "\(config.text)")
            let flags = try APIAnswer(c.get("/api/v1/status/flags"))
            #expect((flags.data as? [String: String])?["query.lookback-delta"] == "5m", "\(flags.text)")
        }
    }

    @Test func parseAndFormatQuery() throws {
        try QueryAPITests.withServer { server in
            let c = server.client
            let parsed = try APIAnswer(c.get(target("/api/v1/parse_query", [("query", "sum by (job) (rate(x{a=\"b\"}[5m]))")])))
            #expect(parsed.status == 200, "\(parsed.text)")
            let root = parsed.data as? [String: Any]
            #expect(root?["type"] as? String == "aggregation")
            #expect(root?["op"] as? String == "sum")
            #expect(root?["grouping"] as? [String] == ["job"])
            let call = root?["expr"] as? [String: Any]
            #expect(call?["type"] as? String == "call")
            let selector = (call?["args"] as? [[String: Any]])?.first
            #expect(selector?["type"] as? String == "matrixSelector")
            #expect(selector?["range"] as? Int == 300_000)
            let bad = try APIAnswer(c.get(target("/api/v1/parse_query", [("query", "x +")])))
            #expect(bad.status == 400 && bad.errorType == "bad_data" && bad.error.contains("1:"), "\(bad.text)")

            let formatted = try APIAnswer(c.get(target("/api/v1/format_query", [("query", "sum(rate(x[5m]))by(job)")])))
            #expect(formatted.status == 200, "\(formatted.text)")
            #expect(formatted.data as? String == "sum by (job) (rate(x[5m]))")
        }
    }
}

/// A Prometheus API answer, decoded loosely for checking.
struct APIAnswer {
    let status: Int
    let text: String
    let json: [String: Any]

    init(_ response: HTTPResponse) throws {
        status = response.status
        text = response.text
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw E2EError("HTTP \(response.status): the answer is not a JSON object: \(response.text.prefix(500))")
        }
        json = object
    }

    var data: Any? { json["data"] }
    var errorType: String { json["errorType"] as? String ?? "" }
    var error: String { json["error"] as? String ?? "" }
    var warnings: [String] { json["warnings"] as? [String] ?? [] }
    var resultType: String? { (data as? [String: Any])?["resultType"] as? String }
    var result: Any? { (data as? [String: Any])?["result"] }

    struct Point { let t: Int64; let v: Double }

    static func point(_ any: Any?) throws -> Point {
        guard let pair = any as? [Any], pair.count == 2, let t = pair[0] as? Double, let s = pair[1] as? String, let v = parseGoFloat(s) else {
            throw E2EError("not a [t, \"v\"] point: \(String(describing: any))")
        }
        return Point(t: Int64((t * 1000).rounded()), v: v)
    }

    func matrix() throws -> [(labels: Labels, points: [Point])] {
        guard status == 200, resultType == "matrix", let list = result as? [[String: Any]] else { throw E2EError("not a matrix: \(text.prefix(500))") }
        return try list.map { (Labels($0["metric"] as? [String: String] ?? [:]), try ($0["values"] as? [Any] ?? []).map(APIAnswer.point)) }
    }

    func vector() throws -> [(labels: Labels, t: Int64, v: Double)] {
        guard status == 200, resultType == "vector", let list = result as? [[String: Any]] else { throw E2EError("not a vector: \(text.prefix(500))") }
        return try list.map {
            let p = try APIAnswer.point($0["value"])
            return (Labels($0["metric"] as? [String: String] ?? [:]), p.t, p.v)
        }
    }
}
