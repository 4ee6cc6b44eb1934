import Foundation
import OspreyCore
import PromQL

/// What an alert's label and annotation templates see besides `$labels` and `$value`.
struct TemplateContext: Sendable {
    let ruleName: String
    let externalLabels: Labels
    let externalURL: String
    /// Evaluation time (ms): the `query` function runs at it.
    let timeMs: Int64
    let engine: Engine
}

/// `.Labels` and `.Value` of an alert template.
struct AlertTemplateData: Sendable {
    let labels: Labels
    let value: Double
}

/// Alert templates: Go text/template with Prometheus's functions.
enum RuleTemplates {
    /// The parse error of a template as `promtool check rules` reports it, or nil when it parses.
    static func parseError(_ text: String, ruleName: String) -> String? {
        nil
    }

    /// Expands a template; an error becomes `<error expanding template: …>` as in Prometheus.
    static func expand(_ text: String, _ data: AlertTemplateData, _ context: TemplateContext) -> String {
        text
    }
}
