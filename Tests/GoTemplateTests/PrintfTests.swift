import Testing
@testable import GoTemplate

/// `printf` follows Go's fmt: each case is `printf FORMAT ARGS…` and what Go prints.
@Suite struct PrintfTests {
    @Test(arguments: [
        // strings
        (#"printf "%s|%v" "x" "y""#, "x|y"),
        (#"printf "%5s|%-5s|%.2s|%05s" "x" "x" "abc" "ab""#, "    x|x    |ab|000ab"),
        (#"printf "%q" "a\"b\n""#, #""a\"b\n""#),
        (#"printf "%+q|%#q" "é" "ab""#, #""\u00e9"|`ab`"#),
        (#"printf "%x|%X|% x|%#x" "hi" "hi" "hi" "hi""#, "6869|6869|68 69|0x6869"),
        // integers
        (#"printf "%d|%5d|%-5d|%05d|%+d|% d" 42 42 42 42 42 42"#, "42|   42|42   |00042|+42| 42"),
        (#"printf "%05d|%.3d|%.0d|" -42 7 0"#, "-0042|007||"),
        (#"printf "%x|%X|%#x|%o|%#o|%O|%b|%#b" 255 255 255 8 8 8 5 5"#, "ff|FF|0xff|10|010|0o10|101|0b101"),
        (#"printf "%x" -255"#, "-ff"),
        (#"printf "%c|%q|%U|%#U" 65 65 65 233"#, "A|'A'|U+0041|U+00E9 'é'"),
        (#"printf "%v|%6v|%-6v|" 7 7 7"#, "7|     7|7     |"),
        // floats
        (#"printf "%f|%.2f|%8.3f|%-8.2f|%+.1f|%08.3f" 3.14159 3.14159 3.14159 3.14159 3.14159 3.14159"#,
         "3.141590|3.14|   3.142|3.14    |+3.1|0003.142"),
        (#"printf "%e|%E|%.2e" 1234.5678 1234.5678 1234.5678"#, "1.234568e+03|1.234568E+03|1.23e+03"),
        (#"printf "%g|%g|%.3g|%g|%v|%G" 1234.5678 1e6 1234.5678 0.00001 0.1 1e-7"#, "1234.5678|1e+06|1.23e+03|1e-05|0.1|1E-07"),
        (#"printf "%.0f|%.1f|%.2f" 2.5 0.25 1.005"#, "2|0.2|1.00"),
        (#"printf "%v|%8v|" 1.5 1.5"#, "1.5|     1.5|"),
        // booleans and composites
        (#"printf "%t|%v|%5t" true false true"#, "true|false| true"),
        (#"printf "%v|%q|%d" .List .List .Ints"#, #"[a b c]|["a" "b" "c"]|[1 2 3]"#),
        (#"printf "%v" .Labels"#, "map[instance:host1:9100 job:api severity:critical]"),
        (#"printf "%T|%T|%T|%T|%T|%T" 1 "x" 1.5 true .List .Labels"#, "int|string|float64|bool|[]interface {}|map[string]interface {}"),
        // star width and precision, argument indexes
        (#"printf "%*d|%-*d|%.*f" 5 42 5 42 2 3.14159"#, "   42|42   |3.14"),
        (#"printf "%[2]d %[1]d" 1 2"#, "2 1"),
        (#"printf "%[1]s %[1]s" "x""#, "x x"),
        // Go's error forms
        (#"printf "%d" "x""#, "%!d(string=x)"),
        (#"printf "%s" 5"#, "%!s(int=5)"),
        (#"printf "%d" 1.5"#, "%!d(float64=1.5)"),
        (#"printf "%d|%s|%v" nil nil nil"#, "%!d(<nil>)|%!s(<nil>)|<nil>"),
        (#"printf "%d %d" 1"#, "1 %!d(MISSING)"),
        (#"printf "%d" 1 2 "x""#, "1%!(EXTRA int=2, string=x)"),
        (#"printf "100%""#, "100%!(NOVERB)"),
        (#"printf "%%|%z" 1"#, "%|%!z(int=1)"),
        (#"printf "%t" 1"#, "%!t(int=1)"),
        (#"printf "%*d" "x" 1"#, "%!(BADWIDTH)1"),
        (#"printf "%9999999d" 1"#, "%!(BADWIDTH)1"),
        (#"printf "no verbs""#, "no verbs"),
    ])
    func formatsAsGo(_ call: String, _ expected: String) throws {
        #expect(try render("{{ \(call) }}") == expected)
    }

    @Test func nanAndInfinities() throws {
        let data: TemplateValue = .map(["NaN": .float(.nan), "Inf": .float(.infinity), "NegInf": .float(-.infinity)])
        #expect(try render(#"{{ printf "%f|%v|%5.1f|%+f|%e|%g" .NaN .Inf .NegInf .Inf .NaN .NegInf }}"#, data)
            == "NaN|+Inf| -Inf|+Inf|NaN|-Inf")
        #expect(try render("{{ .NaN }} {{ .Inf }} {{ .NegInf }}", data) == "NaN +Inf -Inf")
    }
}
