import OspreyCore

/// One rule as written in a rule file (Prometheus's rule-file format).
public struct RuleDefinition: Sendable, Equatable {
    public enum Kind: String, Sendable { case recording, alerting }

    public var kind: Kind
    /// The `record:` metric name or the `alert:` name.
    public var name: String
    /// The PromQL expression text, as written.
    public var expr: String
    /// `for:` (alerting rules only), milliseconds.
    public var forMs: Int64 = 0
    /// `keep_firing_for:` (alerting rules only), milliseconds.
    public var keepFiringForMs: Int64 = 0
    /// `labels:`, in file order (alerting rule values are templates).
    public var labels: [Label] = []
    /// `annotations:`, in file order (templates).
    public var annotations: [Label] = []
    /// Line of the rule in its file (1-based).
    public var line: Int = 0

    public init(kind: Kind, name: String, expr: String) {
        self.kind = kind
        self.name = name
        self.expr = expr
    }

    /// Equal apart from where it sits in the file: a reload keeps the state of rules that did not change.
    public static func == (a: RuleDefinition, b: RuleDefinition) -> Bool {
        a.kind == b.kind && a.name == b.name && a.expr == b.expr && a.forMs == b.forMs
            && a.keepFiringForMs == b.keepFiringForMs && a.labels == b.labels && a.annotations == b.annotations
    }
}

/// A `groups:` entry: rules evaluated together, in order, on one interval.
public struct RuleGroup: Sendable, Equatable {
    public var name: String
    /// The file the group came from (as given, not resolved).
    public var file: String
    /// `interval:`; nil uses the global evaluation interval.
    public var intervalMs: Int64?
    /// `limit:`: most alerts (alerting rule) or series (recording rule) one rule may produce; 0 is no limit.
    public var limit = 0
    /// `query_offset:`: queries run this far in the past; nil uses the global default (0).
    public var queryOffsetMs: Int64?
    /// `labels:` added to every rule of the group (a rule's own labels win).
    public var labels: [Label] = []
    public var rules: [RuleDefinition] = []
    /// Line of the group in its file.
    public var line: Int = 0

    public init(name: String, file: String) {
        self.name = name
        self.file = file
    }

    public static func == (a: RuleGroup, b: RuleGroup) -> Bool {
        a.name == b.name && a.file == b.file && a.intervalMs == b.intervalMs && a.limit == b.limit
            && a.queryOffsetMs == b.queryOffsetMs && a.labels == b.labels && a.rules == b.rules
    }
}

/// A parsed rule file.
public struct RuleFile: Sendable {
    public var path: String
    public var groups: [RuleGroup]
    /// Rules over all groups.
    public var ruleCount: Int { groups.reduce(0) { $0 + $1.rules.count } }
}

/// Names as Prometheus's classic validation accepts them.
enum NameRules {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        guard isLetter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ":") else { return false }
        return s.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    static func isLabelName(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return s.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
}
