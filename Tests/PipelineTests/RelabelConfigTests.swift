import OspreyCore
import Testing

@testable import Pipeline

/// Config-load validation (messages of Prometheus 2.42's `promtool check config` were compared for
/// each refused case), the RE2 syntax guard, and MD5 against RFC 1321's vectors.
@Suite struct RelabelConfigTests {
    typealias A = RelabelConfig.Action

    struct Invalid: Sendable, CustomTestStringConvertible {
        let name: String
        let make: @Sendable () throws -> RelabelConfig
        let field: RelabelConfigError.Field
        let fragment: String
        var testDescription: String { name }
    }

    static let invalid: [Invalid] = [
        .init(name: "replace needs target_label", make: { try RelabelConfig(action: .replace) }, field: .targetLabel, fragment: "requires target_label"),
        .init(name: "hashmod needs target_label", make: { try RelabelConfig(action: .hashMod, modulus: 3) }, field: .targetLabel, fragment: "requires target_label"),
        .init(name: "lowercase needs target_label", make: { try RelabelConfig(action: .lowercase, sourceLabels: ["a"]) }, field: .targetLabel, fragment: "requires"),
        .init(name: "keepequal needs target_label", make: { try RelabelConfig(action: .keepEqual, sourceLabels: ["a"]) }, field: .targetLabel, fragment: "requires"),
        .init(name: "hashmod needs modulus", make: { try RelabelConfig(action: .hashMod, targetLabel: "h") }, field: .modulus, fragment: "requires a modulus"),
        .init(name: "hashmod target has no expansion", make: { try RelabelConfig(action: .hashMod, targetLabel: "$1", modulus: 5) }, field: .targetLabel,
              fragment: "\"$1\" is not a valid target_label for hashmod"),
        .init(name: "replace target a-b", make: { try RelabelConfig(targetLabel: "a-b") }, field: .targetLabel, fragment: "\"a-b\" is not a valid target_label"),
        .init(name: "replace target 1a", make: { try RelabelConfig(targetLabel: "1a") }, field: .targetLabel, fragment: "\"1a\""),
        .init(name: "replace target $1-", make: { try RelabelConfig(targetLabel: "$1-") }, field: .targetLabel, fragment: "\"$1-\""),
        .init(name: "dropequal target b-", make: { try RelabelConfig(action: .dropEqual, sourceLabels: ["a"], targetLabel: "b-") }, field: .targetLabel,
              fragment: "\"b-\""),
        .init(name: "keepequal with regex", make: { try RelabelConfig(action: .keepEqual, sourceLabels: ["a"], targetLabel: "b", regex: "(.*)") },
              field: .regex, fragment: "takes only source_labels and target_label"),
        .init(name: "keepequal with modulus", make: { try RelabelConfig(action: .keepEqual, sourceLabels: ["a"], targetLabel: "b", modulus: 3) },
              field: .modulus, fragment: "takes only"),
        .init(name: "keepequal with replacement", make: { try RelabelConfig(action: .keepEqual, sourceLabels: ["a"], targetLabel: "b", replacement: "x") },
              field: .replacement, fragment: "replacement cannot be set"),
        .init(name: "lowercase with replacement", make: { try RelabelConfig(action: .lowercase, sourceLabels: ["a"], targetLabel: "b", replacement: "x") },
              field: .replacement, fragment: "replacement cannot be set"),
        .init(name: "labeldrop with source_labels, even empty", make: { try RelabelConfig(action: .labelDrop, sourceLabels: [], regex: "x") },
              field: .sourceLabels, fragment: "takes only regex"),
        .init(name: "labelkeep with target_label", make: { try RelabelConfig(action: .labelKeep, targetLabel: "t", regex: "x") },
              field: .targetLabel, fragment: "takes only regex"),
        .init(name: "labelmap replacement a-b", make: { try RelabelConfig(action: .labelMap, regex: "x", replacement: "a-b") }, field: .replacement,
              fragment: "\"a-b\" is not a valid replacement for labelmap"),
        .init(name: "labelmap empty replacement", make: { try RelabelConfig(action: .labelMap, regex: "x", replacement: "") }, field: .replacement,
              fragment: "\"\""),
        .init(name: "invalid source label name", make: { try RelabelConfig(action: .keep, sourceLabels: ["a-b"]) }, field: .sourceLabels,
              fragment: "\"a-b\" is not a valid label name"),
        .init(name: "unbalanced regex", make: { try RelabelConfig(action: .keep, regex: "a(b") }, field: .regex, fragment: "invalid regular expression \"a(b\""),
        .init(name: "backreference", make: { try RelabelConfig(action: .keep, regex: "(a)\\1") }, field: .regex, fragment: "backreferences"),
    ]

