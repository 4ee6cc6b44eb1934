import Foundation
import PromQL
import Testing

/// Runs every promqltest script in testdata/ (Prometheus's conformance scripts) as Prometheus's runner does
/// (instant cases also with `@` pinned and in range mode). Cases that need native histograms (expected
/// histogram values, native-only functions, or a failure after reading a native-histogram series) are counted as
/// skipped; every other failing case is reported as an issue.
@Suite struct ConformanceTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".test") }.sorted()
    }

    @Test func testdataIsPresent() {
        #expect(Self.files.count >= 14)
    }

    @Test(arguments: ConformanceTests.files)
    func script(_ name: String) async throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        let report = await PromQLTestRunner().run(script: text, name: name)
        print("\(name): \(report.passed) passed, \(report.failed.count) failed, \(report.skipped) skipped")
        for failure in report.failed {
            Issue.record("\(failure)")
        }
        #expect(report.passed > 0)
    }
}
