import Testing
@testable import GoTemplate

/// Prometheus's template functions, with the outputs Prometheus gives.
@Suite struct PrometheusFunctionTests {
    private func call(_ function: String, _ value: TemplateValue) throws -> String {
        try render("{{ \(function) .V }}", .map(["V": value]))
    }

    @Test(arguments: [
        (0.0, "0"), (1.0, "1"), (12.0, "12"), (999.0, "999"), (1000.0, "1k"), (1234.0, "1.234k"), (1234567.0, "1.235M"),
        (12345678.0, "12.35M"), (1e9, "1G"), (1.5e12, "1.5T"), (1e15, "1P"), (1e18, "1E"), (1e21, "1Z"), (1e24, "1Y"),
        (1e27, "1000Y"), (1e30, "1e+06Y"), (0.12, "120m"), (0.0012, "1.2m"), (0.000001, "1u"), (1.5e-10, "150p"),
        (1e-15, "1f"), (-1234567.0, "-1.235M"), (-0.0012, "-1.2m"), (0.5, "500m"), (100.0, "100"),
    ])
    func humanize(_ v: Double, _ expected: String) throws {
        #expect(try call("humanize", .float(v)) == expected)
    }

    @Test func humanizeSpecialValuesAndTypes() throws {
        #expect(try call("humanize", .float(.nan)) == "NaN")
        #expect(try call("humanize", .float(.infinity)) == "+Inf")
        #expect(try call("humanize", .float(-.infinity)) == "-Inf")
        #expect(try call("humanize", .int(1234567)) == "1.235M")
        #expect(try call("humanize", .string("1234567")) == "1.235M")
        #expect(failure("{{ humanize \"abc\" }}")
            == "template: t:1:3: executing \"t\" at <humanize \"abc\">: error calling humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax")
        #expect(failure("{{ humanize .List }}")
            == "template: t:1:3: executing \"t\" at <humanize .List>: error calling humanize: can't convert []interface {} to float")
    }

    @Test(arguments: [
        (0.0, "0"), (1.0, "1"), (0.12, "0.12"), (-1.0, "-1"), (1023.0, "1023"), (1024.0, "1ki"), (1536.0, "1.5ki"),
        (1048576.0, "1Mi"), (-2048.0, "-2ki"), (1073741824.0, "1Gi"), (1649267441664.0, "1.5Ti"),
    ])
    func humanize1024(_ v: Double, _ expected: String) throws {
        #expect(try call("humanize1024", .float(v)) == expected)
    }

    @Test(arguments: [
        (0.0, "0s"), (1.0, "1s"), (60.0, "1m 0s"), (3600.0, "1h 0m 0s"), (86400.0, "1d 0h 0m 0s"),
        (90000.0, "1d 1h 0m 0s"), (-183845.0, "-2d 3h 4m 5s"), (899.99, "14m 59s"),
        (3723.0, "1h 2m 3s"), (0.1, "100ms"), (0.0001, "100us"), (0.12345, "123.5ms"), (60.1, "1m 0s"), (60.5, "1m 0s"),
        (1.2345, "1.234s"), (12.345, "12.35s"), (-1.5, "-1.5s"), (1e-9, "1ns"),
    ])
    func humanizeDuration(_ v: Double, _ expected: String) throws {
        #expect(try call("humanizeDuration", .float(v)) == expected)
    }

    @Test func humanizeDurationSpecialValues() throws {
        #expect(try call("humanizeDuration", .float(.nan)) == "NaN")
        #expect(try call("humanizeDuration", .float(.infinity)) == "+Inf")
        #expect(try call("humanizeDuration", .string("3723")) == "1h 2m 3s")
        #expect(try call("humanizeDuration", .duration(90_000_000_000)) == "1m 30s")
    }

    @Test(arguments: [(0.1234, "12.34%"), (0.0, "0%"), (1.0, "100%"), (0.5, "50%"), (0.12345, "12.35%"), (-0.25, "-25%"), (12.0, "1200%")])
    func humanizePercentage(_ v: Double, _ expected: String) throws {
        #expect(try call("humanizePercentage", .float(v)) == expected)
    }

    @Test func timestamps() throws {
        #expect(try call("humanizeTimestamp", .float(1435065584.128)) == "2015-06-23 13:19:44.128 +0000 UTC")
        #expect(try call("humanizeTimestamp", .float(0)) == "1970-01-01 00:00:00 +0000 UTC")
        #expect(try call("humanizeTimestamp", .float(.nan)) == "NaN")
        #expect(try call("humanizeTimestamp", .float(.infinity)) == "+Inf")
        #expect(try call("toTime", .float(1435065584.128)) == "2015-06-23 13:19:44.128 +0000 UTC")
        #expect(try render("{{ (toTime 1435065584).Format \"2006-01-02T15:04:05Z07:00\" }}") == "2015-06-23T13:19:44Z")
        #expect(try render("{{ (toTime 1435065584).Unix }}") == "1435065584")
        #expect(failure("{{ toTime 1e300 }}").hasSuffix("error calling toTime: 1e+300 cannot be represented as a nanoseconds timestamp since it overflows int64"))
        #expect(try render("{{ toDuration 90.5 }}") == "1m30.5s")
    }

    @Test func textFunctions() throws {
        #expect(try render("{{ title \"hello wORLD foo_bar x-y\" }}") == "Hello WORLD Foo_bar X-Y")
        #expect(try render("{{ toUpper \"aBc\" }} {{ toLower \"AbC\" }}") == "ABC abc")
        #expect(try render("{{ match \"a+\" \"xaax\" }} {{ match \"^a+$\" \"xaax\" }}") == "true false")
        #expect(try render("{{ \"xaax\" | match \"a\" }}") == "true")
        #expect(try render("{{ reReplaceAll \"(a)(b)\" \"$2$1\" \"abab\" }}") == "baba")
        #expect(try render("{{ reReplaceAll \"(?P<x>a)\" \"${x}z\" \"a\" }}") == "az")
        #expect(try render("{{ reReplaceAll \"(a)\" \"[$1x]\" \"a\" }}") == "[]")
        #expect(try render("{{ reReplaceAll \"(a)\" \"[${1}x]\" \"a\" }}") == "[ax]")
        #expect(try render("{{ reReplaceAll \"a\" \"$$\" \"bab\" }}") == "b$b")
        #expect(try render("{{ reReplaceAll \"x*\" \"-\" \"abc\" }}") == "-a-b-c-")
        #expect(try render("{{ reReplaceAll \"a*\" \"-\" \"baaac\" }}") == "-b-c-")
        #expect(try render("{{ reReplaceAll \":.*\" \"\" \"host:9090\" }}") == "host")
        #expect(failure("{{ match \"(\" \"x\" }}").contains("error calling match: error parsing regexp"))
    }

    @Test func hostFunctions() throws {
        #expect(try render("{{ stripPort \"foo.example.com:9090\" }}") == "foo.example.com")
        #expect(try render("{{ stripPort \"foo.example.com\" }}") == "foo.example.com")
        #expect(try render("{{ stripPort \"[::1]:80\" }}") == "::1")
        #expect(try render("{{ stripPort \"::1\" }}") == "::1")
        #expect(try render("{{ stripDomain \"foo.example.com:9090\" }}") == "foo:9090")
        #expect(try render("{{ stripDomain \"foo.example.com\" }}") == "foo")
        #expect(try render("{{ stripDomain \"192.168.0.1:9090\" }}") == "192.168.0.1:9090")
        #expect(try render("{{ stripDomain \"[2001:db8::1]:80\" }}") == "[2001:db8::1]:80")
        #expect(try render("{{ stripDomain \"foo\" }}") == "foo")
    }

    @Test func durationsAndLinks() throws {
        #expect(try render("{{ parseDuration \"1h2m10ms\" }}") == "3720.01")
        #expect(try render("{{ parseDuration \"1m\" }}") == "60")
        #expect(failure("{{ parseDuration \"bad\" }}").hasSuffix("error calling parseDuration: not a valid duration string: \"bad\""))
        #expect(try render(#"{{ graphLink "up{a=\"b\"}" }}"#) == "/graph?g0.expr=up%7Ba%3D%22b%22%7D&g0.tab=0")
        #expect(try render(#"{{ tableLink "rate(x[5m])" }}"#) == "/graph?g0.expr=rate%28x%5B5m%5D%29&g0.tab=1")
        #expect(try render("{{ define \"x\" }}{{ .arg0 }}-{{ .arg1 }}{{ end }}{{ template \"x\" (args 1 \"two\") }}") == "1-two")
        #expect(try render("{{ safeHtml \"<b>\" }}") == "<b>")
    }

    /// What the Rules module's `query` returns, as a function here.
    private var withQuery: FunctionSet {
        var f = FunctionSet.prometheus
        f["query"] = TemplateFunction(arity: 1) { _ in
            .samples([
                QuerySample(labels: ["instance": "b", "__value__": "x"], value: 2),
                QuerySample(labels: ["instance": "a"], value: 1.5),
                QuerySample(labels: ["instance": "b", "job": "second"], value: 3),
            ])
        }
        f["empty"] = TemplateFunction(arity: 0) { _ in .samples([]) }
        return f
    }

    @Test func querySamples() throws {
        let q = withQuery
        #expect(try render("{{ query \"up\" | first | value }}", functions: q) == "2")
        #expect(try render("{{ with query \"up\" }}{{ . | first | label \"instance\" }}{{ end }}", functions: q) == "b")
        #expect(try render("{{ range query \"up\" }}{{ .Labels.instance }}={{ .Value }} {{ end }}", functions: q) == "b=2 a=1.5 b=3 ")
        #expect(try render("{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Value }} {{ end }}", functions: q) == "1.5 2 3 ")
        #expect(try render("{{ query \"up\" | first | strvalue }}", functions: q) == "x")
        #expect(try render("{{ query \"up\" | first | label \"nope\" }}|", functions: q) == "|")
        #expect(try render("{{ len (query \"up\") }}", functions: q) == "3")
        #expect(try render("{{ with empty }}x{{ else }}no data{{ end }}", functions: q) == "no data")
        #expect(failure("{{ empty | first }}", functions: q)
            == "template: t:1:11: executing \"t\" at <first>: error calling first: first() called on vector with no elements")
        #expect(try render("{{ query \"up\" | first | value | humanize }}", functions: q) == "2")
        #expect(failure("{{ query \"up\" | first | humanize }}", functions: q)
            == "template: t:1:24: executing \"t\" at <humanize>: error calling humanize: can't convert *template.sample to float")
    }

    @Test func contextFunctions() throws {
        var f = FunctionSet.prometheus
        f.merge(.prometheusContext(externalURL: "https://prom.example.com/sub", evaluationTimeMs: 1_500), uniquingKeysWith: { $1 })
        #expect(try render("{{ externalURL }} {{ pathPrefix }} {{ now }}", functions: f) == "https://prom.example.com/sub /sub 1.5")
    }

    /// A rule annotation as Prometheus expands it: the Rules module prepends the variable definitions.
    @Test func ruleAnnotation() throws {
        let defs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$value := .Value}}"
        let text = "{{ $labels.instance }} of {{ $labels.job }} is at {{ $value | humanizePercentage }}"
            + "{{ if gt $value 0.9 }} (critical){{ end }} [{{ $externalLabels.cluster }}]"
        let data: TemplateValue = .map([
            "Labels": .strings(["instance": "db1", "job": "mysql"]), "ExternalLabels": .strings(["cluster": "eu"]), "Value": .float(0.95),
        ])
        #expect(try render(defs + text, data) == "db1 of mysql is at 95% (critical) [eu]")
        #expect(failure(defs + "{{ if gt $value 1 }}x{{ end }}", data).hasSuffix("error calling gt: incompatible types for comparison"))
    }
}

