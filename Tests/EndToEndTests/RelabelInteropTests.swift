import Foundation
import OspreyCore
import Pipeline
import Testing

/// Osprey's relabeling gives the same label sets as the real Prometheus: each case below is a scrape
/// job of one Prometheus run whose static target carries the case's labels; Prometheus's
/// `/api/v1/targets` shows the labels it discovered (the input) and the labels after its
/// `relabel_configs` (or the target under dropped). Osprey applies the same rules to the same input.
@Suite(.serialized)
struct RelabelInteropTests {
    struct Case {
        let labels: [String: String]
        let rules: [RelabelConfig]
    }

    static func rule(
        _ action: RelabelConfig.Action = .replace, source: [String]? = nil, target: String = "", regex: String? = nil,
        modulus: UInt64 = 0, replacement: String = "$1"
    ) throws -> RelabelConfig {
        try RelabelConfig(action: action, sourceLabels: source, targetLabel: target, regex: regex, modulus: modulus, replacement: replacement)
    }

    static func cases() throws -> [String: Case] {
        var out: [String: Case] = [:]
        for (i, value) in ["", "a", "node-7", "10.0.0.1:9100", "ünïcödé", "x;y"].enumerated() {
            out["hashmod_\(i)"] = Case(labels: ["v": value], rules: [try rule(.hashMod, source: ["v", "job"], target: "h", modulus: 1 << 40 + 3)])
        }
        out["expand"] = Case(labels: ["src": "abc", "out": "old"], rules: [
            try rule(source: ["src"], target: "out", regex: "(a)(b)(c)", replacement: "$1x"),
            try rule(source: ["src"], target: "t_${1}_$3", regex: "(a)(b)(c)", replacement: "${2}x$$-$0-${x"),
            try rule(source: ["src"], target: "n_$rest", regex: "(?P<first>a)(?P<rest>.*)", replacement: "$first_|$first"),
        ])
        out["labelmap"] = Case(labels: ["__meta_a_x": "1", "__meta_b_x": "2", "x": "0", "__meta_pod": "p"], rules: [
            try rule(.labelMap, regex: "__meta_[ab]_(.+)"), try rule(.labelMap, regex: "__meta_(pod)", replacement: "k8s_$1"),
        ])
        out["labeldrop"] = Case(labels: ["team": "a", "Team": "b", "tier": "c"], rules: [try rule(.labelDrop, regex: "(?i)team")])
        out["labelkeep"] = Case(labels: ["keep_me": "1", "drop_me": "2"], rules: [try rule(.labelKeep, regex: "__.*|job|keep_.+")])
        out["case"] = Case(labels: ["s": "ÀßİΣ-àßᾳ"], rules: [
            try rule(.lowercase, source: ["s"], target: "lo"), try rule(.uppercase, source: ["s", "job"], target: "up"),
        ])
        out["newline"] = Case(labels: ["s": "a\nb", "r": "a\rb"], rules: [
            try rule(source: ["s"], target: "copy"), try rule(source: ["r"], target: "rcopy", regex: "a.b", replacement: "matched"),
        ])
        out["keepequal_kept"] = Case(labels: ["a": "1", "b": "1"], rules: [try rule(.keepEqual, source: ["a"], target: "b")])
        out["keepequal_dropped"] = Case(labels: ["a": "1"], rules: [try rule(.keepEqual, source: ["a"], target: "b")])
        out["dropequal"] = Case(labels: ["z": "1"], rules: [try rule(.dropEqual, source: ["a"], target: "b")])
        out["keep_dropped"] = Case(labels: ["env": "staging"], rules: [try rule(.keep, source: ["env"], regex: "(?i)PROD|dev")])
        out["drop_kept"] = Case(labels: ["env": "٣"], rules: [try rule(.drop, source: ["env"], regex: "\\d")])
        return out
    }

    @Test("relabel_configs give the same labels in Osprey and Prometheus")
    func sameLabelsAsPrometheus() throws {
        let prometheus = try TestEnvironment.systemBinary(PrometheusInteropTests.prometheusPath, package: "prometheus")
        let cases = try Self.cases()
        try withTemporaryDirectory("relabel-interop") { dir in
            // Port 9 (discard) on loopback: nothing is scraped; only the target's labels matter.
            let jobs = cases.sorted { $0.key < $1.key }.map { name, c in
                """
                  - job_name: \(name)
                    scrape_interval: 1h
                    static_configs: [{targets: ['127.0.0.1:9'], labels: \(Self.json(c.labels))}]
                    relabel_configs: [\(c.rules.map(Self.yaml).joined(separator: ", "))]
                """
            }
            let config = "scrape_configs:\n" + jobs.joined(separator: "\n") + "\n"
            let (process, port) = try PrometheusInteropTests.startPrometheus(prometheus, dir: dir, config: config, name: "prometheus-relabel")
            defer { _ = process.terminate(timeoutSeconds: 10) }
            let client = HTTPClient(port: port, timeoutSeconds: 10)

            // Prometheus hands new targets to the scrape manager up to 5 s after start.
            var targets: [(discovered: [String: String], labels: [String: String]?)] = []
            let listed = try poll(timeoutSeconds: 20, intervalMs: 200) {
                targets = try Self.targets(client)
                return targets.count == cases.count
            }
            try #require(listed, "Prometheus listed \(targets.count) of \(cases.count) targets\n\(process.logTail())")

            for (discovered, prometheusLabels) in targets {
                let job = try #require(discovered["job"])
                let c = try #require(cases[job])
                let osprey = Relabeling.process(Labels(discovered), c.rules).map(Self.asTargetLabels)
                #expect(osprey == prometheusLabels, "\(job): Osprey \(osprey.map { "\($0)" } ?? "dropped"), Prometheus \(prometheusLabels.map { "\($0)" } ?? "dropped")")
            }
        }
    }