    @Test(arguments: invalid) func refusedAtLoad(_ c: Invalid) {
        do {
            let config = try c.make()
            Issue.record("accepted: \(config.action) \(config.regex)")
        } catch let error as RelabelConfigError {
            #expect(error.field == c.field, "\(error)")
            #expect(error.message.contains(c.fragment), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func acceptedAsPrometheusDoes() throws {
        // Each of these passes promtool check config in 2.42.
        _ = try RelabelConfig(action: .keepEqual, sourceLabels: ["a"], separator: ";", targetLabel: "b")
        _ = try RelabelConfig(action: .lowercase, sourceLabels: ["a"], targetLabel: "b", regex: "x")
        _ = try RelabelConfig(action: .labelDrop, separator: ";", regex: "x", replacement: "$1")
        _ = try RelabelConfig(action: .labelMap, regex: "x", replacement: "$1")
        _ = try RelabelConfig(targetLabel: "${1}x")
        _ = try RelabelConfig(action: .keep, regex: "")
        let defaults = try RelabelConfig(targetLabel: "t")
        #expect(defaults.regex == "(.*)" && defaults.replacement == "$1" && defaults.separator == ";" && defaults.action == .replace)
    }

    @Test(arguments: [
        ("(?=a)a", "lookahead"), ("(?<=a)b", "lookbehind"), ("(?>a)", "atomic"), ("a*+", "possessive"), ("a**", "repetition of a repetition"),
        ("[a-z&&b]", "ambiguous"), ("[[]", "\\["), ("\\v", "vertical tab"), ("a{,3}", "literal {"), ("\\pL", "braces"), ("(?x)a b", "unsupported"),
        ("a\\Z", "invalid escape"), ("(?P=n)", "(?P="), ("a{1001}", "above 1000"), ("[]a]", "\\]"),
    ])
    func regexSyntaxRE2RejectsIsRefused(_ pattern: String, _ reason: String) {
        #expect(throws: RelabelConfigError.self) { try RelabelConfig(action: .keep, regex: pattern) }
        do { _ = try RelabelConfig(action: .keep, regex: pattern) } catch {
            #expect(error.field == .regex)
            #expect(error.message.contains(reason), "\(error)")
        }
    }

    @Test(arguments: [
        ("(?i)foo", "FoO", true), ("(?P<n>a+)b", "aab", true), ("(?<n>a+)b", "aab", true), ("\\d+\\.\\d+", "1.5", true),
        ("[[:alpha:]]+", "abc", true), ("\\Qa.b\\E", "a.b", true), ("\\Qa.b\\E", "axb", false), ("\\p{L}+", "日本", true),
        ("a{2,3}", "aaa", true), ("a{2,}?", "aaaa", true), ("[a\\-z]", "-", true), ("[^\\n]+", "ab", true), ("\\x{41}", "A", true),
        ("[\\[\\]]+", "[]", true), ("[[:digit:]x.]+", "1x.", true), ("[a.]", "b", false),
        ("(?i:A)b", "aB", false), ("(?U)a+", "aa", true), ("\\bfoo\\b", "foo", true), ("a|", "", true), ("\\$\\{", "${", true),
    ])
    func regexSyntaxCommonInConfigsWorks(_ pattern: String, _ subject: String, _ matches: Bool) throws {
        let config = try RelabelConfig(action: .keep, sourceLabels: ["s"], regex: pattern)
        #expect((Relabeling.process(Labels(["s": subject]), [config]) != nil) == matches, "\(pattern) on \(subject)")
    }

    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"), ("a", "0cc175b9c0f1b6a831c399e269772661"), ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"), ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        // Padding boundaries (55, 56 and 64 bytes) and a multi-byte character, from Python's hashlib.
        (String(repeating: "a", count: 55), "ef1772b6dff9a122358552954ad0df65"), (String(repeating: "a", count: 56), "3b0c8ac703f828b04c6c197006d17218"),
        (String(repeating: "a", count: 64), "014842d480b571495a4a0363793f7367"), ("é", "66ddcd97cfdeabb2f6fb8a999b4bc76f"),
    ])
    func md5MatchesKnownVectors(_ input: String, _ hex: String) {
        let digest = MD5.digest(input.utf8)
        #expect(digest.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() == hex)
    }

    @Test func actionSpellingsMatchPrometheus() {
        #expect(A.allCases.map(\.rawValue).sorted() == [
            "drop", "dropequal", "hashmod", "keep", "keepequal", "labeldrop", "labelkeep", "labelmap", "lowercase", "replace", "uppercase",
        ])
    }
}
