import Testing
@testable import GoTemplate

@Suite struct ExecutionTests {
    @Test(arguments: [
        // printing as fmt.Sprint
        ("{{ .Int }} {{ .Float }} {{ .Str }} {{ .True }}", "42 1.5 text true"),
        ("{{ .List }} {{ .Ints }} {{ .EmptyList }}", "[a b c] [1 2 3] []"),
        ("{{ .Labels }}", "map[instance:host1:9100 job:api severity:critical]"),
        ("{{ .Nil }} {{ .Missing }} {{ .Labels.missing }} {{ .Missing.Deeper }}", "<nil> <no value> <no value> <no value>"),
        ("{{ 1000000.0 }} {{ 123456.0 }} {{ 1234567.0 }} {{ 0.0001 }} {{ 0.00001 }} {{ 100.0 }}", "1e+06 123456 1.234567e+06 0.0001 1e-05 100"),
        // if / else if / else
        ("{{ if .Int }}yes{{ end }}", "yes"),
        ("{{ if .Zero }}yes{{ else }}no{{ end }}", "no"),
        ("{{ if .Empty }}a{{ else if .EmptyList }}b{{ else if .EmptyMap }}c{{ else if .Nil }}d{{ else }}e{{ end }}", "e"),
        ("{{ if .Missing }}a{{ else if .Str }}b{{ end }}", "b"),
        ("{{ if and .Int .Str }}both{{ end }}", "both"),
        ("{{ if not .Zero }}zero{{ end }}", "zero"),
        // range
        ("{{ range .List }}<{{ . }}>{{ end }}", "<a><b><c>"),
        ("{{ range $i, $e := .List }}{{ $i }}={{ $e }} {{ end }}", "0=a 1=b 2=c "),
        ("{{ range $e := .List }}{{ $e }}{{ end }}", "abc"),
        ("{{ range .EmptyList }}x{{ else }}empty{{ end }}", "empty"),
        ("{{ range .Missing }}x{{ else }}none{{ end }}", "none"),
        ("{{ range $k, $v := .Labels }}{{ $k }}={{ $v }};{{ end }}", "instance=host1:9100;job=api;severity=critical;"),
        ("{{ range .Labels }}{{ . }},{{ end }}", "host1:9100,api,critical,"),
        ("{{ range 3 }}{{ . }}{{ end }}", "012"),
        ("{{ range 0 }}x{{ else }}none{{ end }}", "none"),
        ("{{ range .Ints }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ . }}{{ end }}", "13"),
        ("{{ range .Ints }}{{ if eq . 2 }}{{ break }}{{ end }}{{ . }}{{ end }}", "1"),
        ("{{ range .List }}{{ $.Int }}{{ end }}", "424242"),
        ("{{ range $i, $e := .Ints }}{{ range $.List }}{{ $i }}{{ . }}{{ end }};{{ end }}", "0a0b0c;1a1b1c;2a2b2c;"),
        // with
        ("{{ with .Str }}[{{ . }}]{{ end }}", "[text]"),
        ("{{ with .Empty }}x{{ else }}else{{ end }}", "else"),
        ("{{ with .Empty }}a{{ else with .Zero }}b{{ else with .Str }}{{ . }}{{ else }}d{{ end }}", "text"),
        ("{{ with $x := .Nested.Inner }}{{ $x.Leaf }}{{ .Leaf }}{{ end }}", "deepdeep"),
        // variables and scoping
        ("{{ $x := 1 }}{{ $x }}", "1"),
        ("{{ $x := 1 }}{{ range .Ints }}{{ $x = . }}{{ end }}{{ $x }}", "3"),
        ("{{ $x := 1 }}{{ with 2 }}{{ $x := 5 }}{{ $x }}{{ end }}{{ $x }}", "51"),
        ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2"),
        ("{{ $ }}", "map[Empty: EmptyList:[] EmptyMap:map[] Float:1.5 Int:42 Ints:[1 2 3] Labels:map[instance:host1:9100 job:api severity:critical] List:[a b c] Nested:map[Inner:map[Leaf:deep]] Nil:<nil> Str:text True:true Zero:0]"),
        ("{{ with .Nested }}{{ $.Str }}{{ end }}", "text"),
        ("{{ $x := .Labels }}{{ $x.job }}", "api"),
        // define / template / block
        ("{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" .Str }}{{ template \"x\" 3 }}", "[text][3]"),
        ("{{ define \"x\" }}[{{ . }}]{{ end }}{{ template \"x\" }}", "[<no value>]"),
        ("{{ define \"x\" }}{{ $ }}{{ end }}{{ template \"x\" .Int }}", "42"),
        ("{{ block \"b\" .Str }}<{{ . }}>{{ end }}", "<text>"),
        ("{{ define \"a\" }}A{{ template \"b\" . }}{{ end }}{{ define \"b\" }}B{{ . }}{{ end }}{{ template \"a\" 1 }}", "AB1"),
        // comparison and logic
        ("{{ eq .Str \"text\" }} {{ eq .Int 42 }} {{ eq .Int 1 2 42 }} {{ eq .Float 1.5 }} {{ eq .True true }}", "true true true true true"),
        ("{{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }}", "true true true true false"),
        ("{{ lt 1.5 2.5 }} {{ gt \"b\" \"a\" }} {{ lt \"B\" \"a\" }}", "true true true"),
        ("{{ eq .Nil nil }} {{ eq .Missing \"x\" }} {{ eq .Str nil }}", "true false false"),
        ("{{ and 1 \"\" 2 }}|{{ and 1 2 }}|{{ or \"\" 0 }}|{{ or \"\" \"z\" 1 }}", "|2|0|z"),
        ("{{ or 1 .Nil.X }}", "1"),
        ("{{ and 0 .Nil.X }}", "0"),
        ("{{ not 0 }} {{ not \"x\" }}", "true false"),
        // builtins
        ("{{ len .List }} {{ len .Labels }} {{ len .Str }} {{ len \"é\" }}", "3 3 4 2"),
        ("{{ index .List 1 }} {{ index .Labels \"job\" }} {{ index .Nested \"Inner\" \"Leaf\" }}", "b api deep"),
        ("{{ index .Labels \"missing\" }}|", "|"),
        ("{{ slice .List 1 }} {{ slice .List 1 2 }} {{ slice .Str 1 3 }} {{ slice .Str }}", "[b c] [b] ex text"),
        ("{{ print 1 2 \"a\" 3 \"b\" \"c\" }}|{{ print \"a\" \"b\" }}|{{ print 1.5 true }}", "1 2a3bc|ab|1.5 true"),
        ("{{ println 1 \"a\" }}|", "1 a\n|"),
        ("{{ html \"<a href='x'>&\\\"</a>\" }}", "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;"),
        ("{{ js \"a'b\\\"c<d>&=\\n\" }}", "a\\'b\\\"c\\u003Cd\\u003E\\u0026\\u003D\\u000A"),
        ("{{ urlquery \"a b&c=d/é\" }}", "a+b%26c%3Dd%2F%C3%A9"),
        ("{{ .Str | len }} {{ \"abc\" | printf \"%s-%s\" \"x\" }}", "4 x-abc"),
    ])
    func executesAsGo(_ text: String, _ expected: String) throws {
        #expect(try render(text) == expected)
    }

