import OspreyCore
import Testing

@testable import Pipeline

/// Relabeling cases, one table per action. Expected outputs follow the Prometheus documentation
/// (configuration.md, `<relabel_config>`); where it is silent, they were read from Prometheus 2.42
/// (Debian package, /usr/bin/prometheus) run on 127.0.0.1 with each case as a scrape job's
/// `relabel_configs` over a static target, reading the relabeled labels from `/api/v1/targets`.
/// Cases marked `[2.42]` were checked that way.
struct RelabelCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [String: String]
    let rules: [RelabelConfig]
    /// nil: dropped.
    let expected: [String: String]?
    var testDescription: String { name }
}

private func rule(
    _ action: RelabelConfig.Action = .replace, source: [String]? = nil, separator: String = ";", target: String = "",
    regex: String? = nil, modulus: UInt64 = 0, replacement: String = "$1"
) -> RelabelConfig {
    do {
        return try RelabelConfig(
            action: action, sourceLabels: source, separator: separator, targetLabel: target, regex: regex, modulus: modulus,
            replacement: replacement)
    } catch {
        fatalError("test rule invalid: \(error)")
    }
}

private func run(_ c: RelabelCase) {
    let out = Relabeling.process(Labels(c.input), c.rules)
    #expect(out == c.expected.map { Labels($0) }, "\(c.name): got \(out.map { "\($0)" } ?? "dropped")")
}

@Suite struct RelabelActionTests {
    static let replace: [RelabelCase] = [
        .init(name: "default regex copies the source", input: ["a": "x"], rules: [rule(source: ["a"], target: "b")], expected: ["a": "x", "b": "x"]),
        .init(name: "[2.42] separator joins, missing source is empty", input: ["a": "1", "c": "3"],
              rules: [rule(source: ["a", "b", "c"], separator: "-", target: "j")], expected: ["a": "1", "c": "3", "j": "1--3"]),
        .init(name: "[2.42] no match leaves the target alone", input: ["src": "abc", "out": "old"],
              rules: [rule(source: ["src"], target: "out", regex: "x(.*)", replacement: "new")], expected: ["src": "abc", "out": "old"]),
        .init(name: "[2.42] empty replacement deletes the target", input: ["src": "abc", "out": "old"],
              rules: [rule(source: ["src"], target: "out", regex: "abc(.*)")], expected: ["src": "abc"]),
        .init(name: "[2.42] $1x is the group named 1x, empty", input: ["src": "abc", "out": "old"],
              rules: [rule(source: ["src"], target: "out", regex: "(a)(b)(c)", replacement: "$1x")], expected: ["src": "abc"]),
        .init(name: "[2.42] braces, $$, malformed $, leading zero, $0", input: ["src": "abc"],
              rules: [rule(source: ["src"], target: "out", regex: "(a)(b)(c)", replacement: "${1}x-$2_-${3}$$-$-${-$01-$0")],
              expected: ["src": "abc", "out": "ax--c$-$-${--abc"]),
        .init(name: "[2.42] named groups in target and replacement", input: ["src": "abc"],
              rules: [rule(source: ["src"], target: "out_$rest", regex: "(?P<first>a)(?P<rest>.*)", replacement: "$first|${rest}|$first_")],
              expected: ["src": "abc", "out_bc": "a|bc|"]),
        .init(name: "[2.42] target invalid after expansion skips the rule", input: ["src": "9x", "keep": "v"],
              rules: [rule(source: ["src"], target: "$1", replacement: "r")], expected: ["src": "9x", "keep": "v"]),
        .init(name: "[2.42] target t_$1x expands to t_", input: ["src": "ab"],
              rules: [rule(source: ["src"], target: "t_$1x", regex: "(a)(b)", replacement: "r")], expected: ["src": "ab", "t_": "r"]),
        .init(name: "[2.42] default regex does not match a newline", input: ["src": "a\nb"],
              rules: [rule(source: ["src"], target: "copy")], expected: ["src": "a\nb"]),
        .init(name: "case-insensitive regex with capture", input: ["env": "PROD-eu"],
              rules: [rule(source: ["env"], target: "region", regex: "(?i)prod-(.+)")], expected: ["env": "PROD-eu", "region": "eu"]),
        .init(name: "constant without source labels", input: ["a": "1"],
              rules: [rule(target: "team", replacement: "infra")], expected: ["a": "1", "team": "infra"]),
        .init(name: "address rewrite with two groups", input: ["__address__": "10.1.2.3:8080", "__meta_port": "9100"],
              rules: [rule(source: ["__address__", "__meta_port"], target: "__address__", regex: "([^:]+)(?::\\d+)?;(\\d+)", replacement: "$1:$2")],
              expected: ["__address__": "10.1.2.3:9100", "__meta_port": "9100"]),
    ]
    @Test(arguments: replace) func replaceAction(_ c: RelabelCase) { run(c) }

