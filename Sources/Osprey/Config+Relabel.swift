import ConfigReader
import Pipeline
import Yams

/// Reading `relabel_configs` and `metric_relabel_configs` in prometheus.yml's schema.
extension ConfigLoader.Reader {
    /// Reads a list of relabel rules. `field` is the list's path for errors, e.g.
    /// `scrape_configs[0].relabel_configs`; a rule's error names `scrape_configs[0].relabel_configs[2].action`.
    ///
    /// As in Prometheus, a YAML null gives a field its zero value (`regex: null` is the empty regex,
    /// `separator: null` the empty separator); unknown fields are errors.
    func relabelConfigs(_ node: Node, _ field: String) throws -> [RelabelConfig] {
        try sequence(node, field).enumerated().map { try relabelConfig($1, "\(field)[\($0)]") }
    }

    func relabelConfig(_ node: Node, _ field: String) throws -> RelabelConfig {
        var action = RelabelConfig.Action.replace
        var sourceLabels: [String]?
        var separator = RelabelConfig.defaultSeparator
        var targetLabel = ""
        var regex: String?
        var modulus: UInt64 = 0
        var replacement = RelabelConfig.defaultReplacement
        var nodes: [RelabelConfigError.Field: Node] = [:]

        for (key, value) in try mapping(node, field) {
            let path = "\(field).\(key)"
            let null = isNull(value)
            if let f = RelabelConfigError.Field(rawValue: key) { nodes[f] = value }
            switch key {
            case "source_labels": sourceLabels = null ? nil : try stringList(value, path)
            case "separator": separator = null ? "" : try string(value, path)
            case "target_label": targetLabel = null ? "" : try string(value, path)
            case "regex": regex = null ? "" : try string(value, path)
            case "replacement": replacement = null ? "" : try string(value, path)
            case "modulus": modulus = null ? 0 : try unsigned64(value, path)
            case "action":
                let name = null ? "" : try string(value, path)
                guard let a = RelabelConfig.Action(rawValue: name.lowercased()) else {
                    let known = RelabelConfig.Action.allCases.map(\.rawValue).joined(separator: ", ")
                    throw invalid(value, path, "unknown relabel action \"\(name)\"; use one of \(known)")
                }
                action = a
            default:
                throw unknown(value, path)
            }
        }
        do {
            return try RelabelConfig(
                action: action, sourceLabels: sourceLabels, separator: separator, targetLabel: targetLabel, regex: regex,
                modulus: modulus, replacement: replacement)
        } catch {
            throw invalid(nodes[error.field] ?? node, "\(field).\(error.field.rawValue)", error.message)
        }
    }

    /// A YAML null: `~`, `null` or nothing, unquoted.
    private func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// A non-negative integer up to 2^64-1, decimal or `0x` hex, as YAML writes them.
    private func unsigned64(_ node: Node, _ field: String) throws -> UInt64 {
        let s = try string(node, field)
        let digits = s.replacingOccurrences(of: "_", with: "")
        let n = digits.hasPrefix("0x") ? UInt64(digits.dropFirst(2), radix: 16) : UInt64(digits.hasPrefix("+") ? String(digits.dropFirst()) : digits)
        guard let n else { throw invalid(node, field, "must be a non-negative integer below 2^64, not \"\(s)\"") }
        return n
    }
}
