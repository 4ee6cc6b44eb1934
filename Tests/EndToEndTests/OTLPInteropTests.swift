import Foundation
import OspreyCore
import Testing

/// The real OpenTelemetry Python SDK exports over OTLP/HTTP and OTLP/gRPC (plain and gzip) to a
/// started `osprey serve`; Osprey holds exactly the series Prometheus's OTLP receiver makes of them.
@Suite(.serialized)
struct OTLPInteropTests {
    static let script = TestEnvironment.packageRoot + "/Tests/EndToEndTests/Resources/otlp_export.py"
    static let python = "/usr/bin/env"

    struct ExportOutput: Decodable {
        let result: String
        let sdk_version: String
        let times_ns: [UInt64]
    }

    struct RawGRPCOutput: Decodable {
        let code: String
        let details: String
    }

    /// Installs the OpenTelemetry SDK and exporters from PyPI when they are missing (`make deps` does it too).
    static func ensureSDK() throws {
        let check = try run(["python3", "-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc"])
        guard check.status != 0 else { return }
        let install = try run(["python3", "-m", "pip", "install", "--quiet", "--root-user-action=ignore",
                               "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http", "opentelemetry-exporter-otlp-proto-grpc"], timeoutSeconds: 600)
        guard install.status == 0 else { throw E2EError("pip install of the OpenTelemetry SDK failed:\n\(install.output)") }
    }

