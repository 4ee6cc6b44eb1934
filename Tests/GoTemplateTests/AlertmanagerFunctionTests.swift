import Foundation
import OspreyCore
import Testing
@testable import GoTemplate

/// 2023-11-14 22:13:20.123 UTC, a Tuesday.
let sampleTime = GoTime(seconds: 1_700_000_000, nanoseconds: 123_000_000)

@Suite struct AlertmanagerFunctionTests {
    let functions = FunctionSet.alertmanager(clock: ManualClock(1_700_000_090_123))
    let data: TemplateValue = .map(["T": .time(sampleTime), "S": .list([.string("a"), .string("b")])])

    private func am(_ text: String) throws -> String { try render(text, data, functions: functions) }

    @Test func textFunctions() throws {
        #expect(try am("{{ title \"hello wORLD o'neil\" }}") == "Hello World O'neil")
        #expect(try am("{{ toUpper \"abc\" }} {{ toLower \"ABC\" }}") == "ABC abc")
        #expect(try am("[{{ trimSpace \"  x y \\n\\t\" }}]") == "[x y]")
        #expect(try am("{{ join \", \" .S }}") == "a, b")
        #expect(try am("{{ stringSlice \"a\" \"b\" | join \"-\" }}") == "a-b")
        #expect(try am("{{ stringSlice }}") == "[]")
        #expect(try am("{{ match \"^b\" \"bc\" }}") == "true")
        #expect(try am("{{ reReplaceAll \"(.+):\\\\d+\" \"$1\" \"host:9100\" }}") == "host")
        #expect(try am("{{ urlUnescape \"a%20b+c%2Fd\" }}") == "a b c/d")
        #expect(try am("{{ safeUrl \"http://x/?a=b\" }}") == "http://x/?a=b")
        #expect(try am("{{ safeHtml \"<b>\" }}") == "<b>")
        #expect(try am("{{ toJson .S }}") == #"["a","b"]"#)
        #expect(try am("{{ humanizeDuration 3723 }}") == "1h 2m 3s")
        #expect(failure("{{ urlUnescape \"%zz\" }}", data, functions: functions).hasSuffix("error calling urlUnescape: invalid URL escape \"%zz\""))
        #expect(failure("{{ join \",\" .T }}", data, functions: functions).hasSuffix("wrong type for value; expected []string; got time.Time"))
    }

    /// Checked against `amtool template render` (Alertmanager 0.25).
    @Test func matchesAmtool() throws {
        #expect(try am("{{ title \"hello wORLD o'neil foo_bar x-y\" }}|{{ toUpper \"straße\" }}|{{ reReplaceAll \"(a+)\" \"<$1>\" \"baab\" }}")
            == "Hello World O'neil Foo_bar X-Y|STRAßE|b<aa>b")
        #expect(try am("{{ .T.Format \"2006-01-02T15:04:05Z07:00 Mon Jan _2 3:04PM .000\" }}|{{ .T.Month }}")
            == "2023-11-14T22:13:20Z Tue Nov 14 10:13PM .123|November")
    }

    @Test func timeFunctions() throws {
        #expect(try am("{{ .T }}") == "2023-11-14 22:13:20.123 +0000 UTC")
        #expect(try am("{{ date \"2006-01-02 15:04:05\" .T }}") == "2023-11-14 22:13:20")
        #expect(try am("{{ .T | date \"Jan _2 3:04PM MST\" }}") == "Nov 14 10:13PM UTC")
        #expect(try am("{{ .T | tz \"Europe/Berlin\" | date \"15:04 -07:00 MST\" }}") == "23:13 +01:00 CET")
        #expect(try am("{{ .T | tz \"America/New_York\" | date \"2006-01-02T15:04:05Z07:00\" }}") == "2023-11-14T17:13:20-05:00")
        #expect(try am("{{ since .T }}") == "1m30s")
        #expect(try am("{{ since .T | humanizeDuration }}") == "1m 30s")
        #expect(failure("{{ tz \"Mars/Base\" .T }}", data, functions: functions).hasSuffix("error calling tz: unknown time zone Mars/Base"))
        #expect(failure("{{ date \"2006\" \"x\" }}", data, functions: functions).hasSuffix("wrong type for value; expected time.Time; got string"))
    }

    @Test(arguments: [
        ("2006-01-02T15:04:05Z07:00", "2023-11-14T22:13:20Z"),
        ("2006-01-02T15:04:05.000Z07:00", "2023-11-14T22:13:20.123Z"),
        ("2006-01-02T15:04:05.999999999-07:00", "2023-11-14T22:13:20.123+00:00"),
        ("Mon Jan _2 15:04:05 2006", "Tue Nov 14 22:13:20 2023"),
        ("Monday, 02-Jan-06 15:04:05 MST", "Tuesday, 14-Nov-23 22:13:20 UTC"),
        ("January 2, 2006 3:04:05 pm", "November 14, 2023 10:13:20 pm"),
        ("02/01/2006 15h04", "14/11/2023 22h13"),
        ("2006-002 .000000", "2023-318 .123000"),
        ("3:04:05.00", "10:13:20.12"),
        ("1/2/06 4:5", "11/14/23 13:20"),
    ])
    func goTimeLayouts(_ layout: String, _ expected: String) {
        #expect(sampleTime.format(layout) == expected)
    }

    @Test func timeMembers() throws {
        #expect(try am("{{ .T.Unix }} {{ .T.UnixMilli }} {{ .T.Year }} {{ .T.Month }} {{ .T.Day }} {{ .T.Weekday }}")
            == "1700000000 1700000000123 2023 November 14 Tuesday")
        #expect(try am("{{ .T.Format \"15:04\" }} {{ .T.UTC.Hour }}") == "22:13 22")
        #expect(try am("{{ (.T.Add 90000000000).Format \"15:04:05\" }}") == "22:14:50")
        #expect(GoTime(seconds: -1).format("2006-01-02 15:04:05") == "1969-12-31 23:59:59")
        #expect(GoTime(seconds: 951_782_400).format("2006-01-02 Mon 002") == "2000-02-29 Tue 060")
    }

    @Test(arguments: [
        (Int64(0), "0s"), (1, "1ns"), (1_500, "1.5µs"), (2_000_000, "2ms"), (1_500_000_000, "1.5s"), (90_000_000_000, "1m30s"),
        (3_723_000_000_000, "1h2m3s"), (-61_000_000_000, "-1m1s"), (86_400_000_000_000, "24h0m0s"),
    ])
    func durationsPrintAsGo(_ ns: Int64, _ expected: String) throws {
        #expect(try render("{{ .D }}", .map(["D": .duration(ns)])) == expected)
    }
}