/// Outputs checked against the real `promtool test rules` (Prometheus 2.42) expanding the same annotations.
@Suite struct PromtoolCheckedTests {
    @Test(arguments: [
        ("{{ humanize 999.9999 }}|{{ humanize 1000 }}|{{ humanize 0.999 }}|{{ humanize 100000 }}", "1000|1k|999m|100k"),
        ("{{ humanizeDuration 86399.9 }}|{{ humanizeDuration 59.99999 }}|{{ humanizeDuration 0.000000001 }}", "23h 59m 59s|60s|1ns"),
        ("{{ humanize1024 1 }}|{{ humanize1024 1023.99 }}|{{ humanizePercentage 1.2345 }}", "1|1024|123.4%"),
        ("{{ toUpper \"straße\" }}|{{ title \"ünicode straße\" }}|{{ toLower \"ÀB\" }}", "STRAßE|Ünicode Straße|àb"),
        (#"{{ printf "%5.1f|%-8.3e|%+.2g|%08.3f" 3.14159 1234.5 0.000123 -3.14159 }}"#, "  3.1|1.234e+03|+0.00012|-003.142"),
        (#"{{ printf "%c|%U|%o|%b|%X|%#x|%#o" 65 233 8 5 255 255 8 }}"#, "A|U+00E9|10|101|FF|0xff|010"),
        (#"{{ printf "%q|%+q|%#q" "é" "é" "ab" }}|{{ printf "%6.2f%%" 12.3456 }}"#, #""é"|"\u00e9"|`ab`| 12.35%"#),
        (#"{{ reReplaceAll "^(\\w+)-(\\d+)$" "$2:$1" "web-01" }}|{{ reReplaceAll ":[0-9]+" "" "a:1 b:22" }}"#, "01:web|a b"),
        (#"{{ (toTime 1435065584).Format "Mon Jan _2 15:04:05 MST 2006" }}|{{ print 1 2 "a" 3 }}"#, "Tue Jun 23 13:19:44 UTC 2015|1 2a3"),
    ])
    func matchesPromtool(_ text: String, _ expected: String) throws {
        #expect(try render(text) == expected)
    }

    /// Prometheus expands annotations with `missingkey=zero`: a missing label is empty, not `<no value>`.
    @Test func missingLabelIsEmptyAsInPrometheus() throws {
        let data: TemplateValue = .map(["Labels": .strings(["job": "x"])])
        #expect(try render("{{ $labels := .Labels }}[{{ $labels.missing }}]", data, missingKey: .zero) == "[]")
    }
}
