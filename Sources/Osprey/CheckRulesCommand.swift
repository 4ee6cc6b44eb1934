import ArgumentParser
import ConfigReader
import Foundation
import Rules

/// `osprey check rules FILE…`: validates rule files as `promtool check rules` does, with its output and exit codes.
struct CheckRules: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "Validate Prometheus rule files.")
    @Argument(help: "Rule files.") var files: [String]

    func run() throws {
        if !Self.check(files) { throw ExitCode(1) }
    }

    /// Prints `Checking FILE` and `  SUCCESS: N rules found` per valid file, `  FAILED:` and every error of an
    /// invalid one (on standard error, as promtool); false when any file failed.
    static func check(_ files: [String]) -> Bool {
        var ok = true
        for file in files {
            print("Checking \(file)")
            do {
                let parsed = try RuleFileParser.load(path: file)
                print("  SUCCESS: \(parsed.ruleCount) rules found")
            } catch {
                ok = false
                var lines = ["  FAILED:"]
                if let e = error as? RuleFileErrors { lines += e.errors.map(\.description) } else { lines.append("\(error)") }
                FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
            print("")
        }
        return ok
    }
}
