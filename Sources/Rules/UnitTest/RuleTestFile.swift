import ConfigReader
import Foundation
import OspreyCore
import PromQL
import Yams

/// A rule unit-test file in promtool's format (`promtool test rules`): rule files, input series and the alerts
/// and query results expected at given times. Times are offsets from 0 in milliseconds.
public struct RuleTestFile: Sendable {
    /// The file the tests came from.
    public var path: String
    /// `rule_files:` as written (relative to the test file's directory; globs allowed).
    public var ruleFiles: [String] = []
    /// `evaluation_interval:` (default 1m): rules are evaluated at every multiple of it.
    public var evaluationIntervalMs: Int64 = 60_000
    /// `group_eval_order:`: these groups are evaluated first, in this order; the rest follow in file order.
    public var groupEvalOrder: [String] = []
    public var tests: [RuleTestGroup] = []
}

/// One entry of `tests:`: input series and the checks run against them (each with fresh storage and rule state).
public struct RuleTestGroup: Sendable {
    /// `name:`, shown with failures.
    public var name = ""
    /// `interval:`: the time between two values of an input series (default: the evaluation interval).
    public var intervalMs: Int64 = 0
    public var inputSeries: [InputSeries] = []
    public var alertTests: [AlertTestCase] = []
    public var promqlTests: [PromQLTestCase] = []
    /// `external_labels:`: what templates see as `$externalLabels`.
    public var externalLabels = Labels([Label]())
    /// `external_url:`: what templates see as `$externalURL`.
    public var externalURL = ""
    /// Line of the entry, for messages.
    public var line = 0
}

/// An `input_series:` entry: a series and its values, one per `interval` from time 0 (nil: no sample).
public struct InputSeries: Sendable {
    public var labels: Labels
    public var values: [Double?]
}

/// An `alert_rule_test:` entry: the firing alerts of `alertname` expected at `eval_time`.
public struct AlertTestCase: Sendable {
    public var evalTimeMs: Int64
    public var alertname: String
    public var expected: [ExpectedAlert]
}

/// An `exp_alerts:` entry: labels (without `alertname`, which is added) and expanded annotations.
public struct ExpectedAlert: Sendable {
    public var labels: [String: String]
    public var annotations: [String: String]
}

/// A `promql_expr_test:` entry: the samples `expr` returns at `eval_time`, in any order.
public struct PromQLTestCase: Sendable {
    public var expr: String
    public var evalTimeMs: Int64
    public var expected: [ExpectedSample]
}

/// An `exp_samples:` entry: `labels` is a series selector text (`metric{a="b"}`), parsed when the test runs.
public struct ExpectedSample: Sendable {
    public var labels: String
    public var value: Double
}

extension RuleTestFile {
    /// Reads a test file; unknown fields, wrong types and bad series notation are a `ConfigError` naming
    /// file:line:field (as promtool, which reads the file strictly).
    public static func load(path: String) throws -> RuleTestFile {
        try parse(YAMLReader.compose(path: path), path: path)
    }

    /// Parses test-file text; `path` names it in errors and anchors relative rule files.
    public static func parse(_ text: String, path: String) throws -> RuleTestFile {
        try parse(YAMLReader.compose(text, file: path), path: path)
    }

    static func parse(_ root: Node?, path: String) throws -> RuleTestFile {
        let r = YAMLReader(file: path)
        var file = RuleTestFile(path: path)
        guard let root, !r.isNull(root) else { return file }
        var testNodes: [(Node, String)] = []
        for (key, value) in try r.mapping(root, "(top level)") {
            switch key {
            case "rule_files": file.ruleFiles = try r.stringList(value, key)
            case "evaluation_interval":
                let ms = try r.duration(value, key)
                if ms > 0 { file.evaluationIntervalMs = ms }
            case "group_eval_order":
                file.groupEvalOrder = try r.stringList(value, key)
                var seen = Set<String>()
                for (i, name) in file.groupEvalOrder.enumerated() where !seen.insert(name).inserted {
                    throw r.error(value, "group_eval_order[\(i)]", "group name repeated in evaluation order: \(name)")
                }
            case "tests":
                testNodes = try r.sequence(value, key).enumerated().map { ($1, "tests[\($0)]") }
            default: throw r.unknown(value, key)
            }
        }
        file.tests = try testNodes.map { try testGroup($0, $1, r, defaultIntervalMs: file.evaluationIntervalMs) }
        return file
    }

