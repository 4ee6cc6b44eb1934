import Testing
@testable import GoTemplate

/// Alertmanager-shaped data built on the object protocol, as the Alerting module exposes it
/// (test data, not a peer: the real types live in Alerting).
struct TestKV: TemplateObject {
    let pairs: [String: String]
    var underlying: TemplateValue { .strings(pairs) }
    var sortedKeys: [String] { pairs.keys.sorted() }

    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "Names": return .list(sortedKeys.map { .string($0) })
        case "Values": return .list(sortedKeys.map { .string(pairs[$0]!) })
        case "SortedPairs": return .object(TestPairs(pairs: sortedKeys.map { ($0, pairs[$0]!) }))
        case "Remove":
            guard arguments.count == 1, case .list(let names) = arguments[0] else {
                throw TemplateFunctionError("wrong number of args for Remove: want 1 got \(arguments.count)")
            }
            var rest = pairs
            for n in names { if let s = n.stringValue { rest[s] = nil } }
            return .object(TestKV(pairs: rest))
        default: return nil
        }
    }
}

struct TestPairs: TemplateObject {
    let pairs: [(String, String)]
    var underlying: TemplateValue { .list(pairs.map { .map(["Name": .string($0.0), "Value": .string($0.1)]) }) }
    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "Names": return .list(pairs.map { .string($0.0) })
        case "Values": return .list(pairs.map { .string($0.1) })
        default: return nil
        }
    }
}

struct TestAlert: TemplateObject {
    let status: String
    let labels: [String: String]
    var annotations: [String: String] = [:]
    var generatorURL = ""
    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "Status": return .string(status)
        case "Labels": return .object(TestKV(pairs: labels))
        case "Annotations": return .object(TestKV(pairs: annotations))
        case "GeneratorURL": return .string(generatorURL)
        case "StartsAt": return .time(sampleTime)
        default: return nil
        }
    }
    var typeName: String { "template.Alert" }
}

struct TestAlerts: TemplateObject {
    let all: [TestAlert]
    var underlying: TemplateValue { .list(all.map { .object($0) }) }
    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "Firing": return .object(TestAlerts(all: all.filter { $0.status == "firing" }))
        case "Resolved": return .object(TestAlerts(all: all.filter { $0.status == "resolved" }))
        default: return nil
        }
    }
}

let alertData: TemplateValue = .map([
    "Receiver": .string("team pager"),
    "ExternalURL": .string("http://am.example:9093"),
    "CommonAnnotations": .object(TestKV(pairs: ["summary": "p99 > 1s"])),
    "Status": .string("firing"),
    "Alerts": .object(TestAlerts(all: [
        TestAlert(status: "firing", labels: ["alertname": "HighLatency", "instance": "a", "job": "api"],
                  annotations: ["summary": "p99 > 1s", "runbook": "<see wiki>"], generatorURL: "http://prom.example/graph?g0.expr=x&g0.tab=1"),
        TestAlert(status: "resolved", labels: ["alertname": "HighLatency", "instance": "b", "job": "api"]),
        TestAlert(status: "firing", labels: ["alertname": "HighLatency", "instance": "c", "job": "api"]),
    ])),
    "GroupLabels": .object(TestKV(pairs: ["alertname": "HighLatency"])),
    "CommonLabels": .object(TestKV(pairs: ["alertname": "HighLatency", "job": "api", "severity": "page"])),
])

