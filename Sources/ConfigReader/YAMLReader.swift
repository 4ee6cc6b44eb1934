import Foundation
import OspreyCore
import Yams

/// A configuration error that names the file, line and field, such as
/// `osprey.yml:12: scrape_configs[0].scrape_interval: must be a duration`.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let field: String
    public let message: String

    public init(file: String, line: Int?, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(field): \(message)"
    }
}

/// Reads typed values out of a composed YAML tree, turning every mismatch into a `ConfigError`
/// that points at the node's line. Shared by osprey.yml, rule files and Alertmanager configuration.
public struct YAMLReader: Sendable {
    public let file: String

    public init(file: String) { self.file = file }

    /// Reads and composes a YAML file; a syntax error names its line.
    public static func compose(path: String) throws -> Node? {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, field: "(file)", message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, field: "(file)", message: "not valid UTF-8")
        }
        return try compose(text, file: path)
    }

    /// Composes YAML text; a syntax error names its line.
    public static func compose(_ text: String, file: String) throws -> Node? {
        do { return try Yams.compose(yaml: text) } catch let e as YamlError {
            throw ConfigError(file: file, line: line(of: e), field: "(yaml)", message: "\(e)")
        }
    }

    /// The line a Yams scanner or parser error points at.
    public static func line(of e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    public func error(_ node: Node, _ field: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, field: field, message: message)
    }
    public func unknown(_ node: Node, _ field: String) -> ConfigError { error(node, field, "unknown field") }
    public func invalid(_ node: Node, _ field: String, _ m: String) -> ConfigError { error(node, field, m) }

    /// Whether a node is YAML null (`~`, `null` or nothing).
    public func isNull(_ node: Node) -> Bool {
        if case .scalar(let s) = node, s.style == .plain, s.string.isEmpty || s.string == "~" || s.string == "null" { return true }
        return false
    }

    /// A mapping's entries in file order (null is an empty mapping); a repeated key is an error.
    public func mapping(_ node: Node, _ field: String) throws -> [(String, Node)] {
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { return [] }
        guard let m = node.mapping else { throw error(node, field, "must be a mapping") }
        var seen = Set<String>()
        return try m.map { k, v in
            guard let key = k.string else { throw error(k, field, "keys must be strings") }
            guard seen.insert(key).inserted else { throw error(k, "\(field).\(key)", "appears twice") }
            return (key, v)
        }
    }

    public func string(_ node: Node, _ field: String) throws -> String {
        guard case .scalar(let s) = node else { throw error(node, field, "must be a string") }
        return s.string
    }

    /// A Prometheus duration (`30s`, `1h30m`, `2d`) in milliseconds.
    public func duration(_ node: Node, _ field: String) throws -> Int64 {
        let s = try string(node, field)
        do { return try OspreyCore.Duration.parseMs(s) } catch { throw self.error(node, field, "\(error)") }
    }

    public func byteSize(_ node: Node, _ field: String) throws -> Int64 {
        let s = try string(node, field)
        do { return try ByteSize.parse(s) } catch { throw self.error(node, field, "\(error)") }
    }

    public func positiveInt(_ node: Node, _ field: String) throws -> Int {
        let s = try string(node, field)
        guard let n = Int(s), n > 0 else { throw error(node, field, "must be a positive integer, not \"\(s)\"") }
        return n
    }

    public func bool(_ node: Node, _ field: String) throws -> Bool {
        let s = try string(node, field)
        switch s {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw error(node, field, "must be true or false, not \"\(s)\"")
        }
    }

    public func int(_ node: Node, _ field: String) throws -> Int {
        let s = try string(node, field)
        guard let n = Int(s) else { throw error(node, field, "must be an integer, not \"\(s)\"") }
        return n
    }

    public func nonNegativeInt(_ node: Node, _ field: String) throws -> Int {
        let n = try int(node, field)
        guard n >= 0 else { throw error(node, field, "must not be negative") }
        return n
    }

    /// A YAML sequence (an empty or null node is an empty list).
    public func sequence(_ node: Node, _ field: String) throws -> [Node] {
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { return [] }
        guard let seq = node.sequence else { throw error(node, field, "must be a list") }
        return Array(seq)
    }

    public func stringList(_ node: Node, _ field: String) throws -> [String] {
        try sequence(node, field).enumerated().map { try string($1, "\(field)[\($0)]") }
    }

    public func stringMap(_ node: Node, _ field: String) throws -> [(String, String)] {
        try mapping(node, field).map { ($0, try string($1, "\(field).\($0)")) }
    }
}
