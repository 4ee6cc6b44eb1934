import Foundation
import OspreyCore
import Testing

@testable import Ingest

@Suite("OpenMetrics 1.0 text")
struct ExpositionOpenMetricsTests {
    static let accepted: [AcceptCase] = [
        AcceptCase("up 1\n# EOF\n", [ParsedSample(series("up"), 1)]),
        AcceptCase("up 1\n# EOF", [ParsedSample(series("up"), 1)]),
        AcceptCase("# EOF\n", []),
        // Timestamps are float seconds, truncated to milliseconds as Prometheus does (int64(s * 1000)).
        AcceptCase("a 1 1.5\nb 2 0.001\nc 3 1.0001\nd 4 -1.5\ne 5 1700000000\n# EOF\n", [
            ParsedSample(series("a"), 1, 1500), ParsedSample(series("b"), 2, 1), ParsedSample(series("c"), 3, 1000),
            ParsedSample(series("d"), 4, -1500), ParsedSample(series("e"), 5, 1_700_000_000_000),
        ]),
        AcceptCase("foo{a=\"1\",b=\"x\\\\y\\\"z\\n\",} +Inf\n# EOF\n", [ParsedSample(series("foo", ["a": "1", "b": "x\\y\"z\n"]), .infinity)]),
        AcceptCase("""
            # TYPE foo counter
            # HELP foo Requests.
            foo_total{code="200"} 17 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67
            foo_created{code="200"} 1520430000.123
            # EOF

            """, [
                ParsedSample(series("foo_total", ["code": "200"]), 17, 1_520_879_607_789,
                             exemplar: Exemplar(labels: [Label("trace_id", "KOO5S4vxi0o")], value: 0.67, timestamp: nil)),
                ParsedSample(series("foo_created", ["code": "200"]), 1_520_430_000.123),
            ]),
        AcceptCase("""
            # TYPE lat_seconds histogram
            # UNIT lat_seconds seconds
            lat_seconds_bucket{le="0.1"} 8 # {trace_id="a",span_id="b"} 0.05 1520879607.5
            lat_seconds_bucket{le="+Inf"} 10 # {} 2
            lat_seconds_count 10
            lat_seconds_sum 3.5
            lat_seconds_created 1520430000
            # EOF

            """, [
                ParsedSample(series("lat_seconds_bucket", ["le": "0.1"]), 8,
                             exemplar: Exemplar(labels: [Label("trace_id", "a"), Label("span_id", "b")], value: 0.05, timestamp: 1_520_879_607_500)),
                ParsedSample(series("lat_seconds_bucket", ["le": "+Inf"]), 10, exemplar: Exemplar(labels: [], value: 2, timestamp: nil)),
                ParsedSample(series("lat_seconds_count"), 10), ParsedSample(series("lat_seconds_sum"), 3.5),
                ParsedSample(series("lat_seconds_created"), 1_520_430_000),
            ]),
        AcceptCase("""
            # TYPE q gaugehistogram
            q_bucket{le="+Inf"} 3
            q_gcount 3
            q_gsum 1
            # TYPE s stateset
            s{s="a"} 1
            s{s="b"} 0
            # TYPE build info
            build_info{version="1.2"} 1
            # TYPE rpc summary
            rpc{quantile="0.9"} 0.3
            rpc_count 4
            rpc_sum 1.2
            # TYPE t gauge
            t -2
            # TYPE u unknown
            u 7
            no_metadata 8
            # EOF

            """, [
                ParsedSample(series("q_bucket", ["le": "+Inf"]), 3), ParsedSample(series("q_gcount"), 3), ParsedSample(series("q_gsum"), 1),
                ParsedSample(series("s", ["s": "a"]), 1), ParsedSample(series("s", ["s": "b"]), 0),
                ParsedSample(series("build_info", ["version": "1.2"]), 1),
                ParsedSample(series("rpc", ["quantile": "0.9"]), 0.3), ParsedSample(series("rpc_count"), 4), ParsedSample(series("rpc_sum"), 1.2),
                ParsedSample(series("t"), -2), ParsedSample(series("u"), 7), ParsedSample(series("no_metadata"), 8),
            ]),
    ]

