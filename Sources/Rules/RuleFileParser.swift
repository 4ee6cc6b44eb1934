import ConfigReader
import OspreyCore
import PromQL
import Yams

/// Every problem found in one rule file; `promtool check rules` also reports them all, not only the first.
public struct RuleFileErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Reads rule files in Prometheus's format and validates them as `promtool check rules` does.
///
///     let file = try RuleFileParser.load(path: "rules/node.yml")
///     print(file.groups.map(\.name))
public enum RuleFileParser {
    /// Reads and validates a file; throws `RuleFileErrors` (every problem, each naming file:line:field) or a
    /// `ConfigError` when the file cannot be read or is not YAML.
    public static func load(path: String) throws -> RuleFile {
        let root = try YAMLReader.compose(path: path)
        return try parse(root, file: path)
    }

    /// Parses rule-file text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> RuleFile {
        try parse(try YAMLReader.compose(text, file: file), file: file)
    }

    static func parse(_ root: Node?, file: String) throws -> RuleFile {
        let p = FileParse(r: YAMLReader(file: file))
        let groups = p.file(root)
        if !p.errors.isEmpty { throw RuleFileErrors(errors: p.errors) }
        return RuleFile(path: file, groups: groups)
    }
}

/// One pass over a file, collecting errors instead of stopping at the first.
private final class FileParse {
    let r: YAMLReader
    var errors: [ConfigError] = []
    init(r: YAMLReader) { self.r = r }

    func attempt<T>(_ body: () throws -> T) -> T? {
        do { return try body() } catch let e as ConfigError {
            errors.append(e)
        } catch {
            errors.append(ConfigError(file: r.file, line: nil, field: "(file)", message: "\(error)"))
        }
        return nil
    }

    func file(_ root: Node?) -> [RuleGroup] {
        guard let root, !r.isNull(root) else { return [] }
        guard let top = attempt({ try r.mapping(root, "(top level)") }) else { return [] }
        var groups: [RuleGroup] = []
        for (key, value) in top {
            guard key == "groups" else {
                errors.append(r.unknown(value, key))
                continue
            }
            guard let list = attempt({ try r.sequence(value, "groups") }) else { continue }
            var seen = Set<String>()
            for (i, node) in list.enumerated() {
                guard let g = group(node, "groups[\(i)]") else { continue }
                if !g.name.isEmpty, !seen.insert(g.name).inserted {
                    errors.append(r.error(node, "groups[\(i)].name", "groupname \"\(g.name)\" is repeated in the same file"))
                }
                groups.append(g)
            }
        }
        return groups
    }

    func group(_ node: Node, _ field: String) -> RuleGroup? {
        guard let entries = attempt({ try r.mapping(node, field) }) else { return nil }
        var g = RuleGroup(name: "", file: r.file)
        g.line = node.mark?.line ?? 0
        var ruleNodes: [Node] = []
        var nameSeen = false
        for (k, v) in entries {
            let f = "\(field).\(k)"
            switch k {
            case "name":
                nameSeen = true
                g.name = attempt { try r.string(v, f) } ?? ""
            case "interval":
                // 0 means the global evaluation interval, as in Prometheus.
                if let ms = attempt({ try r.duration(v, f) }), ms > 0 { g.intervalMs = ms }
            case "query_offset":
                g.queryOffsetMs = attempt { try r.duration(v, f) }
            case "limit":
                // Zero or negative: no limit, as in Prometheus.
                g.limit = max(0, attempt { try r.int(v, f) } ?? 0)
            case "labels":
                g.labels = labels(v, f)
            case "rules":
                ruleNodes = attempt { try r.sequence(v, f) } ?? []
            default:
                errors.append(r.unknown(v, f))
            }
        }
        if !nameSeen || g.name.isEmpty {
            errors.append(r.error(node, "\(field).name", "groupname must not be empty"))
        }
        for (i, rn) in ruleNodes.enumerated() {
            if let rule = rule(rn, "\(field).rules[\(i)]", group: g.name, index: i + 1) { g.rules.append(rule) }
        }
        return g
    }

    func labels(_ node: Node, _ field: String) -> [Label] { labelNodes(node, field).map(\.0) }

    func labelNodes(_ node: Node, _ field: String) -> [(Label, Node)] {
        guard let pairs = attempt({ try r.mapping(node, field) }) else { return [] }
        var out: [(Label, Node)] = []
        for (name, v) in pairs {
            let f = "\(field).\(name)"
            if !NameRules.isLabelName(name) || name == Labels.metricNameLabel {
                errors.append(r.invalid(v, f, "invalid label name: \(name)"))
            }
            if let value = attempt({ try r.string(v, f) }) { out.append((Label(name, value), v)) }
        }
        return out
    }

