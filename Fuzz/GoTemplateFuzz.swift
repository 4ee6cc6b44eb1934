// libFuzzer target for the Go template engine. Not part of the SwiftPM package: scripts/fuzz-gotemplate.sh
// compiles this file together with Sources/GoTemplate/*.swift into one module.
//
// Every input is parsed as a template with the Prometheus and Alertmanager functions; what parses is executed
// against fixed data in text and HTML mode. Besides "never crash, never hang" (deep nesting, endless
// recursion and huge loops must be errors), it checks that errors have Go's shape and the right kind, that
// output stays under the limit, and that execution is deterministic.

import Foundation
import OspreyCore

let fuzzFunctions: FunctionSet = {
    var f = FunctionSet.alertmanager(clock: ManualClock(1_700_000_000_000))
    f.merge(.prometheus, uniquingKeysWith: { am, _ in am })
    f.merge(.prometheusContext(externalURL: "http://localhost:9090/", evaluationTimeMs: 1_700_000_000_000), uniquingKeysWith: { $1 })
    f["query"] = TemplateFunction(arity: 1) { _ in
        .samples([QuerySample(labels: ["instance": "a:9100", "job": "node"], value: 0.25), QuerySample(labels: ["instance": "b"], value: 3)])
    }
    // Swift's regex engine backtracks: bound the text regexes see so one input cannot run for minutes.
    for name in ["match", "reReplaceAll"] {
        let original = f[name]!
        f[name] = TemplateFunction(minArguments: original.minArguments, maxArguments: original.maxArguments) { a in
            for v in a { if let s = v.stringValue, s.utf8.count > 16 { return .string("") } }
            return try original.call(name, a)
        }
    }
    return f
}()

let fuzzData: TemplateValue = .map([
    "Int": .int(42), "Float": .float(0.5), "Str": .string("a<b>&c"), "Empty": .string(""), "Nil": .nil, "True": .bool(true),
    "List": .list([.string("x"), .int(1), .float(2.5), .nil]), "Labels": .strings(["job": "api", "instance": "h:1"]),
    "Time": .time(GoTime(seconds: 1_700_000_000, nanoseconds: 5)), "Dur": .duration(1_500_000_000),
    "Samples": .samples([QuerySample(labels: ["a": "b"], value: 1)]),
    "Nested": .map(["Inner": .list([.map(["Leaf": .string("deep")])])]),
])

@_cdecl("LLVMFuzzerTestOneInput")
public func goTemplateFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    for mode in [TemplateSet.Mode.text, .html] {
        var set = TemplateSet(functions: fuzzFunctions, mode: mode)
        do {
            try set.parse(text, name: "fuzz")
        } catch {
            precondition(error.kind == .parse, "parse threw an execution error: \(error)")
            precondition(error.message.hasPrefix("template: fuzz:"), "parse error without the template position: \(error)")
            return 0
        }
        precondition(set.contains("fuzz"), "parsed template missing from its set")
        for name in set.templateNames {
            let first = run(set, name)
            precondition(first == run(set, name), "two executions of \(name.debugDescription) differ")
        }
    }
    return 0
}

func run(_ set: TemplateSet, _ name: String) -> String {
    do {
        let out = try set.execute(name, data: fuzzData)
        precondition(out.utf8.count <= Limits.outputBytesMax, "output over the limit")
        return out
    } catch {
        precondition(error.kind == .execution, "execution threw a parse error: \(error)")
        precondition(error.message.hasPrefix("template: "), "execution error without the prefix: \(error)")
        return "error: " + error.message
    }
}

/// With OSPREY_FUZZ_WRITE_SEEDS=<dir> set, writes the seed corpus there and exits (the script runs this once).
@_cdecl("LLVMFuzzerInitialize")
public func goTemplateFuzzInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let dir = ProcessInfo.processInfo.environment["OSPREY_FUZZ_WRITE_SEEDS"] else { return 0 }
    for (i, text) in goTemplateSeeds.enumerated() {
        let url = URL(fileURLWithPath: dir).appendingPathComponent("seed-\(i).tmpl")
        do {
            try Data(text.utf8).write(to: url)
        } catch {
            FileHandle.standardError.write(Data("cannot write seed \(url.path): \(error)\n".utf8))
            exit(1)
        }
    }
    exit(0)
}

let goTemplateSeeds: [String] = [
    #"{{ $labels := .Labels }}{{ $value := .Float }}{{ $labels.instance }} is at {{ $value | humanizePercentage }}"#,
    #"{{- if gt .Float 0.1 -}} high {{- else if eq .Int 42 }} answer {{ else }}low{{ end -}}"#,
    #"{{ range $i, $e := .List }}{{ $i }}={{ printf "%v|%5.2f|%-4s|%q" $e 3.14159 "ab" "x\ty" }}{{ else }}none{{ end }}"#,
    #"{{ range $k, $v := .Labels }}{{ if eq $k "job" }}{{ continue }}{{ end }}{{ $k }}:{{ $v }}{{ break }}{{ end }}"#,
    #"{{ with query "up" }}{{ . | first | value | humanize }} {{ range . | sortByLabel "instance" }}{{ .Labels.instance | stripPort }}{{ end }}{{ end }}"#,
    #"{{ define "a" }}[{{ . }}]{{ end }}{{ template "a" .Str }}{{ block "b" .Int }}<{{ . }}>{{ end }}"#,
    #"{{/* comment */}}{{ html .Str }} {{ js .Str }} {{ urlquery .Str }} {{ len .List }} {{ index .Nested.Inner 0 "Leaf" }} {{ slice .Str 1 3 }}"#,
    #"{{ .Time | date "2006-01-02T15:04:05Z07:00" }} {{ .Time | tz "Europe/Berlin" | date "Mon Jan _2 15:04 MST" }} {{ since .Time }} {{ .Dur }}"#,
    #"{{ reReplaceAll "(a)(b)" "$2${1}" "abab" }} {{ match "^a" "ab" }} {{ title "hello world" | toUpper }} {{ join "," (stringSlice "a" "b") }}"#,
    #"{{ humanize 1234567 }} {{ humanize1024 1048576 }} {{ humanizeDuration 3723 }} {{ humanizeTimestamp 1435065584.128 }} {{ 0x1F }} {{ 1e6 }} {{ 'a' }}"#,
    #"{{ and 1 0 }} {{ or "" .Nil }} {{ not .True }} {{ (print 1 2).x }} {{ $x := 1 }}{{ $x = 2 }}{{ $x }} {{ call }}"#,
    #"{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}"#,
    "{{ if .Int }}\n{{ .Missing.Field }}{{ range 3 }}{{ . }}{{ end }}",
]
