import GoTemplate

/// Data most tests run against: the shapes Prometheus and Alertmanager templates see.
let sampleData: TemplateValue = .map([
    "Int": .int(42),
    "Zero": .int(0),
    "Float": .float(1.5),
    "Str": .string("text"),
    "Empty": .string(""),
    "List": .list([.string("a"), .string("b"), .string("c")]),
    "Ints": .list([.int(1), .int(2), .int(3)]),
    "EmptyList": .list([]),
    "Labels": .strings(["job": "api", "instance": "host1:9100", "severity": "critical"]),
    "EmptyMap": .map([:]),
    "Nil": .nil,
    "True": .bool(true),
    "Nested": .map(["Inner": .map(["Leaf": .string("deep")])]),
])

/// Parses `text` as template "t" with the Prometheus functions and executes it.
func render(_ text: String, _ data: TemplateValue = sampleData, functions: FunctionSet = .prometheus,
            mode: TemplateSet.Mode = .text, missingKey: TemplateSet.MissingKey = .noValue) throws(TemplateError) -> String {
    try TemplateSet.render(text, name: "t", data: data, functions: functions, mode: mode, missingKey: missingKey)
}

/// The error message `text` fails with (parse or execution), or "no error: <output>".
func failure(_ text: String, _ data: TemplateValue = sampleData, functions: FunctionSet = .prometheus,
             missingKey: TemplateSet.MissingKey = .noValue) -> String {
    do {
        return "no error: " + (try render(text, data, functions: functions, missingKey: missingKey))
    } catch {
        return error.message
    }
}