    func rule(_ node: Node, _ field: String, group: String, index: Int) -> RuleDefinition? {
        guard let entries = attempt({ try r.mapping(node, field) }) else { return nil }
        var record: (String, Node)?
        var alert: (String, Node)?
        var expr: (String, Node)?
        var forMs: (Int64, Node)?
        var keepMs: (Int64, Node)?
        var labelNode: Node?
        var annotationNode: Node?
        for (k, v) in entries {
            let f = "\(field).\(k)"
            switch k {
            case "record": if let s = attempt({ try r.string(v, f) }) { record = (s, v) }
            case "alert": if let s = attempt({ try r.string(v, f) }) { alert = (s, v) }
            case "expr": if let s = attempt({ try r.string(v, f) }) { expr = (s, v) }
            case "for": if let ms = attempt({ try r.duration(v, f) }) { forMs = (ms, v) }
            case "keep_firing_for": if let ms = attempt({ try r.duration(v, f) }) { keepMs = (ms, v) }
            case "labels": labelNode = v
            case "annotations": annotationNode = v
            default: errors.append(r.unknown(v, f))
            }
        }
        let name = alert?.0 ?? record?.0 ?? ""
        let context = "group \"\(group)\", rule \(index), \"\(name)\""
        func fail(_ n: Node, _ f: String, _ m: String) -> ConfigError { r.error(n, f, "\(context): \(m)") }

        var problems: [ConfigError] = []
        if let record, let alert, !record.0.isEmpty, !alert.0.isEmpty {
            problems.append(fail(record.1, "\(field).record", "only one of 'record' and 'alert' must be set"))
        }
        if (record?.0 ?? "").isEmpty, (alert?.0 ?? "").isEmpty {
            problems.append(fail(node, "\(field).record", "one of 'record' or 'alert' must be set"))
        }
        if let expr, !expr.0.isEmpty {
            do { _ = try PromQLParser.parse(expr.0) } catch {
                problems.append(fail(expr.1, "\(field).expr", "could not parse expression: \(error)"))
            }
        } else {
            problems.append(fail(expr?.1 ?? node, "\(field).expr", "field 'expr' must be set in rule"))
        }
        let isRecording = !(record?.0 ?? "").isEmpty
        let labelPairs = labelNode.map { labelNodes($0, "\(field).labels") } ?? []
        let labelList = labelPairs.map(\.0)
        var annotationList: [Label] = []
        var annotationNodes: [Node] = []
        if let annotationNode, let pairs = attempt({ try r.mapping(annotationNode, "\(field).annotations") }) {
            for (k, v) in pairs {
                let f = "\(field).annotations.\(k)"
                if !NameRules.isLabelName(k) { problems.append(fail(v, f, "invalid annotation name: \(k)")) }
                if let s = attempt({ try r.string(v, f) }) {
                    annotationList.append(Label(k, s))
                    annotationNodes.append(v)
                }
            }
        }
        if let record, isRecording {
            if !annotationList.isEmpty {
                problems.append(fail(annotationNode ?? record.1, "\(field).annotations", "invalid field 'annotations' in recording rule"))
            }
            if let forMs, forMs.0 != 0 { problems.append(fail(forMs.1, "\(field).for", "invalid field 'for' in recording rule")) }
            if let keepMs, keepMs.0 != 0 {
                problems.append(fail(keepMs.1, "\(field).keep_firing_for", "invalid field 'keep_firing_for' in recording rule"))
            }
            if !NameRules.isMetricName(record.0) {
                problems.append(fail(record.1, "\(field).record", "invalid recording rule name: \(record.0)"))
            }
        }
        if let alert, !alert.0.isEmpty {
            for (l, n) in labelPairs {
                if let e = RuleTemplates.parseError(l.value, ruleName: alert.0) {
                    problems.append(fail(n, "\(field).labels.\(l.name)", "label \"\(l.name)\": \(e)"))
                }
            }
            for (a, n) in zip(annotationList, annotationNodes) {
                if let e = RuleTemplates.parseError(a.value, ruleName: alert.0) {
                    problems.append(fail(n, "\(field).annotations.\(a.name)", "annotation \"\(a.name)\": \(e)"))
                }
            }
        }
        errors += problems
        guard problems.isEmpty, let expr else { return nil }
        var def = RuleDefinition(kind: isRecording ? .recording : .alerting, name: name, expr: expr.0)
        def.forMs = forMs?.0 ?? 0
        def.keepFiringForMs = keepMs?.0 ?? 0
        def.labels = labelList
        def.annotations = annotationList
        def.line = node.mark?.line ?? 0
        return def
    }
}
