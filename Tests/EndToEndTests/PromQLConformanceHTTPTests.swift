import Foundation
import PromQL
import Testing

/// Every promqltest file passes when its data goes into a real osprey through remote write and every
/// expression is answered by `/api/v1/query` or `/api/v1/query_range`: the HTTP API adds nothing and loses nothing.
/// The exception is data with start timestamps (`@st` lines): remote write v1 cannot carry them and the store
/// does not keep them, so those cases run in process only and are counted apart.
@Suite(.serialized)
struct PromQLConformanceHTTPTests {
    static let testdata = TestEnvironment.packageRoot + "/Tests/PromQLTests/testdata"

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: testdata)) ?? []).filter { $0.hasSuffix(".test") }.sorted()
    }

    /// The files' data sits at the start of 1970 and spans up to weeks: retention off so none of it is dropped,
    /// and the default query limits.
    static let config = """
        scrape_configs: []
        host_metrics:
          enabled: false
        storage:
          retention:
            time: 0s

        """

    @Test func testdataIsPresent() {
        #expect(PromQLConformanceHTTPTests.files.count >= 10, "promqltest files in \(PromQLConformanceHTTPTests.testdata)")
    }

    @Test(arguments: PromQLConformanceHTTPTests.files)
    func fileOverHTTP(_ file: String) async throws {
        let script = try String(contentsOfFile: PromQLConformanceHTTPTests.testdata + "/" + file, encoding: .utf8)
        let dir = try makeTemporaryDirectory("promql-http")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let configPath = try writeConfig(PromQLConformanceHTTPTests.config, in: dir)
        let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: configPath)
        defer { server.stop() }
        let report = await PromQLTestRunner().run(script: script, name: file, backend: HTTPTestBackend(client: server.client))
        let failures = report.failed.map(\.description).joined(separator: "\n")
        #expect(report.failed.isEmpty,
                "\(file): \(report.failed.count) failed, \(report.passed) passed, \(report.skipped) skipped (native histograms)\n\(failures)")
        #expect(report.passed + report.skipped > 0, "\(file) ran no case")
        // Whatever the engine does in process, the API gives the same answers: no case fails only over HTTP.
        let inProcess = await PromQLTestRunner().run(script: script, name: file)
        let onlyOverHTTP = Set(report.failed.map(\.line)).subtracting(inProcess.failed.map(\.line)).sorted()
        #expect(onlyOverHTTP.isEmpty, "\(file): lines failing only over HTTP: \(onlyOverHTTP)")
        // Cases over `@st` data cannot run over remote write v1 (no start timestamps); every other case runs both ways.
        let overHTTP = report.passed + report.failed.count + report.skipped + report.skippedNoStartTimestamps
        #expect(overHTTP == inProcess.passed + inProcess.failed.count + inProcess.skipped, "\(file): every case is counted once")
        if !script.contains("@st") {
            #expect(report.skippedNoStartTimestamps == 0 && report.passed == inProcess.passed && report.skipped == inProcess.skipped)
        }
    }
}

/// A fresh directory under the system temp directory (async tests cannot use `withTemporaryDirectory`'s closure).
func makeTemporaryDirectory(_ prefix: String) throws -> String {
    var template = Array((NSTemporaryDirectory() + "/osprey-e2e-\(prefix)-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { throw E2EError("mkdtemp failed: errno \(errno)") }
    return String(cString: made)
}