    @Test(arguments: [
        ("{{ .Int.X }}", "template: t:1:3: executing \"t\" at <.Int.X>: can't evaluate field X in type int"),
        ("a\n  {{ .Int.X }}", "template: t:2:5: executing \"t\" at <.Int.X>: can't evaluate field X in type int"),
        ("{{ .Nil.X }}", "template: t:1:3: executing \"t\" at <.Nil.X>: nil pointer evaluating interface {}.X"),
        ("{{ len .Int }}", "template: t:1:3: executing \"t\" at <len .Int>: error calling len: len of type int"),
        ("{{ len }}", "template: t:1:3: executing \"t\" at <len>: wrong number of args for len: want 1 got 0"),
        ("{{ index .List 5 }}", "template: t:1:3: executing \"t\" at <index .List 5>: error calling index: index out of range: 5"),
        ("{{ index .List \"a\" }}", "template: t:1:3: executing \"t\" at <index .List \"a\">: error calling index: cannot index slice/array with type string"),
        ("{{ template \"missing\" }}", "template: t:1:3: executing \"t\" at <{{template \"missing\"}}>: template \"missing\" not defined"),
        ("{{ .Str 1 }}", "template: t:1:3: executing \"t\" at <.Str>: Str is not a method but has arguments"),
        ("{{ 1 2 }}", "template: t:1:3: executing \"t\" at <1>: can't give argument to non-function 1"),
        ("{{ nil }}", "template: t:1:3: executing \"t\" at <nil>: nil is not a command"),
        ("{{ eq 1 1.0 }}", "template: t:1:3: executing \"t\" at <eq 1 1.0>: error calling eq: incompatible types for comparison"),
        ("{{ gt .Float 1 }}", "template: t:1:3: executing \"t\" at <gt .Float 1>: error calling gt: incompatible types for comparison"),
        ("{{ lt .List 1 }}", "template: t:1:3: executing \"t\" at <lt .List 1>: error calling lt: invalid type for comparison"),
        ("{{ eq 1 }}", "template: t:1:3: executing \"t\" at <eq 1>: error calling eq: missing argument for comparison"),
        ("{{ range .True }}{{ end }}", "template: t:1:9: executing \"t\" at <.True>: range can't iterate over true"),
        ("{{ range $i, $e := 3 }}{{ end }}", "template: t:1:19: executing \"t\" at <3>: can't use 3 to iterate over more than one variable"),
        ("{{ define \"d\" }}{{ .Inner.Leaf.X }}{{ end }}{{ template \"d\" .Nested }}", "template: t:1:19: executing \"d\" at <.Inner.Leaf.X>: can't evaluate field X in type string"),
        ("{{ printf 1 }}", "template: t:1:3: executing \"t\" at <printf>: wrong type for value; expected string; got int"),
    ])
    func executionErrorsReadAsGo(_ text: String, _ message: String) {
        #expect(failure(text) == message)
    }

    @Test func rangeOverIntPrintsNothingWithoutBody() throws {
        // (pins that ranging an int runs the body that many times; the body here is empty)
        #expect(try render("{{ range .Int }}{{ end }}") == "")
        #expect(try render("{{ range $i := 4 }}{{ $i }}{{ end }}") == "0123")
    }

    @Test func missingKeyOptions() throws {
        #expect(try render("[{{ .Labels.nope }}]", missingKey: .noValue) == "[<no value>]")
        #expect(try render("[{{ .Labels.nope }}]", missingKey: .zero) == "[]")
        #expect(failure("{{ .Labels.nope }}", missingKey: .error)
            == "template: t:1:3: executing \"t\" at <.Labels.nope>: map has no entry for key \"nope\"")
    }

    @Test func missingValuePassedToAFunctionIsNil() throws {
        #expect(try render("{{ printf \"%v\" .Missing }}") == "<nil>")
        #expect(try render("{{ .Missing | printf \"%v\" }}") == "<nil>")
    }

    @Test func executionErrorsAreExecutionKind() {
        do {
            _ = try render("{{ .Int.X }}")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .execution)
        }
    }
}
