import Testing
@testable import GoTemplate

@Suite struct SyntaxTests {
    @Test(arguments: [
        ("a {{- 1 }} b", "a1 b"),
        ("a {{ 1 -}} b", "a 1b"),
        ("a \n\t {{- 1 -}} \n b", "a1b"),
        ("{{- 1 -}}", "1"),
        ("x{{-3}}", "x-3"),  // "-3" without a space is a number, not a trim marker
        ("x {{3 -}}y", "x 3y"),
        ("a {{/* comment */}} b", "a  b"),
        ("a {{- /* comment */ -}} b", "ab"),
        ("a{{/* multi\nline */}}b", "ab"),
        ("{{ \"a\" }}{{ `raw\\n` }}", "araw\\n"),
        ("{{ \"tab\\there\\n\" }}", "tab\there\n"),
        ("{{ \"\\x41\\u00e9\\101\" }}", "AéA"),
        ("{{ 'a' }} {{ '\\n' }} {{ '\\'' }}", "97 10 39"),
        ("{{ 42 }} {{ -7 }} {{ +3 }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000_000 }}", "42 -7 3 31 15 15 5 1000000"),
        ("{{ 1.5 }} {{ 1e3 }} {{ 1e6 }} {{ .5 }} {{ 3.0 }} {{ 1.5e-7 }} {{ 0x1p-2 }}", "1.5 1000 1e+06 0.5 3 1.5e-07 0.25"),
        ("{{ true }} {{ false }}", "true false"),
        ("{{ .Int }}{{.Str}}", "42text"),
        ("{{ . | printf \"%T\" }}", "map[string]interface {}"),
        ("{{ .Nested.Inner.Leaf }}", "deep"),
        ("{{ (.Nested.Inner).Leaf }}", "deep"),
        ("{{ $x := .Nested }}{{ $x.Inner.Leaf }}", "deep"),
        ("{{ .Str | printf \"%s!\" | printf \"[%s]\" }}", "[text!]"),
        ("{{ printf \"%d-%s\" (len .List) (index .List 1) }}", "3-b"),
        ("{{ len (printf \"%s%s\" .Str .Str) }}", "8"),
        ("{{\n.Int\n}}", "42"),
    ])
    func parsesAndPrints(_ text: String, _ expected: String) throws {
        #expect(try render(text) == expected)
    }

    @Test(arguments: [
        ("{{ .Int", "template: t:1: unclosed action"),
        ("line1\n{{ .Int\n\n", "template: t:4: unclosed action started at t:2"),
        ("{{ nope 1 }}", "template: t:1: function \"nope\" not defined"),
        ("{{ $x }}", "template: t:1: undefined variable \"$x\""),
        ("{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}", "template: t:1: undefined variable \"$x\""),
        ("{{ if }}x{{ end }}", "template: t:1: missing value for if"),
        ("{{ if true }}x", "template: t:1: unexpected EOF"),
        ("{{ end }}", "template: t:1: unexpected {{end}}"),
        ("{{ else }}", "template: t:1: unexpected {{else}}"),
        ("a\n{{ ) }}", "template: t:2: unexpected right paren"),
        ("{{ ( 1 }}", "template: t:1: unclosed left paren"),
        ("{{ (end -}}", "template: t:1: unexpected <end> in parenthesized pipeline"),
        ("{{ (1 -}}", "template: t:1: unclosed left paren"),
        ("{{ \"abc }}", "template: t:1: unterminated quoted string"),
        ("{{ `abc }}", "template: t:1: unterminated raw quoted string"),
        ("{{ 'ab' }}", "template: t:1: malformed character constant: 'ab'"),
        ("{{ 3x }}", "template: t:1: bad number syntax: \"3x\""),
        ("{{ 1 | 2 }}", "template: t:1: non executable command in pipeline stage 2"),
        ("{{ .Int # }}", "template: t:1: unrecognized character in action: U+0023 '#'"),
        ("{{ break }}", "template: t:1: {{break}} outside {{range}}"),
        ("{{ continue }}", "template: t:1: {{continue}} outside {{range}}"),
        ("{{ template .Str }}", "template: t:1: unexpected \".Str\" in template clause"),
        ("{{ define \"a\" }}x{{ end }}{{ define \"a\" }}y{{ end }}", "template: t:1: template: multiple definition of template \"a\""),
        ("{{ if true }}{{ define \"a\" }}x{{ end }}{{ end }}", "template: t:1: unexpected <define> in command"),
        ("{{/* unclosed", "template: t:1: unclosed comment"),
        ("{{/* a */ 1 }}", "template: t:1: comment ends before closing delimiter"),
        ("{{ \"a\".Field }}", "template: t:1: unexpected . after term \"\\\"a\\\"\""),
        ("{{ $a, $b := 1 }}", "template: t:1: too many declarations in command"),
        ("{{ range $a, $b, $c := .List }}{{ end }}", "template: t:1: too many declarations in range"),
        ("{{ \"\\q\" }}", "template: t:1: invalid syntax"),
        ("{{ .Int }}\n{{ else }}", "template: t:2: unexpected {{else}}"),
    ])
    func parseErrorsReadAsGo(_ text: String, _ message: String) {
        #expect(failure(text) == message)
    }

    @Test func parseErrorsAreParseKind() {
        #expect(throws: TemplateError.self) { _ = try render("{{ .Int") }
        do {
            _ = try render("{{ nope }}")
        } catch {
            #expect(error.kind == .parse)
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(failure("{{ \(text) }}").contains("nesting deeper than"))
        let ifs = String(repeating: "{{ if true }}", count: 3000) + String(repeating: "{{ end }}", count: 3000)
        #expect(failure(ifs).contains("nesting deeper than"))
    }

    @Test func aParseErrorInsideABlockWithinARangeIsAnErrorNotACrash() {
        // Found by the fuzz target: the block's own variable scope was not restored when its body failed to parse.
        #expect(failure("{{ range $i, $e := .List }}{{ $i }}{{ block \"b\" .Int }}<{{ . }}>{{ en }}").contains("function \"en\" not defined"))
        #expect(failure("{{ with $x := 1 }}{{ block \"b\" . }}{{ $x }}{{ end }}{{ end }}").contains("undefined variable"))
    }
}