    @Test("accepted inputs", arguments: accepted)
    func acceptsValid(_ c: AcceptCase) throws {
        let result = try parseAll(c.input, .openMetrics)
        #expect(result.samples == c.samples)
    }

    @Test("metadata is keyed by family name, with TYPE, HELP (unescaped) and UNIT")
    func metadata() throws {
        let text = """
            # HELP foo_seconds Time \\"spent\\"\\nin \\\\ foo.
            # TYPE foo_seconds counter
            # UNIT foo_seconds seconds
            foo_seconds_total 1
            # TYPE s stateset
            s{s="a"} 1
            # EOF

            """
        var parser = ExpositionParser(Array(text.utf8), format: .openMetrics)
        var families: [String] = []
        while try parser.next() { families.append("\(parser.family):\(parser.metricType.rawValue)") }
        #expect(families == ["foo_seconds:counter", "s:stateset"])
        #expect(parser.metadata.map(\.name) == ["foo_seconds", "s"])
        #expect(parser.metadata[0].1 == MetricMetadata(type: .counter, help: "Time \"spent\"\nin \\ foo.", unit: "seconds"))
        #expect(parser.metadata(forFamily: "foo_seconds_total") == nil)
    }

    static let rejected: [RejectCase] = [
        RejectCase("up 1\n", line: 1, "does not end with \"# EOF\""),
        RejectCase("", line: 1, "does not end with \"# EOF\""),
        RejectCase("up 1\n# EOF\nup 2\n", line: 3, "content after \"# EOF\""),
        RejectCase("up 1\n# EOF\n\n", line: 3, "content after \"# EOF\""),
        RejectCase("up 1\n\nup 2\n# EOF\n", line: 2, "no blank lines"),
        RejectCase("# a comment\n# EOF\n", line: 1, "OpenMetrics has no other comments"),
        RejectCase("#TYPE foo gauge\n# EOF\n", line: 1, "expected \"# \""),
        RejectCase(" up 1\n# EOF\n", line: 1, "invalid metric name"),
        RejectCase("up  1\n# EOF\n", line: 1, "expected a value"),
        RejectCase("up\t1\n# EOF\n", line: 1, "invalid character byte 0x09"),
        RejectCase("up{a=\"1\", b=\"2\"} 1\n# EOF\n", line: 1, "expected a label name or '}', found ' '"),
        RejectCase("up {a=\"1\"} 1\n# EOF\n", line: 1, "is not a number"),
        RejectCase("up{a=\"1\"b=\"2\"} 1\n# EOF\n", line: 1, "expected ',' or '}' after the value of label \"a\""),
        RejectCase("up{a=\"\\x\"} 1\n# EOF\n", line: 1, "invalid escape '\\x'"),
        RejectCase("up 1 \n# EOF\n", line: 1, "expected a timestamp after the space"),
        RejectCase("up 1 NaN\n# EOF\n", line: 1, "timestamp is NaN"),
        RejectCase("up 1 +Inf\n# EOF\n", line: 1, "timestamp \"+Inf\" is out of range"),
        RejectCase("up 1 1e300\n# EOF\n", line: 1, "out of range"),
        RejectCase("up 1 abc\n# EOF\n", line: 1, "timestamp \"abc\" is not a number of seconds"),
        RejectCase("up 1 2 3\n# EOF\n", line: 1, "after the timestamp"),
        RejectCase("up 1 # {a=\"b\"}\n# EOF\n", line: 1, "exemplar's value"),
        RejectCase("up 1 # {a=\"b\"} x\n# EOF\n", line: 1, "exemplar value \"x\" is not a number"),
        RejectCase("up 1 # {a=\"b\"} 1 NaN\n# EOF\n", line: 1, "exemplar timestamp is NaN"),
        RejectCase("up 1 # {a=\"b\"} 1 2 3\n# EOF\n", line: 1, "after the exemplar timestamp"),
        RejectCase("up 1 #{a=\"b\"} 1\n# EOF\n", line: 1, "timestamp \"#{a=\"b\"}\" is not a number"),
        RejectCase("# TYPE foo untyped\n# EOF\n", line: 1, "unknown metric type \"untyped\""),
        RejectCase("# TYPE foo counter\n# TYPE foo gauge\n# EOF\n", line: 2, "second TYPE line"),
        RejectCase("# TYPE foo counter\nfoo_total 1\n# TYPE foo counter\n# EOF\n", line: 3, "second TYPE"),
        RejectCase("foo 1\n# TYPE foo gauge\n# EOF\n", line: 2, "comes after samples"),
        RejectCase("# TYPE foo counter\nfoo 1\n# EOF\n", line: 2, "does not fit counter family \"foo\", whose samples are named foo_total, foo_created"),
        RejectCase("# TYPE foo counter\nfoo_bucket 1\n# EOF\n", line: 2, "does not fit counter family"),
        RejectCase("# TYPE h histogram\nh_total 1\n# EOF\n", line: 2, "does not fit histogram family \"h\""),
        RejectCase("# TYPE h histogram\nh 1\n# EOF\n", line: 2, "does not fit histogram family"),
        RejectCase("# TYPE i info\ni 1\n# EOF\n", line: 2, "whose samples are named i_info"),
        RejectCase("# TYPE g gaugehistogram\ng_count 1\n# EOF\n", line: 2, "g_bucket, g_gcount, g_gsum"),
        RejectCase("# TYPE foo counter\n# UNIT foo seconds\n# EOF\n", line: 2, "unit \"seconds\" is not a suffix of metric family \"foo\""),
        RejectCase("# TYPE foo_xseconds gauge\n# UNIT foo_xseconds seconds\n# EOF\n", line: 2, "is not a suffix"),
        RejectCase("# HELP foo a\n# HELP foo b\n# EOF\n", line: 2, "second HELP"),
        RejectCase("up 1\r\n# EOF\n", line: 1, "carriage return"),
        RejectCase("up{a=\"1\",a=\"1\"} 1\n# EOF\n", line: 1, "appears twice"),
        RejectCase("up 1 # {a=\"b\"", line: 1, "does not end with a newline"),
    ]

