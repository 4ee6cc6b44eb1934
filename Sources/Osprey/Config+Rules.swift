import ConfigReader
import Foundation
import Yams

extension ConfigLoader {
    /// `rule_files:`: paths or globs of rule files, relative to the configuration file's directory.
    static func ruleFiles(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        let dir = (r.file as NSString).deletingLastPathComponent
        config.ruleFiles = try r.stringList(node, "rule_files").enumerated().map { i, pattern in
            guard !pattern.isEmpty else { throw r.invalid(node, "rule_files[\(i)]", "must not be empty") }
            if pattern.hasPrefix("/") || dir.isEmpty { return pattern }
            return dir + "/" + pattern
        }
    }
}