@Suite struct TemplateSetTests {
    @Test func objectsExposeFieldsMethodsAndTheirUnderlyingValue() throws {
        let am = FunctionSet.alertmanager()
        func run(_ t: String) throws -> String { try render(t, alertData, functions: am) }
        #expect(try run("{{ range .Alerts.Firing }}{{ .Labels.instance }}{{ end }}") == "ac")
        #expect(try run("{{ len .Alerts }} {{ .Alerts.Resolved | len }} {{ len .CommonLabels }}") == "3 1 3")
        #expect(try run("{{ .CommonLabels.job }} {{ .CommonLabels.SortedPairs.Values }}") == "api [HighLatency api page]")
        #expect(try run("{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}") == "alertname=HighLatency job=api severity=page ")
        #expect(try run("{{ (.CommonLabels.Remove .GroupLabels.Names).Values | join \",\" }}") == "api,page")
        #expect(try run("{{ .GroupLabels }}") == "map[alertname:HighLatency]")
        #expect(try run("{{ range .Alerts }}{{ .Status }} {{ end }}") == "firing resolved firing ")
        #expect(try run("{{ with index .Alerts 1 }}{{ .Labels.instance }}{{ end }}") == "b")
        #expect(failure("{{ range .Alerts }}{{ .Nope }}{{ end }}", alertData, functions: am)
            == "template: t:1:22: executing \"t\" at <.Nope>: can't evaluate field Nope in type template.Alert")
        #expect(failure("{{ .CommonLabels.Remove }}", alertData, functions: am)
            == "template: t:1:3: executing \"t\" at <.CommonLabels.Remove>: wrong number of args for Remove: want 1 got 0")
    }

    /// Alertmanager's default `__subject` template, verbatim.
    @Test func alertmanagerSubject() throws {
        var set = TemplateSet(functions: .alertmanager())
        try set.parse(#"""
        {{ define "__subject" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.SortedPairs.Values | join " " }} {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}{{ end }}
        {{ define "slack.default.title" }}{{ template "__subject" . }}{{ end }}
        """#, name: "default.tmpl")
        #expect(try set.execute("slack.default.title", data: alertData) == "[FIRING:2] HighLatency (api page)")
    }

    @Test func severalSourcesShareOneNamespace() throws {
        var set = TemplateSet(functions: .alertmanager())
        try set.parse(#"{{ define "title" }}default {{ .Status }}{{ end }}{{ define "body" }}[{{ template "title" . }}]{{ end }}"#, name: "default.tmpl")
        #expect(try set.execute("body", data: alertData) == "[default firing]")
        // A user file redefines "title"; "body" picks it up.
        try set.parse(#"{{ define "title" }}custom {{ .Status | toUpper }}{{ end }}"#, name: "user.tmpl")
        #expect(try set.execute("body", data: alertData) == "[custom FIRING]")
        #expect(set.templateNames == ["body", "default.tmpl", "title", "user.tmpl"])
        #expect(set.contains("title") && !set.contains("nope"))
        // An empty definition does not replace a real one.
        try set.parse(#"{{ define "title" }}  {{ end }}"#, name: "empty.tmpl")
        #expect(try set.execute("body", data: alertData) == "[custom FIRING]")
        // A block is a default that a later definition overrides.
        try set.parse(#"{{ block "footer" . }}default footer{{ end }}"#, name: "layout.tmpl")
        #expect(try set.execute("layout.tmpl", data: .nil) == "default footer")
        try set.parse(#"{{ define "footer" }}my footer{{ end }}"#, name: "mine.tmpl")
        #expect(try set.execute("layout.tmpl", data: .nil) == "my footer")
    }

    @Test func aFailedParseAddsNothing() throws {
        var set = TemplateSet()
        try set.parse(#"{{ define "a" }}A{{ end }}"#, name: "one")
        #expect(throws: TemplateError.self) { try set.parse(#"{{ define "a" }}B{{ end }}{{ define "b" }}{{ .X"#, name: "two") }
        #expect(try set.execute("a", data: .nil) == "A")
        #expect(!set.contains("b"))
    }

    @Test func errorsNameTheFileAndTheExecutingTemplate() {
        var set = TemplateSet(functions: .alertmanager())
        #expect(throws: TemplateError(kind: .parse, message: "template: user.tmpl:2: function \"nope\" not defined")) {
            try set.parse("{{ define \"x\" }}\n{{ nope }}{{ end }}", name: "user.tmpl")
        }
        #expect(throws: TemplateError(kind: .execution,
                                      message: "template: user.tmpl:2:5: executing \"x\" at <.Status.Foo>: can't evaluate field Foo in type string")) {
            try set.parse("{{ define \"x\" }}\n  {{ .Status.Foo }}{{ end }}", name: "user.tmpl")
            _ = try set.execute("x", data: alertData)
        }
        #expect(throws: TemplateError(kind: .execution, message: "template: no template \"missing\" associated with template \"missing\"")) {
            _ = try set.execute("missing", data: .nil)
        }
    }

    @Test func callersAddAndOverrideFunctions() throws {
        var functions = FunctionSet.prometheus
        functions["double"] = TemplateFunction(arity: 1) { a in .float(try a.float(0) * 2) }
        functions["greet"] = TemplateFunction(minArguments: 0, maxArguments: 1) { a in .string("hi " + (a.isEmpty ? "you" : try a.string(0))) }
        functions["len"] = TemplateFunction(arity: 1) { _ in .int(-1) }
        functions["fn"] = TemplateFunction(arity: 0) { _ in .function(TemplateFunction(arity: 2) { a in .int(try a.float(0) > a.float(1) ? 1 : 0) }) }
        #expect(try render("{{ double 21 }} {{ 1.5 | double }} {{ greet }} {{ greet \"bob\" }} {{ len \"abc\" }}", functions: functions)
            == "42 3 hi you hi bob -1")
        #expect(try render("{{ call fn 2 1 }} {{ call (fn) 1 2 }}", functions: functions) == "1 0")
        #expect(failure("{{ greet 1 2 }}", functions: functions)
            == "template: t:1:3: executing \"t\" at <greet>: wrong number of args for greet: want 0 to 1 got 2")
        #expect(failure("{{ double \"x\" }}", functions: functions).hasSuffix("error calling double: strconv.ParseFloat: parsing \"x\": invalid syntax"))
        #expect(failure("{{ call 1 }}", functions: functions).hasSuffix("error calling call: non-function of type int"))
        #expect(failure("{{ call }}", functions: functions) == "template: t:1:3: executing \"t\" at <call>: wrong number of args for call: want at least 1 got 0")
    }
}

@Suite struct HTMLModeTests {
    @Test func actionsAreEscapedUnlessSafe() throws {
        let data: TemplateValue = .map(["V": .string("<x>&\"'+")])
        #expect(try render("<b>{{ .V }}</b>", data, mode: .html) == "<b>&lt;x&gt;&amp;&#34;&#39;&#43;</b>")
        #expect(try render("<b>{{ .V }}</b>", data, mode: .text) == "<b><x>&\"'+</b>")
        #expect(try render("{{ safeHtml \"<br>\" }}{{ .V | safeHtml }}", data, mode: .html) == "<br><x>&\"'+")
        #expect(try render("{{ define \"x\" }}<i>{{ . }}</i>{{ end }}{{ template \"x\" .V }}", data, mode: .html) == "<i>&lt;x&gt;&amp;&#34;&#39;&#43;</i>")
        #expect(try render("<a href=\"{{ .U }}\">", .map(["U": .string("http://x/?a=1&b=2")]), mode: .html) == "<a href=\"http://x/?a=1&amp;b=2\">")
        #expect(try render("{{ 42 }} {{ .L }}", .map(["L": .list([.string("<")])]), mode: .html) == "42 [&lt;]")
        // Checked against `amtool template render --template.type=html` (Alertmanager 0.25).
        #expect(try render(#"<a href="{{ .U }}">{{ "a+b 'q'" }} {{ safeHtml "<b>" }}</a><p title="{{ "x y&z" }}">"#,
                           .map(["U": .string("http://prom.example/graph?g0.expr=x&g0.tab=1")]), mode: .html)
            == #"<a href="http://prom.example/graph?g0.expr=x&amp;g0.tab=1">a&#43;b &#39;q&#39; <b></a><p title="x y&amp;z">"#)
    }
}

@Suite struct LimitTests {
    @Test func hugeRangeStops() {
        #expect(failure("{{ range 2000000000 }}{{ end }}").contains("exceeds \(Limits.rangeIterationsMax) iterations"))
        #expect(failure("{{ range 1000 }}{{ range 1000 }}{{ range 10 }}{{ end }}{{ end }}{{ end }}")
            .contains("more than \(Limits.rangeIterationsMax) range iterations"))
    }

    @Test func endlessRecursionStops() {
        let text = "{{ define \"r\" }}x{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}"
        #expect(failure(text).hasSuffix("exceeded maximum template depth (\(Limits.executionDepthMax))"))
    }

    @Test func outputAndValueSizeAreBounded() {
        #expect(failure("{{ range 1000000 }}{{ printf \"%100s\" \"\" }}{{ end }}").contains("output larger than \(Limits.outputBytesMax) bytes"))
        #expect(failure("{{ $x := \"ab\" }}{{ range 40 }}{{ $x = printf \"%s%s\" $x $x }}{{ end }}")
            .contains("value larger than \(Limits.outputBytesMax) bytes"))
    }
}