    static let keep: [RelabelCase] = [
        .init(name: "matching value is kept", input: ["job": "node"], rules: [rule(.keep, source: ["job"], regex: "node|api")], expected: ["job": "node"]),
        .init(name: "non-matching value is dropped", input: ["job": "nodes"], rules: [rule(.keep, source: ["job"], regex: "node|api")], expected: nil),
        .init(name: "[2.42] (?i) makes the match case-insensitive", input: ["env": "PROD"], rules: [rule(.keep, source: ["env"], regex: "(?i)prod")],
              expected: ["env": "PROD"]),
        .init(name: "missing source label is the empty string", input: ["a": "1"], rules: [rule(.keep, source: ["missing"], regex: "")], expected: ["a": "1"]),
        .init(name: "regex is anchored at both ends", input: ["job": "xnodex"], rules: [rule(.keep, source: ["job"], regex: "node")], expected: nil),
        .init(name: "[2.42] dot matches a carriage return", input: ["src": "a\rb"], rules: [rule(.keep, source: ["src"], regex: "a.b")], expected: ["src": "a\rb"]),
        .init(name: "joined sources", input: ["a": "x", "b": "y"], rules: [rule(.keep, source: ["a", "b"], separator: "/", regex: "x/y")],
              expected: ["a": "x", "b": "y"]),
    ]
    @Test(arguments: keep) func keepAction(_ c: RelabelCase) { run(c) }

    static let drop: [RelabelCase] = [
        .init(name: "matching value is dropped", input: ["__name__": "go_gc_duration_seconds"],
              rules: [rule(.drop, source: ["__name__"], regex: "go_.*")], expected: nil),
        .init(name: "non-matching value is kept", input: ["__name__": "up"], rules: [rule(.drop, source: ["__name__"], regex: "go_.*")], expected: ["__name__": "up"]),
        .init(name: "[2.42] dot does not match a newline", input: ["src": "a\nb"], rules: [rule(.drop, source: ["src"], regex: "a.b")], expected: ["src": "a\nb"]),
        .init(name: "[2.42] (?s) lets dot match a newline", input: ["src": "a\nb"], rules: [rule(.drop, source: ["src"], regex: "(?s)a.b")], expected: nil),
        .init(name: "[2.42] dot matches U+2028", input: ["src": "a\u{2028}b"], rules: [rule(.drop, source: ["src"], regex: "a.b")], expected: nil),
        .init(name: "[2.42] \\d is ASCII only", input: ["src": "٣"], rules: [rule(.drop, source: ["src"], regex: "\\d")], expected: ["src": "٣"]),
        .init(name: "[2.42] dot is one code point, not a grapheme", input: ["src": "e\u{301}"], rules: [rule(.drop, source: ["src"], regex: ".")],
              expected: ["src": "e\u{301}"]),
        .init(name: "literal regex is byte-exact", input: ["src": "\u{E9}"], rules: [rule(.drop, source: ["src"], regex: "e\u{301}")], expected: ["src": "\u{E9}"]),
    ]
    @Test(arguments: drop) func dropAction(_ c: RelabelCase) { run(c) }

    static let keepEqual: [RelabelCase] = [
        .init(name: "[2.42] equal values are kept", input: ["a": "1", "b": "1"], rules: [rule(.keepEqual, source: ["a"], target: "b")], expected: ["a": "1", "b": "1"]),
        .init(name: "[2.42] missing target is dropped", input: ["a": "1"], rules: [rule(.keepEqual, source: ["a"], target: "b")], expected: nil),
        .init(name: "different values are dropped", input: ["a": "1", "b": "2"], rules: [rule(.keepEqual, source: ["a"], target: "b")], expected: nil),
        .init(name: "both missing are equal", input: ["z": "1"], rules: [rule(.keepEqual, source: ["a"], target: "b")], expected: ["z": "1"]),
        .init(name: "joined sources compared", input: ["a": "1", "b": "2", "t": "1;2"], rules: [rule(.keepEqual, source: ["a", "b"], target: "t")],
              expected: ["a": "1", "b": "2", "t": "1;2"]),
    ]
    @Test(arguments: keepEqual) func keepEqualAction(_ c: RelabelCase) { run(c) }

