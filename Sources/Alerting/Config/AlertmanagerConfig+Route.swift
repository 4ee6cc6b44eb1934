import ConfigReader
import OspreyCore
import Yams

/// A `route` block as written, before inheritance.
struct RouteSpec {
    var receiver: String?
    var receiverNode: Node?
    /// Label names other than `...`; nil when `group_by` is absent.
    var groupBy: [String]?
    var groupByAll = false
    var groupWaitMs: Int64?
    var groupIntervalMs: Int64?
    var repeatIntervalMs: Int64?
    var matchers: [LabelMatcher] = []
    var matchersNode: Node?
    var `continue` = false
    var continueNode: Node?
    var muteTimeIntervals: [String] = []
    var activeTimeIntervals: [String] = []
    var intervalNodes: [(String, Node)] = []
    var routes: [RouteSpec] = []
    var field = ""
    var line: Int?
}

extension AlertmanagerLoader {
    func routeSpec(_ node: Node, _ field: String) throws -> RouteSpec {
        var s = RouteSpec()
        s.field = field
        s.line = node.mark?.line
        var groupByNode: Node?
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "receiver":
                s.receiver = try r.string(v, f)
                s.receiverNode = v
            case "group_by":
                groupByNode = v
                var names: [String] = []
                for (i, name) in try r.stringList(v, f).enumerated() {
                    if name == "..." { s.groupByAll = true; continue }
                    guard isLegacyLabelName(name) else { throw r.invalid(v, "\(f)[\(i)]", "invalid label name \"\(name)\" in group_by list") }
                    guard !names.contains(name) else { throw r.invalid(v, "\(f)[\(i)]", "duplicated label \"\(name)\" in group_by") }
                    names.append(name)
                }
                s.groupBy = names.isEmpty ? nil : names
            case "continue":
                s.continue = try bool(v, f)
                s.continueNode = v
            case "match":
                s.matchersNode = v
                for (name, value) in try r.stringMap(v, f) {
                    guard isLegacyLabelName(name) else { throw r.invalid(v, "\(f).\(name)", "invalid label name \"\(name)\"") }
                    s.matchers.append(.equal(name, value))
                }
            case "match_re":
                s.matchersNode = v
                s.matchers += try matchRegexps(v, f)
            case "matchers":
                s.matchersNode = v
                s.matchers += try matcherLines(v, f)
            case "group_wait": s.groupWaitMs = try r.duration(v, f)
            case "group_interval":
                s.groupIntervalMs = try r.duration(v, f)
                guard s.groupIntervalMs != 0 else { throw r.invalid(v, f, "group_interval cannot be zero") }
            case "repeat_interval":
                s.repeatIntervalMs = try r.duration(v, f)
                guard s.repeatIntervalMs != 0 else { throw r.invalid(v, f, "repeat_interval cannot be zero") }
            case "mute_time_intervals":
                s.muteTimeIntervals = try r.stringList(v, f)
                s.intervalNodes.append((f, v))
            case "active_time_intervals":
                s.activeTimeIntervals = try r.stringList(v, f)
                s.intervalNodes.append((f, v))
            case "routes":
                s.routes = try r.sequence(v, f).enumerated().map { try routeSpec($1, "\(f)[\($0)]") }
            default:
                throw r.unknown(v, f)
            }
        }
        if s.groupByAll && s.groupBy != nil, let groupByNode {
            throw r.invalid(groupByNode, "\(field).group_by", "cannot have wildcard group_by (`...`) and other labels at the same time")
        }
        s.matchers = AlertMatchers.sorted(s.matchers)
        return s
    }

    /// The root route is the fallback for every alert: it needs a receiver and takes no matchers,
    /// time intervals or `continue`.
    func checkRoot(_ s: RouteSpec, _ node: Node) throws {
        let f = s.field
        guard let receiver = s.receiver, !receiver.isEmpty else {
            throw r.invalid(node, "\(f).receiver", "root route must specify a default receiver")
        }
        if let n = s.matchersNode, !s.matchers.isEmpty { throw r.invalid(n, f, "root route must not have any matchers") }
        if !s.muteTimeIntervals.isEmpty {
            throw r.invalid(s.intervalNodes.first?.1 ?? node, "\(f).mute_time_intervals", "root route must not have any mute time intervals")
        }
        if !s.activeTimeIntervals.isEmpty {
            throw r.invalid(s.intervalNodes.last?.1 ?? node, "\(f).active_time_intervals", "root route must not have any active time intervals")
        }
        if s.continue { throw r.invalid(s.continueNode ?? node, "\(f).continue", "cannot have continue in root route") }
    }

    /// Every receiver and time interval a route names must be defined.
    func checkReferences(_ s: RouteSpec, receivers: Set<String>, intervals: Set<String>) throws {
        if let name = s.receiver, !name.isEmpty, !receivers.contains(name) {
            throw r.invalid(s.receiverNode!, "\(s.field).receiver", "undefined receiver \"\(name)\" used in route; define it under receivers")
        }
        for (f, node) in s.intervalNodes {
            for (i, name) in try r.stringList(node, f).enumerated() where !intervals.contains(name) {
                throw r.invalid(node, "\(f)[\(i)]", "undefined time interval \"\(name)\" used in route; define it under time_intervals")
            }
        }
        for child in s.routes { try checkReferences(child, receivers: receivers, intervals: intervals) }
    }

    /// Resolves inheritance into a `Route` tree (Alertmanager's rules: unset options come from the parent,
    /// the root's from Alertmanager's defaults; `group_by` with only `...` keeps the parent's label list
    /// but groups by all labels).
    func build(_ s: RouteSpec, parent: Route?, position: Int?) -> Route {
        var groupBy = parent?.groupBy ?? .labels([])
        if let names = s.groupBy { groupBy = .labels(names) } else if s.groupByAll { groupBy = .all }
        let own = AlertMatchers.format(s.matchers)
        let key = parent.map { $0.key + "/" + own } ?? own
        let id = position.map { key + "/\($0)" } ?? key
        // Children need their parent's effective options, so a node is made twice: once without children
        // to hand down its options, once with them.
        let bare = Route(
            receiver: s.receiver.flatMap { $0.isEmpty ? nil : $0 } ?? parent?.receiver ?? "",
            groupBy: groupBy,
            groupWaitMs: s.groupWaitMs ?? parent?.groupWaitMs ?? Route.groupWaitDefaultMs,
            groupIntervalMs: s.groupIntervalMs ?? parent?.groupIntervalMs ?? Route.groupIntervalDefaultMs,
            repeatIntervalMs: s.repeatIntervalMs ?? parent?.repeatIntervalMs ?? Route.repeatIntervalDefaultMs,
            matchers: s.matchers, continue: s.continue, muteTimeIntervals: s.muteTimeIntervals,
            activeTimeIntervals: s.activeTimeIntervals, routes: [], key: key, id: id, line: s.line)
        let children = s.routes.enumerated().map { build($1, parent: bare, position: $0) }
        return Route(
            receiver: bare.receiver, groupBy: bare.groupBy, groupWaitMs: bare.groupWaitMs, groupIntervalMs: bare.groupIntervalMs,
            repeatIntervalMs: bare.repeatIntervalMs, matchers: bare.matchers, continue: bare.continue,
            muteTimeIntervals: bare.muteTimeIntervals, activeTimeIntervals: bare.activeTimeIntervals,
            routes: children, key: key, id: id, line: s.line)
    }

    func inhibitRule(_ node: Node, _ field: String) throws -> InhibitRuleConfig {
        var source: [LabelMatcher] = []
        var target: [LabelMatcher] = []
        var equal: [String] = []
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "source_match", "target_match":
                var list: [LabelMatcher] = []
                for (name, value) in try r.stringMap(v, f) {
                    guard isLegacyLabelName(name) else { throw r.invalid(v, "\(f).\(name)", "invalid label name \"\(name)\"") }
                    list.append(.equal(name, value))
                }
                if k == "source_match" { source += list } else { target += list }
            case "source_match_re": source += try matchRegexps(v, f)
            case "target_match_re": target += try matchRegexps(v, f)
            case "source_matchers": source += try matcherLines(v, f)
            case "target_matchers": target += try matcherLines(v, f)
            case "equal":
                for (i, name) in try r.stringList(v, f).enumerated() where !isLegacyLabelName(name) {
                    throw r.invalid(v, "\(f)[\(i)]", "\"\(name)\" is not a valid label name")
                }
                equal = try r.stringList(v, f)
            default:
                throw r.unknown(v, f)
            }
        }
        return InhibitRuleConfig(sourceMatchers: source, targetMatchers: target, equal: equal, line: node.mark?.line)
    }

    /// `match_re`-style maps: label name → anchored regex.
    func matchRegexps(_ node: Node, _ field: String) throws -> [LabelMatcher] {
        try r.stringMap(node, field).map { name, value in
            guard isLegacyLabelName(name) else { throw r.invalid(node, "\(field).\(name)", "invalid label name \"\(name)\"") }
            do { return try LabelMatcher(.regexMatch, name, value) } catch {
                throw r.invalid(node, "\(field).\(name)", "invalid regexp value: \(error)")
            }
        }
    }

    /// `matchers:` lists: each string holds one or more matchers in Alertmanager's syntax.
    func matcherLines(_ node: Node, _ field: String) throws -> [LabelMatcher] {
        var out: [LabelMatcher] = []
        for (i, item) in try r.sequence(node, field).enumerated() {
            let text = try r.string(item, "\(field)[\(i)]")
            do { out += try AlertMatchers.parse(text) } catch {
                throw r.invalid(item, "\(field)[\(i)]", "\(error)")
            }
        }
        return out
    }
}

/// Prometheus's classic label name rule, which Alertmanager applies to `match`, `group_by` and `equal`.
func isLegacyLabelName(_ s: String) -> Bool {
    guard let first = s.utf8.first, first == UInt8(ascii: "_") || (first | 0x20 >= UInt8(ascii: "a") && first | 0x20 <= UInt8(ascii: "z")) else {
        return false
    }
    return s.utf8.allSatisfy { c in
        c == UInt8(ascii: "_") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z"))
    }
}
