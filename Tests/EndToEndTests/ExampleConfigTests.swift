import Foundation
import Testing

/// The shipped example (examples/osprey.yml, examples/alertmanager.yml, examples/rules/) works as its
/// comments say: the real promtool and amtool accept the files Osprey accepts, the rule unit tests pass
/// under both tools, each severity reaches the receivers the example promises, and `osprey serve` runs it.
@Suite struct ExampleConfigTests {
    static let examples = TestEnvironment.packageRoot + "/examples"
    static let severities: Set<String> = ["info", "warning", "error", "critical"]
    /// Where the example promises each severity goes (critical also to chat, through `continue`).
    static let expectedReceivers: [(severity: String, receivers: String)] = [
        ("critical", "pager,chat"), ("error", "chat"), ("warning", "chat"), ("info", "email-digest"),
    ]

    func run(_ executable: String, _ arguments: [String]) throws -> CommandOutcome { try runCommand(executable, arguments) }

    static func ruleFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: examples + "/rules")
            .filter { $0.hasSuffix(".rules.yml") }.sorted().map { examples + "/rules/" + $0 }
    }

    /// Copies examples/ (osprey.yml, alertmanager.yml, rules/) into `dir`, so tests can change the copy.
    static func copyExamples(to dir: String) throws {
        let fm = FileManager.default
        for name in ["osprey.yml", "alertmanager.yml", "rules"] {
            try fm.copyItem(atPath: examples + "/" + name, toPath: dir + "/" + name)
        }
    }

    @Test func promtoolAndOspreyAcceptTheExampleRules() throws {
        let promtool = try TestEnvironment.systemBinary("/usr/bin/promtool", package: "prometheus")
        let osprey = try TestEnvironment.ospreyBinary()
        let files = try Self.ruleFiles()
        #expect(files.count >= 4, "\(files)")
        let theirs = try run(promtool, ["check", "rules"] + files)
        let ours = try run(osprey, ["check", "rules"] + files)
        #expect(theirs.status == 0, "\(theirs.stdout)\(theirs.stderr)")
        #expect(ours.status == 0, "\(ours.stdout)\(ours.stderr)")
        // The same files with the same rule counts, line for line.
        #expect(ours.stdout == theirs.stdout, "osprey:\n\(ours.stdout)\npromtool:\n\(theirs.stdout)")
    }

    @Test func ruleUnitTestsPassUnderBothTools() throws {
        let promtool = try TestEnvironment.systemBinary("/usr/bin/promtool", package: "prometheus")
        let osprey = try TestEnvironment.ospreyBinary()
        let tests = Self.examples + "/rules/tests.yml"
        let theirs = try run(promtool, ["test", "rules", tests])
        let ours = try run(osprey, ["test", "rules", tests])
        #expect(theirs.status == 0, "\(theirs.stdout)\(theirs.stderr)")
        #expect(ours.status == 0, "\(ours.stdout)\(ours.stderr)")
        #expect(ours.stdout.hasPrefix("Unit Testing:  \(tests)\n") && ours.stdout.contains("\n  SUCCESS\n"), "\(ours.stdout)")

        // The tests check what they claim: one changed expectation (a templated annotation using a query)
        // fails in both tools, reported the same way.
        try withTemporaryDirectory("example-ruletest") { dir in
            try Self.copyExamples(to: dir)
            let copy = dir + "/rules/tests.yml"
            let text = try String(contentsOfFile: copy, encoding: .utf8)
            #expect(text.contains("has 10GiB left."))
            try text.replacingOccurrences(of: "has 10GiB left.", with: "has 11GiB left.")
                .write(toFile: copy, atomically: true, encoding: .utf8)
            let theirs = try run(promtool, ["test", "rules", copy])
            let ours = try run(osprey, ["test", "rules", copy])
            #expect(theirs.status == 1 && ours.status == 1, "promtool \(theirs.status), osprey \(ours.status)\n\(ours.stdout)\(ours.stderr)")
            #expect(ours.stderr.contains("has 10GiB left.") && ours.stderr == theirs.stderr,
                    "--- osprey\n\(ours.stderr)--- promtool\n\(theirs.stderr)")
        }
    }

    @Test func alertmanagerExampleRoutesEachSeverity() throws {
        let amtool = try TestEnvironment.systemBinary("/usr/bin/amtool", package: "prometheus-alertmanager")
        let osprey = try TestEnvironment.ospreyBinary()
        let file = Self.examples + "/alertmanager.yml"
        #expect(try run(amtool, ["check-config", file]).status == 0)
        let check = try run(osprey, ["check", "alerting", file])
        #expect(check.status == 0 && check.stdout.contains("SUCCESS"), "\(check.stdout)\(check.stderr)")

        for (severity, receivers) in Self.expectedReceivers {
            let labels = ["alertname=ExampleAlert", "severity=\(severity)", "service=shop"]
            let theirs = try run(amtool, ["config", "routes", "test", "--config.file=\(file)"] + labels)
            let ours = try run(osprey, ["check", "routes", "--config.file=\(file)"] + labels)
            #expect(theirs.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == receivers, "amtool, \(severity): \(theirs.stdout)")
            #expect(ours.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == receivers, "osprey, \(severity): \(ours.stdout)\(ours.stderr)")
            let verified = try run(osprey, ["check", "routes", "--config.file=\(file)", "--verify.receivers=\(receivers)"] + labels)
            #expect(verified.status == 0, "\(severity): \(verified.stdout)\(verified.stderr)")
        }
        // The database team's pages and the heartbeat take their own routes.
        let database = try run(osprey, ["check", "routes", "--config.file=\(file)", "alertname=DatabaseDown", "severity=critical", "team=database"])
        #expect(database.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "pager-database,chat-database", "\(database.stdout)")
        let watchdog = try run(osprey, ["check", "routes", "--config.file=\(file)", "alertname=Watchdog", "severity=info"])
        #expect(watchdog.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "deadmans-switch", "\(watchdog.stdout)")
    }

    @Test func checkConfigAcceptsTheExample() throws {
        let out = try run(try TestEnvironment.ospreyBinary(), ["check", "config", Self.examples + "/osprey.yml"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
    }
}
