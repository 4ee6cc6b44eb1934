import ConfigReader
import Foundation
import GoTemplate
import OspreyCore

/// The template set notifications are rendered with: Osprey's defaults plus the configuration's `templates:`
/// files, parsed twice (text mode for every field, HTML mode for email bodies), as Alertmanager does.
public struct NotificationTemplates: Sendable {
    let text: TemplateSet
    let html: TemplateSet

    /// The defaults followed by `sources` (name, text) in order; a later definition replaces an earlier one.
    /// A syntax error is a `ConfigError` naming the source and line.
    public init(sources: [(name: String, text: String)] = [], clock: any Clock = SystemClock()) throws {
        var text = TemplateSet(functions: .alertmanager(clock: clock), mode: .text)
        var html = TemplateSet(functions: .alertmanager(clock: clock), mode: .html)
        for (name, source) in [(DefaultTemplates.fileName, DefaultTemplates.source)] + sources {
            do {
                try text.parse(source, name: name)
                try html.parse(source, name: name)
            } catch {
                throw ConfigError(file: name, line: Self.line(in: error.message, name: name), field: "templates",
                                  message: "\(error.message); fix the template syntax")
            }
        }
        self.text = text
        self.html = html
    }

    /// Reads the configuration's `templates:` globs (already resolved against the configuration's directory),
    /// files sorted by name within each glob as Alertmanager reads them. A glob matching nothing is not an error.
    public static func load(globs: [String], clock: any Clock = SystemClock()) throws -> NotificationTemplates {
        var sources: [(name: String, text: String)] = []
        for pattern in globs {
            for path in expand(pattern) {
                do {
                    sources.append((path, try String(contentsOfFile: path, encoding: .utf8)))
                } catch {
                    throw ConfigError(file: path, line: nil, field: "templates", message: "cannot read template file: \(error.localizedDescription)")
                }
            }
        }
        return try NotificationTemplates(sources: sources, clock: clock)
    }

    /// Renders a configuration field (e.g. `{{ template "slack.default.title" . }}`) against `data` in text mode.
    public func render(_ field: String, _ data: NotificationData) throws(TemplateError) -> String {
        try render(field, data.templateValue, html: false)
    }

    /// Renders `field` in the HTML mode (email bodies).
    public func renderHTML(_ field: String, _ data: NotificationData) throws(TemplateError) -> String {
        try render(field, data.templateValue, html: true)
    }

    /// Renders `field` with any data (the SMS body sees `.To` and `.Message`).
    func render(_ field: String, _ value: TemplateValue, html: Bool) throws(TemplateError) -> String {
        if !field.contains("{{") { return field }
        var set = html ? self.html : text
        try set.parse(field, name: "__field")
        return try set.execute("__field", data: value)
    }

    /// Names defined in the set (defaults and user files).
    public var templateNames: [String] { text.templateNames }

    static func line(in message: String, name: String) -> Int? {
        // "template: NAME:LINE: …" or "template: NAME:LINE:COL: …"
        guard let r = message.range(of: "\(name):") else { return nil }
        let digits = message[r.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    static func expand(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
        }
        return out.sorted()
    }
}
