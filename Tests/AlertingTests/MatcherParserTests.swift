import Alerting
import OspreyCore
import Testing

/// Alertmanager's matcher syntax (its documentation and the cases its own parser is tested with).
@Suite struct MatcherParserTests {
    /// (input, expected matchers as `name op value` with the value unescaped).
    @Test(arguments: [
        ("foo=bar", [("foo", "=", "bar")]),
        ("{foo=bar}", [("foo", "=", "bar")]),
        ("{foo=bar,}", [("foo", "=", "bar")]),
        ("foo!=bar", [("foo", "!=", "bar")]),
        ("foo=~[a-z]+", [("foo", "=~", "[a-z]+")]),
        ("{foo!~\"[a-z]+\"}", [("foo", "!~", "[a-z]+")]),
        ("severity=\"critical\"", [("severity", "=", "critical")]),
        ("alertname =~ \"Watchdog|InfoInhibitor\"", [("alertname", "=~", "Watchdog|InfoInhibitor")]),
        ("{foo = \"bar\", dings != \"bums\", }", [("foo", "=", "bar"), ("dings", "!=", "bums")]),
        ("foo=bar,bar!=baz", [("foo", "=", "bar"), ("bar", "!=", "baz")]),
        ("{\"service.name\"=\"checkout\"}", [("service.name", "=", "checkout")]),
        ("{\"foo\"=\"🙂\"}", [("foo", "=", "🙂")]),
        ("{foo=🙂bar}", [("foo", "=", "🙂bar")]),
        ("{\"foo\"=\"\\xf0\\x9f\\x99\\x82\"}", [("foo", "=", "🙂")]),
        ("{\"foo\"=\"\\U0001f642\"}", [("foo", "=", "🙂")]),
        ("foo=\"bar\\n\"", [("foo", "=", "bar\n")]),
        ("foo=\"bar\\t\"", [("foo", "=", "bar\t")]),
        ("foo=\"\\\"bar\\\"\"", [("foo", "=", "\"bar\"")]),
        ("foo=\"bar\\\\\"", [("foo", "=", "bar\\")]),
        // A regex escape Go strings do not know stays literal, as Alertmanager's classic parser keeps it.
        ("code=~\"5\\d\\d\"", [("code", "=~", "5\\d\\d")]),
        ("quote=\"She said: \\\"Hi, ladies!\\\"\"", [("quote", "=", "She said: \"Hi, ladies!\"")]),
        ("foo=", [("foo", "=", "")]),
        ("foo=\"\"", [("foo", "=", "")]),
        ("", []),
        ("{}", []),
        // Alertmanager's classic parser trims a trailing brace even without an opening one.
        ("foo=bar}", [("foo", "=", "bar")]),
        ("}", []),
    ])
    func parses(_ input: String, _ expected: [(String, String, String)]) throws {
        let got = try AlertMatchers.parse(input)
        #expect(got.map { "\($0.name)\($0.kind.rawValue)\($0.value)" } == expected.map { "\($0.0)\($0.1)\($0.2)" })
    }

    /// (input, text the error must contain): the error names the input and a column.
    @Test(arguments: [
        ("{", "column 2: end of input: expected a closing brace"),
        ("{,}", "column 2: unexpected \",\": expected a label name"),
        (",", "column 1: unexpected \",\": expected a label name"),
        ("foo", "column 4: end of input after label name \"foo\": expected one of =, !=, =~, !~"),
        ("foo<bar", "column 8: end of input after label name \"foo<bar\""),
        ("foo=bar} x", "column 10: unexpected \"x\" after the closing brace"),
        ("foo=\"bar", "column 5: unterminated quoted string"),
        ("foo=~\"(\"", "column 6: invalid regular expression"),
        ("{foo=\"bar\"} x", "column 13: unexpected \"x\" after the closing brace"),
        ("{foo=\"bar\" baz}", "column 12: unexpected \"b\": expected a comma or a closing brace"),
        ("foo=ba\"r", "column 7: unescaped double quote"),
    ])
    func rejects(_ input: String, _ message: String) {
        do {
            let got = try AlertMatchers.parse(input)
            Issue.record("parsed \(input) as \(got)")
        } catch {
            #expect("\(error)".contains("bad matcher \"\(input)\""), "\(error)")
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    /// Arbitrary input (as a `filter` parameter may carry) either parses or fails with a MatcherParseError,
    /// and whatever parses prints back to text that parses to the same matchers.
    @Test func arbitraryInputParsesOrFailsCleanly() throws {
        let alphabet = Array("ab_:.=!~\"\\,{} \t\n|*()[]🙂é")
        var rng = SplitMix64(seed: 20_261_122)
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 16)
            let text = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            do {
                let ms = try AlertMatchers.parse(text)
                let again = try AlertMatchers.parse(AlertMatchers.format(ms))
                #expect(again.map(\.description) == ms.map(\.description), "\(text.debugDescription)")
            } catch is MatcherParseError {
            } catch {
                Issue.record("\(text.debugDescription): unexpected error \(error)")
            }
        }
    }

    @Test func parseOneWantsExactlyOne() throws {
        #expect(try AlertMatchers.parseOne("{job=\"api\"}").description == "job=\"api\"")
        #expect(throws: MatcherParseError.self) { try AlertMatchers.parseOne("a=b,c=d") }
        #expect(throws: MatcherParseError.self) { try AlertMatchers.parseOne("{}") }
    }

    @Test func regexMatchersAreAnchored() throws {
        let m = try AlertMatchers.parseOne("job=~\"api|web\"")
        #expect(m.matches("api"))
        #expect(!m.matches("api-2"))
        #expect(!m.matches("xweb"))
    }

    @Test func formatsAsAlertmanagerPrints() throws {
        let ms = try AlertMatchers.parse("b=~\"x|y\", a=\"1\\\"2\", \"service name\"!=\"v\"")
        #expect(AlertMatchers.format(ms) == #"{b=~"x|y",a="1\"2","service name"!="v"}"#)
        // Sorted by name, then value, then operator, as Alertmanager sorts route matchers.
        let sorted = AlertMatchers.sorted(try AlertMatchers.parse("b=1, a=~2, a=2, a=1"))
        #expect(AlertMatchers.format(sorted) == #"{a="1",a="2",a=~"2",b="1"}"#)
        // What is printed parses back to the same matchers.
        let again = try AlertMatchers.parse(AlertMatchers.format(ms))
        #expect(again.map(\.description) == ms.map(\.description))
    }
}
