import Alerting
import ArgumentParser
import ConfigReader
import Foundation
import OspreyCore
import Yams

/// `osprey check alerting FILE…`: validates alertmanager.yml files (or the `alerting:` section of an
/// osprey.yml) as `amtool check-config` does, printing what each holds; exit status 1 when any is invalid.
struct CheckAlerting: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerting", abstract: "Validate alertmanager.yml files (or osprey.yml's alerting section), like amtool check-config.")
    @Argument(help: "The configuration files.") var files: [String]

    func run() throws {
        var failed = 0
        for file in files {
            do {
                let config = try Self.load(file)
                print("Checking '\(file)'  SUCCESS")
                print("Found:")
                print(" - global config")
                print(" - route")
                print(" - \(config.inhibitRules.count) inhibit rules")
                print(" - \(config.receivers.count) receivers")
                print(" - \(config.templates.count) templates")
                print(" - \(config.timeIntervals.count) time intervals")
                for line in config.ignored { print("  accepted, not used by Osprey: \(line)") }
                print("")
            } catch {
                print("Checking '\(file)'  FAILED: \(error)")
                print("")
                failed += 1
            }
        }
        if failed > 0 {
            print("osprey: error: failed to validate \(failed) file(s)")
            throw ExitCode(1)
        }
    }

    /// An alertmanager.yml, or an osprey.yml whose `alerting:` section holds or points to one.
    static func load(_ file: String) throws -> AlertmanagerConfig {
        let root = try YAMLReader.compose(path: file)
        guard let keys = root?.mapping?.keys.compactMap(\.string), !keys.contains(where: { !AlertmanagerConfig.topLevelKeys.contains($0) }) else {
            let config = try ConfigLoader.load(path: file)
            guard let routing = config.alerting.routing else {
                throw ConfigError(file: file, line: nil, field: "alerting", message: "no Alertmanager configuration (route, receivers) and no config_file")
            }
            return routing
        }
        return try AlertmanagerConfig.load(path: file)
    }
}

/// `osprey check routes --config.file=FILE label=value…`: prints the receivers an alert with these labels
/// is routed to, comma-separated in match order, like `amtool config routes test`; with
/// `--verify.receivers` it exits 1 when they differ.
struct CheckRoutes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "Show the receivers an alert with the given labels is routed to (like amtool config routes test).")
    @Option(name: .customLong("config.file"), help: "An alertmanager.yml, or an osprey.yml with an alerting section.") var configFile: String
    @Option(name: .customLong("verify.receivers"), help: "Expected receivers, comma-separated; exit 1 when they differ.") var verifyReceivers: String?
    @Argument(help: "Alert labels as name=value.") var labels: [String] = []

    func run() throws {
        let config: AlertmanagerConfig
        do { config = try CheckAlerting.load(configFile) } catch {
            print("osprey: error: \(error)")
            throw ExitCode(1)
        }
        var pairs: [String: String] = [:]
        for text in labels {
            guard let m = try? AlertMatchers.parseOne(text), m.kind == .equal else {
                print("osprey: error: \"\(text)\" is not a label; write name=value")
                throw ExitCode(1)
            }
            pairs[m.name] = m.value
        }
        let receivers = config.route.match(Labels(pairs)).map(\.receiver).joined(separator: ",")
        print(receivers)
        if let verifyReceivers, verifyReceivers != receivers {
            print("WARNING: Expected receivers did not match resolved receivers.")
            throw ExitCode(1)
        }
    }
}