    /// Runs a command to completion; its stdout and stderr together.
    static func run(_ arguments: [String], timeoutSeconds: Double = 120) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let reader = DataReader(pipe.fileHandleForReading)
        guard poll(timeoutSeconds: timeoutSeconds, intervalMs: 50, { !p.isRunning }) else {
            p.terminate()
            throw E2EError("\(arguments.prefix(3).joined(separator: " ")) did not finish within \(timeoutSeconds) s")
        }
        p.waitUntilExit()
        return (p.terminationStatus, reader.text())
    }

    static func runScript<T: Decodable>(_ type: T.Type, _ arguments: [String]) throws -> T {
        let r = try run(["python3", script] + arguments)
        guard r.status == 0, let line = r.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
            throw E2EError("otlp_export.py \(arguments.joined(separator: " ")) failed (exit \(r.status)):\n\(r.output)")
        }
        do { return try JSONDecoder().decode(type, from: Data(line.utf8)) } catch {
            throw E2EError("cannot decode \(line): \(error)")
        }
    }

    /// An Osprey with its OTLP listeners on free ports, once both accept connections.
    static func startOsprey(_ dir: String) throws -> (OspreyServer, http: Int, grpc: Int) {
        let httpPort = try freeLocalPort(), grpcPort = try freeLocalPort()
        let config = try writeConfig("""
            otlp:
              http: {listen_address: "127.0.0.1:\(httpPort)"}
              grpc: {listen_address: "127.0.0.1:\(grpcPort)", enabled: true}
            """, in: dir)
        let osprey = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: config)
        let up = poll(timeoutSeconds: 30, intervalMs: 50) {
            (try? HTTPClient(port: httpPort, timeoutSeconds: 5).post("/v1/metrics", headers: [("Content-Type", "application/x-protobuf")]))?.status == 200
                && canConnect(grpcPort)
        }
        guard up else {
            osprey.kill()
            throw E2EError("the OTLP listeners on \(httpPort)/\(grpcPort) did not come up\n\(osprey.logTail())")
        }
        return (osprey, httpPort, grpcPort)
    }

    @Test("OpenTelemetry SDK metrics over OTLP/HTTP and OTLP/gRPC, plain and gzip, become Prometheus series")
    func sdkExports() throws {
        try Self.ensureSDK()
        try withTemporaryDirectory("otlp") { dir in
            let (osprey, httpPort, grpcPort) = try Self.startOsprey(dir)
            defer { osprey.stop() }
            let variants: [(service: String, args: [String])] = [
                ("shop-http", ["--protocol", "http", "--endpoint", "http://127.0.0.1:\(httpPort)/v1/metrics"]),
                ("shop-httpgz", ["--protocol", "http", "--endpoint", "http://127.0.0.1:\(httpPort)/v1/metrics", "--gzip"]),
                ("shop-grpc", ["--protocol", "grpc", "--endpoint", "127.0.0.1:\(grpcPort)"]),
                ("shop-grpcgz", ["--protocol", "grpc", "--endpoint", "127.0.0.1:\(grpcPort)", "--gzip"]),
            ]
            for v in variants {
                let out = try Self.runScript(ExportOutput.self, ["export", "--service", v.service] + v.args)
                #expect(out.result == "SUCCESS", "\(v.service): export result \(out.result)\n\(osprey.logTail())")
                try #require(out.times_ns.count == 1, "\(v.service): the SDK reported points at \(out.times_ns)")
                let ms = Int64(out.times_ns[0] / 1_000_000)
                try checkSeries(osprey.client, service: v.service, ms: ms, sdkVersion: out.sdk_version)
            }
        }
    }

    func checkSeries(_ client: HTTPClient, service: String, ms: Int64, sdkVersion: String) throws {
        let job = "demo/" + service
        let common = ["job": job, "instance": "inst-1"]
        func l(_ name: String, _ extra: [String: String] = [:]) -> Labels {
            Labels(common.merging(extra) { $1 }.merging(["__name__": name]) { $1 })
        }
        let expected: [Labels: String] = [
            l("orders_total", ["payment_method": "card"]): "7",
            l("queue_depth"): "3",
            l("cpu_temperature_celsius", ["core": "0"]): "42.5",
            l("request_duration_seconds_bucket", ["http_route": "/a", "le": "0.5"]): "1",
            l("request_duration_seconds_bucket", ["http_route": "/a", "le": "10"]): "2",
            l("request_duration_seconds_bucket", ["http_route": "/a", "le": "+Inf"]): "3",
            l("request_duration_seconds_sum", ["http_route": "/a"]): "37.25",
            l("request_duration_seconds_count", ["http_route": "/a"]): "3",
            l("target_info", ["deployment_environment": "test", "telemetry_sdk_language": "python",
                              "telemetry_sdk_name": "opentelemetry", "telemetry_sdk_version": sdkVersion]): "1",
        ]
        let selector = "{job=\"\(job)\"}"
        #expect(try client.seriesSet(selector) == Set(expected.keys), "\(service): series")
        let samples = try client.rawSamples(selector)
        for (labels, value) in expected {
            #expect(samples[labels] == [ReadSample(t: ms, value: value)], "\(service): \(labels)")
        }
    }

    @Test("bad OTLP input: HTTP 400 with a google.rpc.Status, 415 for other content types, gRPC INVALID_ARGUMENT and UNIMPLEMENTED; Osprey keeps serving")
    func badInput() throws {
        try Self.ensureSDK()
        try withTemporaryDirectory("otlp-bad") { dir in
            let (osprey, httpPort, grpcPort) = try Self.startOsprey(dir)
            defer { osprey.stop() }
            let otlp = HTTPClient(port: httpPort)
            let bad = try otlp.post("/v1/metrics", body: [0x0A, 0x80], headers: [("Content-Type", "application/x-protobuf")])
            #expect(bad.status == 400)
            #expect(bad.headers["content-type"] == "application/x-protobuf")
            // google.rpc.Status { code: 3; message: "...truncated varint at byte 1" }
            #expect(bad.body.starts(with: [0x08, 3, 0x12]))
            #expect(bad.text.contains("bad OTLP metrics request: truncated varint at byte 1"))

            let badJSON = try osprey.client.post("/otlp/v1/metrics", body: Array("{\"resourceMetrics\":7}".utf8), headers: [("Content-Type", "application/json")])
            #expect(badJSON.status == 400)
            #expect(badJSON.text == "{\"code\":3,\"message\":\"bad OTLP metrics request: json: resourceMetrics must be a JSON array\"}")

            let badGzip = try otlp.post("/v1/metrics", body: [1, 2, 3], headers: [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "gzip")])
            #expect(badGzip.status == 400)
            #expect(badGzip.text.contains("bad gzip body: corrupt gzip data at input offset"), "\(badGzip.text)")

            let text = try otlp.post("/v1/metrics", body: Array("x".utf8), headers: [("Content-Type", "text/plain")])
            #expect(text.status == 415)

            let malformed = try Self.runScript(RawGRPCOutput.self, ["raw-grpc", "--target", "127.0.0.1:\(grpcPort)",
                "--method", "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", "--hex", "0a80"])
            #expect(malformed.code == "INVALID_ARGUMENT")
            #expect(malformed.details == "bad OTLP metrics request: truncated varint at byte 1")
            let unknown = try Self.runScript(RawGRPCOutput.self, ["raw-grpc", "--target", "127.0.0.1:\(grpcPort)",
                "--method", "/opentelemetry.proto.collector.logs.v1.LogsService/Export", "--hex", ""])
            #expect(unknown.code == "UNIMPLEMENTED")

            // Still serving: a JSON export on Prometheus's path on the main port is stored.
            let json = """
                {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"after"}}]},
                 "scopeMetrics":[{"metrics":[{"name":"still.up","gauge":{"dataPoints":[{"timeUnixNano":"1700000000000000000","asInt":"1"}]}}]}]}]}
                """
            let ok = try osprey.client.post("/api/v1/otlp/v1/metrics", body: Array(json.utf8), headers: [("Content-Type", "application/json")])
            #expect(ok.status == 200)
            #expect(ok.text == "{}")
            #expect(try osprey.client.rawSamples("still_up") == [Labels(["__name__": "still_up", "job": "after"]): [ReadSample(t: 1_700_000_000_000, value: "1")]])
            #expect(osprey.process.isRunning)
        }
    }
}

/// Whether a TCP connection to 127.0.0.1:`port` succeeds.
func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// Reads a pipe to its end on a thread of its own, so a chatty child never blocks on a full pipe.
final class DataReader: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread {
            let all = handle.readDataToEndOfFile()
            self.lock.withLock { self.data = all }
            self.done.signal()
        }.start()
    }

    func text() -> String {
        done.wait()
        return lock.withLock { String(decoding: data, as: UTF8.self) }
    }
}