    static let dropEqual: [RelabelCase] = [
        .init(name: "[2.42] both missing are equal, dropped", input: ["z": "1"], rules: [rule(.dropEqual, source: ["a"], target: "b")], expected: nil),
        .init(name: "equal values are dropped", input: ["a": "1", "b": "1"], rules: [rule(.dropEqual, source: ["a"], target: "b")], expected: nil),
        .init(name: "different values are kept", input: ["a": "1", "b": "2"], rules: [rule(.dropEqual, source: ["a"], target: "b")], expected: ["a": "1", "b": "2"]),
        .init(name: "port equal to __meta port", input: ["__meta_port": "80", "port": "8080"], rules: [rule(.dropEqual, source: ["__meta_port"], target: "port")],
              expected: ["__meta_port": "80", "port": "8080"]),
    ]
    @Test(arguments: dropEqual) func dropEqualAction(_ c: RelabelCase) { run(c) }

    static let hashMod: [RelabelCase] = [
        .init(name: "[2.42] md5 of a mod 1000", input: ["foo": "a"], rules: [rule(.hashMod, source: ["foo"], target: "h", modulus: 1000)],
              expected: ["foo": "a", "h": "697"]),
        .init(name: "[2.42] md5 of hello mod 7", input: ["foo": "hello"], rules: [rule(.hashMod, source: ["foo"], target: "h", modulus: 7)],
              expected: ["foo": "hello", "h": "6"]),
        .init(name: "[2.42] missing source hashes the empty string", input: [:], rules: [rule(.hashMod, source: ["foo"], target: "h", modulus: 1000)],
              expected: ["h": "958"]),
        .init(name: "[2.42] joined sources, modulus 2^32", input: ["foo": "node-1", "bar": "eu"],
              rules: [rule(.hashMod, source: ["foo", "bar"], target: "h", modulus: 1 << 32)], expected: ["foo": "node-1", "bar": "eu", "h": "3098878636"]),
        .init(name: "[2.42] address mod 3", input: ["foo": "10.0.0.1:9100"], rules: [rule(.hashMod, source: ["foo"], target: "h", modulus: 3)],
              expected: ["foo": "10.0.0.1:9100", "h": "2"]),
        .init(name: "[2.42] largest modulus", input: ["foo": "x"], rules: [rule(.hashMod, source: ["foo"], target: "h", modulus: .max)],
              expected: ["foo": "x", "h": "17710500428000290726"]),
        .init(name: "sharding: keep shard 2 of 3", input: ["__address__": "10.0.0.1:9100"],
              rules: [rule(.hashMod, source: ["__address__"], target: "__tmp_hash", modulus: 3), rule(.keep, source: ["__tmp_hash"], regex: "2")],
              expected: ["__address__": "10.0.0.1:9100", "__tmp_hash": "2"]),
    ]
    @Test(arguments: hashMod) func hashModAction(_ c: RelabelCase) { run(c) }

    static let labelMap: [RelabelCase] = [
        .init(name: "__meta_(.+) copies meta labels", input: ["__meta_pod": "p1", "__meta_ns": "default", "job": "k"],
              rules: [rule(.labelMap, regex: "__meta_(.+)")], expected: ["__meta_pod": "p1", "__meta_ns": "default", "job": "k", "pod": "p1", "ns": "default"]),
        .init(name: "[2.42] later label in name order wins a collision", input: ["__meta_a_x": "1", "__meta_b_x": "2", "x": "0"],
              rules: [rule(.labelMap, regex: "__meta_[ab]_(.+)")], expected: ["__meta_a_x": "1", "__meta_b_x": "2", "x": "2"]),
        .init(name: "[2.42] new names are not mapped again in the same rule", input: ["a_a_b": "v"], rules: [rule(.labelMap, regex: "a_(.+)")],
              expected: ["a_a_b": "v", "a_b": "v"]),
        .init(name: "replacement with a prefix", input: ["__meta_kubernetes_pod_label_app": "web"],
              rules: [rule(.labelMap, regex: "__meta_kubernetes_pod_label_(.+)", replacement: "k8s_$1")],
              expected: ["__meta_kubernetes_pod_label_app": "web", "k8s_app": "web"]),
        .init(name: "no matching name changes nothing", input: ["job": "x"], rules: [rule(.labelMap, regex: "__meta_(.+)")], expected: ["job": "x"]),
    ]
    @Test(arguments: labelMap) func labelMapAction(_ c: RelabelCase) { run(c) }