    @Test("rejected inputs name the line and the problem", arguments: rejected)
    func rejectsInvalid(_ c: RejectCase) {
        expectRejected(c, .openMetrics)
    }
}

// MARK: - prometheus_client

/// A registry with every metric type, labels, exemplars and escapes; writes 0.0.4 to argv[1], OpenMetrics to argv[2].
private let prometheusClientScript = #"""
    import sys
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary, Info, Enum, generate_latest
    from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
    r = CollectorRegistry()
    c = Counter('http_requests', 'Requests "served"\nby path \\ method.', ['method', 'path'], registry=r)
    c.labels('GET', '/a').inc(3)
    c.labels('POST', 'C:\\dir "x"\nline').inc(1.5, exemplar={'trace_id': 'abc123'})
    g = Gauge('queue_depth', 'Items waiting.', ['queue'], registry=r)
    g.labels('ünï€').set(-7.25)
    g.labels('inf').set(float('inf'))
    h = Histogram('latency_seconds', 'Latency.', ['route'], buckets=[0.1, 0.5, 1], registry=r)
    h.labels('/x').observe(0.05)
    h.labels('/x').observe(0.7, exemplar={'trace_id': 'def'})
    s = Summary('payload_bytes', 'Payload size.', registry=r)
    s.observe(512)
    i = Info('build', 'Build information.', registry=r)
    i.info({'version': '1.2.3', 'revision': 'abc'})
    e = Enum('task_state', 'Task state.', states=['starting', 'running', 'stopped'], registry=r)
    e.state('running')
    open(sys.argv[1], 'wb').write(generate_latest(r))
    open(sys.argv[2], 'wb').write(generate_openmetrics(r))
    """#

@Suite("Exposition from python prometheus_client")
struct PrometheusClientExpositionTests {
    @Test("prometheus_client's 0.0.4 and OpenMetrics output parse with every sample line counted")
    func prometheusClient() throws {
        try #require(prometheusClientAvailable, "needs python3 with prometheus_client: run `make deps`")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osprey-expo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let textFile = dir.appendingPathComponent("text"), omFile = dir.appendingPathComponent("om")
        let run = runPython(["-c", prometheusClientScript, textFile.path, omFile.path])
        try #require(run.status == 0, "the prometheus_client script failed with \(run.status)")

        for (file, format) in [(textFile, ExpositionFormat.prometheusText), (omFile, .openMetrics)] {
            let bytes = [UInt8](try Data(contentsOf: file))
            let parsed = try parseAll(bytes, format)
            let samples = parsed.samples
            #expect(samples.count == sampleLineCount(String(decoding: bytes, as: UTF8.self)), "\(format)")
            func value(_ labels: Labels) -> Double? { samples.first { $0.labels == labels }?.value }

            #expect(value(series("http_requests_total", ["method": "GET", "path": "/a"])) == 3)
            #expect(value(series("http_requests_total", ["method": "POST", "path": "C:\\dir \"x\"\nline"])) == 1.5)
            #expect(value(series("queue_depth", ["queue": "ünï€"])) == -7.25)
            #expect(value(series("queue_depth", ["queue": "inf"])) == .infinity)
            #expect(value(series("latency_seconds_bucket", ["route": "/x", "le": "0.5"])) == 1)
            #expect(value(series("latency_seconds_bucket", ["route": "/x", "le": "+Inf"])) == 2)
            #expect(value(series("latency_seconds_count", ["route": "/x"])) == 2)
            #expect(value(series("payload_bytes_sum")) == 512)
            #expect(value(series("build_info", ["version": "1.2.3", "revision": "abc"])) == 1)
            #expect(value(series("task_state", ["task_state": "running"])) == 1)
            #expect(value(series("task_state", ["task_state": "stopped"])) == 0)
            #expect(samples.contains { $0.labels.metricName == "http_requests_created" })

            let metadata = Dictionary(parsed.metadata.map { ($0.name, $0.1) }, uniquingKeysWith: { a, _ in a })
            if format == .openMetrics {
                #expect(metadata["http_requests"] == MetricMetadata(type: .counter, help: "Requests \"served\"\nby path \\ method."))
                #expect(metadata["latency_seconds"]?.type == .histogram)
                #expect(metadata["build"]?.type == .info)
                #expect(metadata["task_state"]?.type == .stateset)
                let exemplar = samples.first { $0.labels == series("http_requests_total", ["method": "POST", "path": "C:\\dir \"x\"\nline"]) }?.exemplar
                #expect(exemplar?.labels == [Label("trace_id", "abc123")])
                #expect(exemplar?.value == 1.5)
                #expect(exemplar?.timestamp != nil)
                #expect(samples.first { $0.labels == series("latency_seconds_bucket", ["route": "/x", "le": "1.0"]) }?.exemplar?.labels == [Label("trace_id", "def")])
            } else {
                #expect(metadata["http_requests_total"]?.type == .counter)
                #expect(metadata["http_requests_total"]?.help == "Requests \"served\"\nby path \\ method.")
                #expect(metadata["latency_seconds"]?.type == .histogram)
                #expect(metadata["payload_bytes"]?.type == .summary)
                #expect(metadata["build_info"]?.type == .gauge)
            }
        }
    }
}
