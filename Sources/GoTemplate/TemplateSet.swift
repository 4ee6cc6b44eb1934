/// A namespace of named templates parsed from one or more sources, as Go's `*template.Template` with its
/// associated templates: Alertmanager loads its default templates plus the user's files into one set and
/// executes e.g. `{{ template "slack.default.title" . }}`.
///
///     var set = TemplateSet(functions: FunctionSet.alertmanager, mode: .html)
///     try set.parse(defaultTemplates, name: "default.tmpl")
///     try set.parse(userFile, name: "custom.tmpl")
///     let body = try set.execute("email.default.html", data: .object(notificationData))
///
/// Parsing checks syntax, variables and function names (unknown functions are parse errors, as in Go);
/// execution is bounded by `Limits`. A set is a value: parse into a copy to try a reload without touching
/// the one in use.
public struct TemplateSet: Sendable {
    /// How values printed by actions are written.
    public enum Mode: Sendable {
        /// text/template: printed as `fmt.Sprint` prints them.
        case text
        /// An approximation of html/template for email bodies: every value an action prints is
        /// HTML-escaped (`<>&'"+`) unless it is `.safeHTML` (from `safeHtml`), whatever the context
        /// (element text, attribute value or URL). Text outside actions is written as is.
        case html
    }

    /// What a missing map key gives (Go's `missingkey` option).
    public enum MissingKey: Sendable {
        /// Go's default: a missing value, printed `<no value>`.
        case noValue
        /// `missingkey=zero`: the empty string (the zero value of the string maps labels are).
        case zero
        /// `missingkey=error`: execution fails naming the key.
        case error
    }

    public let functions: FunctionSet
    public let mode: Mode
    public let missingKey: MissingKey
    private(set) var trees: [String: TemplateTree] = [:]

    var html: Bool { mode == .html }

    /// An empty set; `functions` join the builtins (and may override them) for every later `parse`.
    public init(functions: FunctionSet = [:], mode: Mode = .text, missingKey: MissingKey = .noValue) {
        self.functions = functions
        self.mode = mode
        self.missingKey = missingKey
    }

    /// Parses `source` and adds its templates: the top level under `name` and every `define`/`block`.
    /// A later definition replaces an earlier one of the same name, except that an empty body (only white
    /// space) never replaces a non-empty one. On error nothing is added.
    public mutating func parse(_ source: String, name: String) throws(TemplateError) {
        let names = Set(functions.keys).union(Builtins.functions.keys)
        let parsed = try Parser.parse(source, name: name, functions: names)
        for tree in parsed {
            if let old = trees[tree.name], tree.isEmpty, !old.isEmpty { continue }
            trees[tree.name] = tree
        }
    }

    /// The names of the templates in the set, sorted.
    public var templateNames: [String] { trees.keys.sorted() }

    /// True when a template of that name exists.
    public func contains(_ name: String) -> Bool { trees[name] != nil }

    /// Runs the template `name` with `data` as `.` and `$`; returns the text it writes.
    public func execute(_ name: String, data: TemplateValue) throws(TemplateError) -> String {
        guard let tree = trees[name] else {
            throw TemplateError(kind: .execution, message: "template: no template \(goQuote(name)) associated with template \(goQuote(name))")
        }
        let run = Execution(set: self, tree: tree, data: data)
        do {
            try run.walk(data, tree.root)
        } catch let e as TemplateError {
            throw e
        } catch {
            throw TemplateError(kind: .execution, message: "template: \(name): \(error)")
        }
        return run.output
    }

    /// Parses `source` alone and executes it: the one-off expansion Prometheus does for each annotation.
    public static func render(_ source: String, name: String, data: TemplateValue, functions: FunctionSet = [:],
                              mode: Mode = .text, missingKey: MissingKey = .noValue) throws(TemplateError) -> String {
        var set = TemplateSet(functions: functions, mode: mode, missingKey: missingKey)
        try set.parse(source, name: name)
        return try set.execute(name, data: data)
    }
}