    static let labelDrop: [RelabelCase] = [
        .init(name: "__meta_.* drops meta labels", input: ["__meta_a": "1", "__meta_b": "2", "job": "j"], rules: [rule(.labelDrop, regex: "__meta_.*")],
              expected: ["job": "j"]),
        .init(name: "literal alternatives", input: ["a": "1", "b": "2", "c": "3"], rules: [rule(.labelDrop, regex: "a|c")], expected: ["b": "2"]),
        .init(name: "anchored: a partial name match is not dropped", input: ["pod": "1", "pod_ip": "2"], rules: [rule(.labelDrop, regex: "pod")],
              expected: ["pod_ip": "2"]),
        .init(name: "(?i) on names", input: ["Team": "1", "team": "2", "x": "3"], rules: [rule(.labelDrop, regex: "(?i)TEAM")], expected: ["x": "3"]),
        .init(name: "nothing matches", input: ["a": "1"], rules: [rule(.labelDrop, regex: "z.+")], expected: ["a": "1"]),
    ]
    @Test(arguments: labelDrop) func labelDropAction(_ c: RelabelCase) { run(c) }

    static let labelKeep: [RelabelCase] = [
        .init(name: "keeps only listed names", input: ["__address__": "h:1", "job": "j", "x": "1"], rules: [rule(.labelKeep, regex: "__address__|job")],
              expected: ["__address__": "h:1", "job": "j"]),
        .init(name: "default regex keeps all", input: ["a": "1", "b": "2"], rules: [rule(.labelKeep)], expected: ["a": "1", "b": "2"]),
        .init(name: "anchored: job does not keep job_x", input: ["job": "1", "job_x": "2"], rules: [rule(.labelKeep, regex: "job")], expected: ["job": "1"]),
        .init(name: "character class", input: ["a1": "1", "a2": "2", "b1": "3"], rules: [rule(.labelKeep, regex: "a[0-9]")], expected: ["a1": "1", "a2": "2"]),
    ]
    @Test(arguments: labelKeep) func labelKeepAction(_ c: RelabelCase) { run(c) }

    static let lowercase: [RelabelCase] = [
        .init(name: "ASCII", input: ["src": "Hello-World"], rules: [rule(.lowercase, source: ["src"], target: "lo")], expected: ["src": "Hello-World", "lo": "hello-world"]),
        .init(name: "[2.42] code point by code point (İ becomes i)", input: ["src": "ÀßİΣK"], rules: [rule(.lowercase, source: ["src"], target: "lo")],
              expected: ["src": "ÀßİΣK", "lo": "àßiσk"]),
        .init(name: "[2.42] empty result deletes the target", input: ["lo": "keep"], rules: [rule(.lowercase, source: ["missing"], target: "lo")], expected: [:]),
        .init(name: "joined sources", input: ["a": "A", "b": "B"], rules: [rule(.lowercase, source: ["a", "b"], target: "a")], expected: ["a": "a;b", "b": "B"]),
    ]
    @Test(arguments: lowercase) func lowercaseAction(_ c: RelabelCase) { run(c) }

    static let uppercase: [RelabelCase] = [
        .init(name: "ASCII", input: ["src": "eu-west-1"], rules: [rule(.uppercase, source: ["src"], target: "up")], expected: ["src": "eu-west-1", "up": "EU-WEST-1"]),
        .init(name: "[2.42] simple case mapping (ß stays, ᾳ becomes ᾼ)", input: ["src": "àßᾳŉǅ"], rules: [rule(.uppercase, source: ["src"], target: "up")],
              expected: ["src": "àßᾳŉǅ", "up": "ÀßᾼŉǄ"]),
        .init(name: "overwrites the existing target", input: ["src": "a", "up": "old"], rules: [rule(.uppercase, source: ["src"], target: "up")],
              expected: ["src": "a", "up": "A"]),
        .init(name: "missing source deletes the target", input: ["up": "old"], rules: [rule(.uppercase, source: ["src"], target: "up")], expected: [:]),
    ]
    @Test(arguments: uppercase) func uppercaseAction(_ c: RelabelCase) { run(c) }

    @Test func rulesApplyInOrderAndStopAtDrop() {
        let rules = [
            rule(.labelMap, regex: "__meta_(.+)"),
            rule(.replace, source: ["env"], target: "env", regex: "(.*)", replacement: "prod-$1"),
            rule(.drop, source: ["env"], regex: "prod-test"),
            rule(.replace, target: "never", replacement: "set"),
        ]
        #expect(Relabeling.process(Labels(["__meta_env": "eu"]), rules) == Labels(["__meta_env": "eu", "env": "prod-eu", "never": "set"]))
        #expect(Relabeling.process(Labels(["__meta_env": "test"]), rules) == nil)
    }
}
