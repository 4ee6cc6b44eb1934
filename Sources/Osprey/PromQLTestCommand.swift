import ArgumentParser
import Foundation
import PromQL

/// `osprey promql-test FILES…`: runs promqltest scripts against Osprey's PromQL engine.
struct PromQLTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql-test",
        abstract: "Run PromQL test scripts (Prometheus's load/eval format) against Osprey's engine.")
    @Argument(help: "Test script files.") var files: [String]

    func run() async throws {
        var passed = 0, failed = 0, skipped = 0
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                print("\(file): cannot read the file")
                failed += 1
                continue
            }
            let report = await PromQLTestRunner().run(script: text, name: file)
            for f in report.failed { print("FAIL \(f)") }
            print("\(file): \(report.passed) passed, \(report.failed.count) failed, \(report.skipped) skipped")
            passed += report.passed
            failed += report.failed.count
            skipped += report.skipped
        }
        print("promql-test: \(passed) passed, \(failed) failed, \(skipped) skipped")
        if failed > 0 { throw ExitCode(1) }
    }
}