    private static func testGroup(_ node: Node, _ field: String, _ r: YAMLReader, defaultIntervalMs: Int64) throws -> RuleTestGroup {
        var g = RuleTestGroup()
        g.line = node.mark?.line ?? 0
        var seriesNodes: [Node] = []
        for (key, value) in try r.mapping(node, field) {
            let f = "\(field).\(key)"
            switch key {
            case "name": g.name = try r.string(value, f)
            case "interval": g.intervalMs = try r.duration(value, f)
            case "input_series": seriesNodes = try r.sequence(value, f)
            case "external_labels": g.externalLabels = Labels(try r.stringMap(value, f).map { Label($0, $1) })
            case "external_url": g.externalURL = try r.string(value, f)
            case "alert_rule_test":
                g.alertTests = try r.sequence(value, f).enumerated().map { try alertTest($1, "\(f)[\($0)]", r) }
            case "promql_expr_test":
                g.promqlTests = try r.sequence(value, f).enumerated().map { try promqlTest($1, "\(f)[\($0)]", r) }
            default: throw r.unknown(value, f)
            }
        }
        // promtool reads an omitted interval as the evaluation interval (the documented default).
        if g.intervalMs <= 0 { g.intervalMs = defaultIntervalMs }
        for (i, s) in seriesNodes.enumerated() {
            let f = "\(field).input_series[\(i)]"
            var series: String?, values = ""
            for (key, value) in try r.mapping(s, f) {
                switch key {
                case "series": series = try r.string(value, "\(f).series")
                case "values": values = try r.string(value, "\(f).values")
                default: throw r.unknown(value, "\(f).\(key)")
                }
            }
            guard let series else { throw r.error(s, "\(f).series", "missing: give the series as metric{label=\"value\"}") }
            do {
                g.inputSeries.append(InputSeries(labels: try SeriesNotation.labels(series), values: try SeriesNotation.values(values)))
            } catch {
                throw r.error(s, f, "\(error) (series \"\(series)\", values \"\(values)\")")
            }
        }
        return g
    }

    private static func alertTest(_ node: Node, _ field: String, _ r: YAMLReader) throws -> AlertTestCase {
        var t = AlertTestCase(evalTimeMs: 0, alertname: "", expected: [])
        for (key, value) in try r.mapping(node, field) {
            let f = "\(field).\(key)"
            switch key {
            case "eval_time": t.evalTimeMs = try r.duration(value, f)
            case "alertname": t.alertname = try r.string(value, f)
            case "exp_alerts":
                t.expected = try r.sequence(value, f).enumerated().map { i, n in
                    var a = ExpectedAlert(labels: [:], annotations: [:])
                    for (k, v) in try r.mapping(n, "\(f)[\(i)]") {
                        let ff = "\(f)[\(i)].\(k)"
                        switch k {
                        case "exp_labels": a.labels = try dictionary(v, ff, r)
                        case "exp_annotations": a.annotations = try dictionary(v, ff, r)
                        default: throw r.unknown(v, ff)
                        }
                    }
                    return a
                }
            default: throw r.unknown(value, f)
            }
        }
        return t
    }

    private static func promqlTest(_ node: Node, _ field: String, _ r: YAMLReader) throws -> PromQLTestCase {
        var t = PromQLTestCase(expr: "", evalTimeMs: 0, expected: [])
        for (key, value) in try r.mapping(node, field) {
            let f = "\(field).\(key)"
            switch key {
            case "expr": t.expr = try r.string(value, f)
            case "eval_time": t.evalTimeMs = try r.duration(value, f)
            case "exp_samples":
                t.expected = try r.sequence(value, f).enumerated().map { i, n in
                    var s = ExpectedSample(labels: "", value: 0)
                    for (k, v) in try r.mapping(n, "\(f)[\(i)]") {
                        let ff = "\(f)[\(i)].\(k)"
                        switch k {
                        case "labels": s.labels = try r.string(v, ff)
                        case "value": s.value = try yamlFloat(v, ff, r)
                        default: throw r.unknown(v, ff)
                        }
                    }
                    return s
                }
            default: throw r.unknown(value, f)
            }
        }
        return t
    }

    private static func dictionary(_ node: Node, _ field: String, _ r: YAMLReader) throws -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in try r.stringMap(node, field) { out[k] = v }
        return out
    }

    /// A YAML float as promtool reads one: decimal or exponent notation, `.inf`, `-.inf`, `.nan`.
    static func yamlFloat(_ node: Node, _ field: String, _ r: YAMLReader) throws -> Double {
        let s = try r.string(node, field)
        switch s {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        if s.hasPrefix("0x"), let n = Int64(s.dropFirst(2), radix: 16) { return Double(n) }
        let plain = s.allSatisfy { $0.isASCII && ($0.isNumber || "+-.eE_".contains($0)) }
        guard plain, let v = Double(s.replacingOccurrences(of: "_", with: "")) else {
            throw r.error(node, field, "must be a number (or .inf, -.inf, .nan), not \"\(s)\"")
        }
        return v
    }
}
