import Foundation
import Testing

/// `osprey test rules` and the real `promtool test rules` (Debian package prometheus) run on the same rule
/// unit-test files (Resources/ruletest: files named pass_* must pass, fail_* must fail) give the same verdicts,
/// and Osprey reports a mismatched alert or sample in promtool's words.
@Suite struct TestRulesPromtoolTests {
    static let fixtures = TestEnvironment.packageRoot + "/Tests/EndToEndTests/Resources/ruletest"

    func run(_ executable: String, _ arguments: [String]) throws -> CommandOutcome { try runCommand(executable, arguments) }

    static func testFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: fixtures).filter { $0.hasSuffix(".yml") }.sorted()
    }

    @Test func sameVerdictsAsPromtool() throws {
        let promtool = try TestEnvironment.systemBinary("/usr/bin/promtool", package: "prometheus")
        let osprey = try TestEnvironment.ospreyBinary()
        let files = try Self.testFiles()
        #expect(files.filter { $0.hasPrefix("pass_") }.count >= 5)
        #expect(files.filter { $0.hasPrefix("fail_") }.count >= 5)
        for name in files {
            let path = Self.fixtures + "/" + name
            let theirs = try run(promtool, ["test", "rules", path])
            let ours = try run(osprey, ["test", "rules", path])
            let expected: Int32 = name.hasPrefix("pass_") ? 0 : 1
            #expect(theirs.status == expected, "promtool on \(name): \(theirs.stdout)\(theirs.stderr)")
            #expect(ours.status == theirs.status, "\(name): promtool \(theirs.status), osprey \(ours.status)\n\(ours.stdout)\(ours.stderr)")
            #expect(ours.stdout.hasPrefix("Unit Testing:  \(path)\n"), "\(name): \(ours.stdout)")
            if expected == 0 {
                #expect(ours.stdout.contains("\n  SUCCESS\n"), "\(name): \(ours.stdout)")
            } else {
                #expect(ours.stderr.hasPrefix("  FAILED:\n"), "\(name): \(ours.stderr)")
                // A mismatch is reported as promtool reports it: the same alertname/expr lines with the same
                // expected and actual alerts, annotations and samples.
                if theirs.stderr.contains("    alertname: ") || theirs.stderr.contains("    expr: ") {
                    #expect(ours.stderr == theirs.stderr, "\(name):\n--- osprey\n\(ours.stderr)--- promtool\n\(theirs.stderr)")
                }
            }
        }
    }

    @Test func severalFilesOneFailingFailsTheRun() throws {
        let promtool = try TestEnvironment.systemBinary("/usr/bin/promtool", package: "prometheus")
        let osprey = try TestEnvironment.ospreyBinary()
        let paths = ["pass_for.yml", "fail_wrong_value.yml", "pass_promql.yml"].map { Self.fixtures + "/" + $0 }
        let theirs = try run(promtool, ["test", "rules"] + paths)
        let ours = try run(osprey, ["test", "rules"] + paths)
        #expect(theirs.status == 1 && ours.status == 1)
        // Every file is still tested: two successes around the failure.
        #expect(ours.stdout.components(separatedBy: "Unit Testing:  ").count == 4)
        #expect(ours.stdout.components(separatedBy: "  SUCCESS\n").count == 3)
        #expect(ours.stderr.contains("    expr: \"sum(node_cpu_seconds_total)\", time: 5m,\n        exp: {} 3.01E+02\n        got: {} 3E+02"),
                "\(ours.stderr)")
    }
}
