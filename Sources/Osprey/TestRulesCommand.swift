import ArgumentParser
import Foundation
import Rules

/// `osprey test …`: unit tests for configuration.
struct TestCommands: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Run unit tests.", subcommands: [TestRules.self])
}

/// `osprey test rules FILE…`: runs rule unit-test files written for `promtool test rules`, with its output and
/// exit codes (1 when any file fails).
struct TestRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "Unit-test rules (promtool's test file format).")
    @Argument(help: "Test files.") var files: [String]

    func run() async throws {
        var failed = false
        for file in files {
            print("Unit Testing:  \(file)")
            let result = await RuleTestRunner().run(path: file)
            for w in result.warnings { FileHandle.standardError.write(Data((w + "\n").utf8)) }
            if result.passed {
                print("  SUCCESS")
            } else {
                failed = true
                FileHandle.standardError.write(Data("  FAILED:\n".utf8))
                for f in result.failures {
                    FileHandle.standardError.write(Data((f + "\n").utf8))
                    print("")
                }
            }
            print("")
        }
        if failed { throw ExitCode(1) }
    }
}