    /// What Prometheus shows as a target's labels after relabeling: no `__` labels, `instance` defaulting to the address.
    static func asTargetLabels(_ labels: Labels) -> [String: String] {
        var out: [String: String] = [:]
        for l in labels where !l.name.hasPrefix("__") { out[l.name] = l.value }
        if out["instance"] == nil { out["instance"] = labels["__address__"] }
        return out
    }

    /// Every target as (discovered labels, labels after relabeling or nil when dropped).
    static func targets(_ client: HTTPClient) throws -> [(discovered: [String: String], labels: [String: String]?)] {
        let response = try client.get("/api/v1/targets?state=any")
        guard response.status == 200,
            let root = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let data = root["data"] as? [String: Any]
        else { throw E2EError("unexpected /api/v1/targets answer: \(response.status) \(response.text)") }
        var out: [(discovered: [String: String], labels: [String: String]?)] = []
        for t in data["activeTargets"] as? [[String: Any]] ?? [] {
            out.append((t["discoveredLabels"] as? [String: String] ?? [:], t["labels"] as? [String: String] ?? [:]))
        }
        for t in data["droppedTargets"] as? [[String: Any]] ?? [] {
            out.append((t["discoveredLabels"] as? [String: String] ?? [:], nil))
        }
        return out
    }

    static func json(_ value: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// A rule as a YAML flow mapping (JSON strings are YAML double-quoted strings).
    static func yaml(_ r: RelabelConfig) -> String {
        var fields = ["action: \(r.action.rawValue)", "regex: \(json(r.regex))", "replacement: \(json(r.replacement))"]
        if !r.sourceLabels.isEmpty { fields.append("source_labels: \(json(r.sourceLabels))") }
        if !r.targetLabel.isEmpty { fields.append("target_label: \(json(r.targetLabel))") }
        if r.modulus != 0 { fields.append("modulus: \(r.modulus)") }
        if r.action == .keepEqual || r.action == .dropEqual || r.action == .lowercase || r.action == .uppercase {
            fields.removeAll { $0.hasPrefix("regex:") || $0.hasPrefix("replacement:") }
        }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}

/// `osprey check config` on relabel rules: a prometheus.yml's rules load, and a bad rule is named by
/// file, line and field (`scrape_configs[0].relabel_configs[1].action`) with what is wrong.
@Suite struct RelabelConfigFileTests {
    static let head = "scrape_configs:\n  - job_name: j\n    static_configs: [{targets: ['127.0.0.1:9']}]\n    relabel_configs:\n"

    @Test func prometheusRulesLoad() throws {
        let (status, out) = try CheckConfigTests().check(Self.head + """
                  - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
                    action: keep
                    regex: true
                  - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
                    action: replace
                    regex: ([^:]+)(?::\\d+)?;(\\d+)
                    replacement: $1:$2
                    target_label: __address__
                  - action: labelmap
                    regex: __meta_kubernetes_pod_label_(.+)
                  - {source_labels: [__address__], modulus: 4, target_label: __tmp_hash, action: hashmod}
                  - {action: LabelDrop, regex: "__meta_.*"}
                metric_relabel_configs:
                  - {source_labels: [__name__], regex: 'go_.*', action: drop}
            """)
        #expect(status == 0, "\(out)")
        #expect(out.contains("SUCCESS"), "\(out)")
    }

    @Test(arguments: [
        ("  - target_label: t\n  - action: bogus\n", "DIR/osprey.yml:6: scrape_configs[0].relabel_configs[1].action: unknown relabel action \"bogus\""),
        ("  - target_label: t\n    regex: 'a('\n", "DIR/osprey.yml:6: scrape_configs[0].relabel_configs[0].regex: invalid regular expression \"a(\""),
        ("  - action: hashmod\n    target_label: h\n", "DIR/osprey.yml:5: scrape_configs[0].relabel_configs[0].modulus: the hashmod action requires a modulus above zero"),
        ("  - target_label: t\n    sourcelabels: [a]\n", "DIR/osprey.yml:6: scrape_configs[0].relabel_configs[0].sourcelabels: unknown field"),
        ("  - action: labeldrop\n    regex: x\n    target_label: y\n",
         "DIR/osprey.yml:7: scrape_configs[0].relabel_configs[0].target_label: the labeldrop action takes only regex; remove target_label"),
        ("  - action: hashmod\n    target_label: h\n    modulus: -1\n", "DIR/osprey.yml:7: scrape_configs[0].relabel_configs[0].modulus: must be a non-negative integer"),
        ("  - target_label: t\n    source_labels: [a-b]\n", "DIR/osprey.yml:6: scrape_configs[0].relabel_configs[0].source_labels: \"a-b\" is not a valid label name"),
    ])
    func badRuleIsNamed(_ rules: String, _ expected: String) throws {
        let (status, out) = try CheckConfigTests().check(Self.head + rules.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n"))
        #expect(status == 1, "\(out)")
        #expect(out.contains(expected), "\(out)")
    }
}
