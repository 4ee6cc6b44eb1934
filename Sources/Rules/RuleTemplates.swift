import Foundation
import GoTemplate
import OspreyCore
import PromQL

/// What an alert's label and annotation templates see besides `$labels` and `$value`.
struct TemplateContext: Sendable {
    let ruleName: String
    let externalLabels: Labels
    let externalURL: String
    /// Evaluation time (ms): `query` runs at it and `now` returns it.
    let timeMs: Int64
    let engine: Engine
}

/// `.Labels` and `.Value` of an alert template.
struct AlertTemplateData: Sendable {
    let labels: Labels
    let value: Double
}

/// Alert templates: Go text/template with Prometheus's functions, `missingkey=zero`, and the variable
/// definitions Prometheus puts in front of every label and annotation template.
enum RuleTemplates {
    /// Prometheus prepends these so templates can say `$labels.job` instead of `.Labels.job`.
    static let definitions = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    /// The parse error of a template as `promtool check rules` reports it, or nil when it parses.
    static func parseError(_ text: String, ruleName: String) -> String? {
        var functions = FunctionSet.prometheus
        functions.merge(FunctionSet.prometheusContext(externalURL: "", evaluationTimeMs: 0)) { _, b in b }
        functions["query"] = TemplateFunction(arity: 1) { _ in .samples([]) }
        var set = TemplateSet(functions: functions, missingKey: .zero)
        do { try set.parse(definitions + text, name: "__alert_" + ruleName) } catch { return error.message }
        return nil
    }

    /// Expands a template; an error becomes `<error expanding template: …>` as in Prometheus.
    /// Must not run on the concurrency pool when the template may call `query` (it waits for the query).
    static func expand(_ text: String, _ data: AlertTemplateData, _ context: TemplateContext) -> String {
        Prepared(text, context).expand(data, context)
    }

    /// A template parsed once for one evaluation of a rule, then expanded for each alert.
    struct Prepared {
        let name: String
        let set: Result<TemplateSet, TemplateError>

        init(_ text: String, _ context: TemplateContext) {
            name = "__alert_" + context.ruleName
            var functions = FunctionSet.prometheus
            functions.merge(FunctionSet.prometheusContext(externalURL: context.externalURL, evaluationTimeMs: context.timeMs)) { _, b in b }
            functions["query"] = RuleTemplates.queryFunction(context)
            var set = TemplateSet(functions: functions, missingKey: .zero)
            do {
                try set.parse(RuleTemplates.definitions + text, name: name)
                self.set = .success(set)
            } catch {
                self.set = .failure(error)
            }
        }

        func expand(_ data: AlertTemplateData, _ context: TemplateContext) -> String {
            let set: TemplateSet
            switch self.set {
            case .failure(let e): return "<error expanding template: error parsing template \(name): \(e.message)>"
            case .success(let s): set = s
            }
            let value: TemplateValue = .map([
                "Labels": .strings(Dictionary(data.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })),
                "ExternalLabels": .strings(Dictionary(context.externalLabels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })),
                "ExternalURL": .string(context.externalURL),
                "Value": .float(data.value),
            ])
            do { return try set.execute(name, data: value) } catch {
                return "<error expanding template: error executing template \(name): \(error.message)>"
            }
        }
    }

    /// `query "expr"`: an instant query at the evaluation time; the result is a list of samples
    /// (`first`, `value`, `label`, `sortByLabel` work on it). A scalar gives one sample without labels.
    static func queryFunction(_ context: TemplateContext) -> TemplateFunction {
        TemplateFunction(arity: 1) { args in
            let q = try args.string(0)
            let box = QueryBox()
            let done = DispatchSemaphore(value: 0)
            let engine = context.engine
            let t = context.timeMs
            Task {
                do { box.result = .success(try await engine.instantQuery(q, at: t).value) } catch { box.result = .failure(error) }
                done.signal()
            }
            done.wait()
            switch box.result {
            case .success(.vector(let v))?:
                return .samples(v.map { QuerySample(labels: Dictionary($0.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }), value: $0.v) })
            case .success(.scalar(_, let v))?:
                return .samples([QuerySample(labels: [:], value: v)])
            case .success?:
                throw TemplateFunctionError("rule result is not a vector or scalar")
            case .failure(let e)?:
                throw TemplateFunctionError((e as? PromQLError)?.message ?? "\(e)")
            case nil:
                throw TemplateFunctionError("query did not finish")
            }
        }
    }
}

/// Carries a query result from the task that runs it to the waiting template function.
private final class QueryBox: @unchecked Sendable {
    var result: Result<QueryValue, Error>?
}
