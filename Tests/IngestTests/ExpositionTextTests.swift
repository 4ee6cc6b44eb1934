import Foundation
import OspreyCore
import Testing

@testable import Ingest

struct AcceptCase: CustomStringConvertible, Sendable {
    var input: String
    var samples: [ParsedSample]
    init(_ input: String, _ samples: [ParsedSample]) { self.input = input; self.samples = samples }
    var description: String { input.debugDescription }
}

extension ParsedSample: @unchecked Sendable {}

@Suite("Prometheus text format 0.0.4")
struct ExpositionTextTests {
    static let accepted: [AcceptCase] = [
        AcceptCase("up 1\n", [ParsedSample(series("up"), 1)]),
        AcceptCase("http_requests_total{method=\"GET\",code=\"200\"} 1027 1395066363000\n",
                   [ParsedSample(series("http_requests_total", ["method": "GET", "code": "200"]), 1027, 1_395_066_363_000)]),
        // Spaces and tabs around every token, a trailing comma, trailing whitespace: all accepted by Prometheus.
        AcceptCase("  foo\t{ a = \"1\" ,\tb=\"2\" , } \t 7  123 \t\n", [ParsedSample(series("foo", ["a": "1", "b": "2"]), 7, 123)]),
        AcceptCase("foo{a=\"1\",} 1\n", [ParsedSample(series("foo", ["a": "1"]), 1)]),
        AcceptCase("foo{a=\"1\" b=\"2\"} 1\n", [ParsedSample(series("foo", ["a": "1", "b": "2"]), 1)]),
        AcceptCase("foo{} 2\n", [ParsedSample(series("foo"), 2)]),
        AcceptCase("foo{a=\"1\"}3\n", [ParsedSample(series("foo", ["a": "1"]), 3)]),
        AcceptCase(#"msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9"# + "\n",
                   [ParsedSample(series("msdos_file_access_time_seconds", ["path": #"C:\DIR\FILE.TXT"#, "error": "Cannot find file:\n\"FILE.TXT\""]), 1.458255915e9)]),
        AcceptCase("a +Inf\nb -Inf\nc NaN\nd nan\ne inf\nf -Infinity\ng -0\nh 1e-3\ni .5\nj 5.\nk 1E+2\nl 123456789012345678901234567890\n", [
            ParsedSample(series("a"), .infinity), ParsedSample(series("b"), -.infinity), ParsedSample(series("c"), .nan),
            ParsedSample(series("d"), .nan), ParsedSample(series("e"), .infinity), ParsedSample(series("f"), -.infinity),
            ParsedSample(series("g"), -0.0), ParsedSample(series("h"), 0.001), ParsedSample(series("i"), 0.5),
            ParsedSample(series("j"), 5), ParsedSample(series("k"), 100), ParsedSample(series("l"), 1.2345678901234568e29),
        ]),
        // An empty label value means the label is absent.
        AcceptCase("foo{a=\"\",b=\"x\"} 1\n", [ParsedSample(series("foo", ["b": "x"]), 1)]),
        AcceptCase("job:request_rate:5m 4\n_under 5\n", [ParsedSample(series("job:request_rate:5m"), 4), ParsedSample(series("_under"), 5)]),
        AcceptCase("foo{a=\"ünïcödé €😀\"} 1\n", [ParsedSample(series("foo", ["a": "ünïcödé €😀"]), 1)]),
        // Blank lines, comments of every shape; a final comment without newline.
        AcceptCase("\n\n# a comment\n#HELP is a comment too\n  # indented comment\n# HELPER text\nfoo 1\n\n# last", [ParsedSample(series("foo"), 1)]),
        AcceptCase("", []),
        // _created samples are ordinary samples.
        AcceptCase("# TYPE foo counter\nfoo_total 3\nfoo_created 1.7e9\n",
                   [ParsedSample(series("foo_total"), 3), ParsedSample(series("foo_created"), 1.7e9)]),
        // 0.0.4 timestamps are integers of any size Int64 holds.
        AcceptCase("foo 1 0\nfoo 1 9223372036854775807\n",
                   [ParsedSample(series("foo"), 1, 0), ParsedSample(series("foo"), 1, Int64.max)]),
    ]

    @Test("accepted inputs", arguments: accepted)
    func acceptsValid(_ c: AcceptCase) throws {
        let result = try parseAll(c.input, .prometheusText)
        #expect(result.samples == c.samples)
    }

    @Test("a NaN value has Prometheus's normal NaN bits, not the staleness marker")
    func nanBits() throws {
        let result = try parseAll("a NaN\n", .prometheusText)
        #expect(result.samples[0].value.bitPattern == 0x7FF8_0000_0000_0001)
        #expect(!StaleNaN.isStale(result.samples[0].value))
    }

    @Test("line numbers count every line, comments and blank lines included")
    func lineNumbers() throws {
        let result = try parseAll("# HELP a x\n\na 1\n# c\nb 2\n", .prometheusText)
        #expect(result.samples.map(\.line) == [3, 5])
    }

    @Test("HELP and TYPE by the name as written, in first-seen order, HELP unescaped")
    func metadata() throws {
        let text = """
            # HELP http_requests_total The total number of requests.\\nSecond line, a \\\\ backslash, \\t kept.
            # TYPE http_requests_total counter
            http_requests_total 1
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.5"} 2
            rpc_duration_seconds_sum 3
            rpc_duration_seconds_count 4
            # TYPE x untyped
            # HELP x
            x 5

            """
        var parser = ExpositionParser(Array(text.utf8), format: .prometheusText)
        var families: [String] = []
        while try parser.next() { families.append("\(parser.family):\(parser.metricType.rawValue)") }
        #expect(families == ["http_requests_total:counter", "rpc_duration_seconds:summary", "rpc_duration_seconds:summary",
                             "rpc_duration_seconds:summary", "x:unknown"])
        #expect(parser.metadata.map(\.name) == ["http_requests_total", "rpc_duration_seconds", "x"])
        #expect(parser.metadata[0].1 == MetricMetadata(type: .counter, help: "The total number of requests.\nSecond line, a \\ backslash, \\t kept."))
        #expect(parser.metadata(forFamily: "rpc_duration_seconds") == MetricMetadata(type: .summary))
        #expect(parser.metadata(forFamily: "x") == MetricMetadata(type: .unknown, help: ""))
    }

    static let rejected: [RejectCase] = [
        RejectCase("foo{a=\"\\t\"} 1\n", line: 1, "invalid escape '\\t' in the value of label \"a\""),
        RejectCase("ok 1\nfoo{a=\"x\\\"} 1\n", line: 2, "not closed"),
        RejectCase("1foo 1\n", line: 1, "invalid metric name"),
        RejectCase("foo-bar 1\n", line: 1, "invalid character '-' after the metric name \"foo\""),
        RejectCase("foo.bar 1\n", line: 1, "invalid character '.'"),
        RejectCase("{__name__=\"foo\"} 1\n", line: 1, "must start with a metric name"),
        RejectCase("foo{1a=\"x\"} 1\n", line: 1, "expected a label name"),
        RejectCase("foo{a-b=\"x\"} 1\n", line: 1, "expected '=' after the label name \"a\""),
        RejectCase("foo{\"a\"=\"x\"} 1\n", line: 1, "quoted label names are not supported"),
        RejectCase("foo{a=x} 1\n", line: 1, "expected '\"' to open the value of label \"a\""),
        RejectCase("foo{a=\"1\",a=\"2\"} 1\n", line: 1, "label \"a\" appears twice"),
        RejectCase("foo{a=\"\",a=\"2\"} 1\n", line: 1, "label \"a\" appears twice"),
        RejectCase("foo{__name__=\"bar\"} 1\n", line: 1, "label \"__name__\" appears twice"),
        RejectCase("foo abc\n", line: 1, "value \"abc\" is not a number"),
        RejectCase("foo 0x1p3\n", line: 1, "is not a number"),
        RejectCase("foo 0x10\n", line: 1, "is not a number"),
        RejectCase("foo 1_000\n", line: 1, "is not a number"),
        RejectCase("foo 1e400\n", line: 1, "is not a number"),
        RejectCase("foo +NaN\n", line: 1, "is not a number"),
        RejectCase("foo 1e\n", line: 1, "is not a number"),
        RejectCase("foo .\n", line: 1, "is not a number"),
        RejectCase("foo 1 1.5\n", line: 1, "timestamp \"1.5\" is not an integer"),
        RejectCase("foo 1 NaN\n", line: 1, "timestamp \"NaN\" is not an integer"),
        RejectCase("foo 1 +Inf\n", line: 1, "timestamp \"+Inf\" is not an integer"),
        RejectCase("foo 1 1e3\n", line: 1, "is not an integer"),
        RejectCase("foo 1 9223372036854775808\n", line: 1, "is not an integer"),
        RejectCase("foo 1 2 3\n", line: 1, "unexpected '3' after the timestamp"),
        RejectCase("# TYPE foo bogus\n", line: 1, "unknown metric type \"bogus\" for \"foo\""),
        RejectCase("# TYPE foo unknown\n", line: 1, "unknown metric type \"unknown\""),
        RejectCase("# TYPE foo\n", line: 1, "unknown metric type \"\""),
        RejectCase("# TYPE foo gauge\n# TYPE foo counter\n", line: 2, "second TYPE line for metric family \"foo\""),
        RejectCase("# HELP foo a\n# HELP foo b\n", line: 2, "second HELP line"),
        RejectCase("foo 1\nbar 2\n# TYPE foo gauge\n", line: 3, "TYPE line for \"foo\" comes after samples"),
        RejectCase("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n# TYPE h histogram\n", line: 3, "second TYPE"),
        RejectCase("# TYPE 9x gauge\n", line: 1, "expected a metric name after TYPE"),
        RejectCase("foo{a=\"1\"\n", line: 1, "not closed with '}'"),
        RejectCase("foo{a=\"1\n", line: 1, "not closed with '\"'"),
        RejectCase("foo\n", line: 1, "expected a value after foo"),
        RejectCase("foo{a=\"1\"}\n", line: 1, "expected a value after foo{a=\"1\"}"),
        RejectCase("foo 1\nbar 2", line: 2, "does not end with a newline"),
        RejectCase("# TYPE foo gauge", line: 1, "does not end with a newline"),
        RejectCase("foo 1\r\n", line: 1, "carriage return"),
    ]

    @Test("rejected inputs name the line and the problem", arguments: rejected)
    func rejectsInvalid(_ c: RejectCase) {
        expectRejected(c, .prometheusText)
    }

    @Test("invalid UTF-8 in a label value or HELP text is rejected")
    func invalidUTF8() {
        let value = Array("ok 1\nfoo{a=\"x".utf8) + [0xC3, 0x28] + Array("\"} 1\n".utf8)
        let error = parseError(value, .prometheusText)
        #expect(error?.line == 2)
        #expect(error?.message.contains("the value of label \"a\" is not valid UTF-8 (byte 2 of the value)") == true, "\(String(describing: error))")

        let help = Array("# HELP foo bad ".utf8) + [0xED, 0xA0, 0x80] + Array("\n".utf8)
        #expect(parseError(help, .prometheusText)?.message.contains("HELP text for \"foo\" is not valid UTF-8") == true)
    }

    @Test("a 10 MB label value, plain or escaped, parses in one linear pass")
    func hugeLabelValue() throws {
        let size = 10 << 20
        let plain = Array("big{v=\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size) + Array("\"} 1\n".utf8)
        let parsed = try parseAll(plain, .prometheusText)
        #expect(parsed.samples.first?.labels["v"]?.utf8.count == size)

        var escaped = Array("big{v=\"".utf8)
        for _ in 0..<(size / 2) { escaped += [UInt8(ascii: "\\"), UInt8(ascii: "\\")] }
        escaped += Array("\"} 1\n".utf8)
        let parsedEscaped = try parseAll(escaped, .prometheusText)
        #expect(parsedEscaped.samples.first?.labels["v"] == String(repeating: "\\", count: size / 2))

        let unterminated = Array("big{v=\"".utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: size) + Array("\n".utf8)
        #expect(parseError(unterminated, .prometheusText)?.message.contains("not closed") == true)
    }

    @Test("the series text is the bytes as written, so identical text means identical series")
    func seriesRange() throws {
        let text = "a{x=\"1\"} 1\na{x=\"1\"} 2 5\na { x=\"1\" } 3\n"
        let bytes = Array(text.utf8)
        var parser = ExpositionParser(bytes, format: .prometheusText)
        var keys: [String] = []
        while try parser.next() { keys.append(String(decoding: bytes[parser.seriesRange], as: UTF8.self)) }
        #expect(keys == ["a{x=\"1\"}", "a{x=\"1\"}", "a { x=\"1\" }"])
    }
}

@Suite("Prometheus text format 0.0.4 from node_exporter")
struct NodeExporterExpositionTests {
    static let binary = "/usr/bin/prometheus-node-exporter"

    @Test("node_exporter's /metrics, plain and gzip, parses with every sample line counted")
    func nodeExporter() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "needs prometheus-node-exporter: run `make deps`")
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--web.listen-address=127.0.0.1:\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }

        let url = "http://127.0.0.1:\(port)/metrics"
        var plain: [UInt8]?
        for _ in 0..<100 {  // readiness: up to ~10 s for the exporter to listen
            if let body = fetch(url, gzip: false), !body.isEmpty {
                plain = body
                break
            }
            usleep(100_000)
        }
        let body = try #require(plain, "node_exporter did not answer on \(url)")
        let text = String(decoding: body, as: UTF8.self)
        let parsed = try parseAll(body, .prometheusText)
        #expect(parsed.samples.count == sampleLineCount(text))
        #expect(parsed.samples.count > 100)
        #expect(parsed.samples.contains { $0.labels.metricName == "node_cpu_seconds_total" && $0.labels["mode"] == "idle" })
        #expect(parsed.metadata.first { $0.name == "node_cpu_seconds_total" }?.1.type == .counter)
        #expect(parsed.samples.allSatisfy { $0.labels.labels.first?.name == Labels.metricNameLabel })

        let compressed = try #require(fetch(url, gzip: true))
        #expect(Gzip.isGzip(compressed))
        let inflated = try Gzip.decompress(compressed, limit: 64 << 20)
        let reparsed = try parseAll(inflated, .prometheusText)
        #expect(reparsed.samples.count == sampleLineCount(String(decoding: inflated, as: UTF8.self)))
    }

    /// The body of a GET with curl; nil when the request fails.
    private func fetch(_ url: String, gzip: Bool) -> [UInt8]? {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-sf", "--max-time", "10"] + (gzip ? ["-H", "Accept-Encoding: gzip"] : []) + [url]
        let pipe = Pipe()
        curl.standardOutput = pipe
        curl.standardError = FileHandle.nullDevice
        do { try curl.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        return curl.terminationStatus == 0 ? [UInt8](data) : nil
    }
}
