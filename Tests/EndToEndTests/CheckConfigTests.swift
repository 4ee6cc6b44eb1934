import Foundation
import Testing

/// `osprey check config FILE`: a valid file passes (sections for later parts accepted and reported),
/// an invalid one fails naming file, line and field.
@Suite struct CheckConfigTests {
    func check(_ yaml: String, files: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try withTemporaryDirectory("check-config") { dir in
            for (name, text) in files {
                let path = dir + "/" + name
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            let file = dir + "/osprey.yml"
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try TestEnvironment.ospreyBinary())
            p.arguments = ["check", "config", file]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, out.replacingOccurrences(of: dir, with: "DIR"))
        }
    }

    /// A prometheus.yml as a real deployment writes it: node, blackbox, Kubernetes and file discovery,
    /// relabeling, auth, TLS, alerting and remote write. It loads unchanged.
    static let deployment = """
        global:
          scrape_interval: 15s
          scrape_timeout: 10s
          evaluation_interval: 30s
          external_labels:
            cluster: eu-west-1
            replica: a
        alerting:
          alertmanagers:
            - static_configs:
                - targets: ['alertmanager:9093']
        rule_files:
          - rules/*.yml
        scrape_configs:
          - job_name: prometheus
            static_configs:
              - targets: ['localhost:9090']
          - job_name: node
            scrape_interval: 30s
            file_sd_configs:
              - files: ['targets/node-*.json', 'targets/node.yml']
                refresh_interval: 1m
            relabel_configs:
              - source_labels: [__address__]
                regex: '([^:]+):\\d+'
                target_label: host
                replacement: '$1'
            metric_relabel_configs:
              - source_labels: [__name__]
                regex: 'node_(scrape_collector|textfile)_.*'
                action: drop
              - regex: 'boot_id'
                action: labeldrop
          - job_name: blackbox_http
            metrics_path: /probe
            params:
              module: [http_2xx]
            static_configs:
              - targets: ['https://example.com', 'https://status.example.com']
            relabel_configs:
              - source_labels: [__address__]
                target_label: __param_target
              - source_labels: [__param_target]
                target_label: instance
              - target_label: __address__
                replacement: blackbox-exporter:9115
          - job_name: api
            scheme: https
            basic_auth:
              username: prometheus
              password_file: secrets/api-password
            tls_config:
              ca_file: certs/ca.pem
              insecure_skip_verify: false
            honor_labels: true
            honor_timestamps: false
            sample_limit: 50000
            label_limit: 30
            body_size_limit: 20MB
            static_configs:
              - targets: ['api-1:8443', 'api-2:8443']
                labels: {team: payments, env: prod}
          - job_name: kubernetes-pods
            kubernetes_sd_configs:
              - role: pod
            authorization:
              credentials_file: secrets/token
            relabel_configs:
              - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
                action: keep
                regex: true
              - action: labelmap
                regex: __meta_kubernetes_pod_label_(.+)
              - source_labels: [__meta_kubernetes_namespace]
                action: replace
                target_label: namespace
              - source_labels: [__meta_kubernetes_pod_name]
                action: hashmod
                modulus: 4
                target_label: __tmp_shard
        storage:
          retention:
            time: 30d
            size: 50GB
        """

    static let deploymentFiles = [
        "secrets/api-password": "s3cret\n",
        "secrets/token": "eyJhbGciOi\n",
        "certs/ca.pem": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        "rules/node.yml": "groups:\n- name: node\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 5m\n",
    ]

    @Test func prometheusStyleDeploymentIsAccepted() throws {
        let (status, out) = try check(Self.deployment, files: Self.deploymentFiles)
        #expect(status == 0, "\(out)")
        #expect(out.contains("SUCCESS"))
        // The rule files it lists are checked too, as promtool check config does.
        #expect(out.contains("/rules/node.yml\n  SUCCESS: 1 rules found"), "\(out)")
        #expect(!out.contains("scrape_configs: accepted"))
    }

    @Test func invalidRuleFileFailsTheConfigCheck() throws {
        let (status, out) = try check("rule_files: ['rules/*.yml']\n", files: ["rules/bad.yml": "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    for: 1m\n"])
        #expect(status == 1)
        #expect(out.contains("/rules/bad.yml:6: groups[0].rules[0].for: group \"g\", rule 1, \"r\": invalid field 'for' in recording rule"), "\(out)")
    }

    @Test(arguments: [
        ("scrape_configs:\n  - job_name: a\n    scrape_interval: 10s\n    scrape_timeout: 20s\n", "DIR/osprey.yml:2: scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval"),
        ("scrape_configs:\n  - job_name: a\n  - job_name: a\n", "DIR/osprey.yml:3: scrape_configs[1].job_name: found multiple scrape configs"),
        ("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['']\n", "scrape_configs[0].static_configs[0].targets[0]: a target must not be empty"),
        ("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: replace_all\n", "DIR/osprey.yml:4: scrape_configs[0].relabel_configs[0].action"),
        ("scrape_configs:\n  - job_name: a\n    metric_relabel_configs:\n      - source_labels: [x]\n        regex: '(unclosed'\n", "scrape_configs[0].metric_relabel_configs[0].regex"),
        ("scrape_configs:\n  - job_name: a\n    scheme: ftp\n", "DIR/osprey.yml:3: scrape_configs[0].scheme: must be http or https"),
        ("scrape_configs:\n  - job_name: a\n    tls_config:\n      ca_file: missing.pem\n", "DIR/osprey.yml:4: scrape_configs[0].tls_config.ca_file: cannot read"),
        ("scrape_configs:\n  - job_name: a\n    sample_limit: many\n", "DIR/osprey.yml:3: scrape_configs[0].sample_limit: must be an integer"),
        ("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [targets.txt]\n", "scrape_configs[0].file_sd_configs[0].files[0]"),
        ("scrape_configs:\n  - job_name: a\n    scrape_intervall: 5s\n", "DIR/osprey.yml:3: scrape_configs[0].scrape_intervall: unknown field"),
        ("global:\n  external_labels:\n    9bad: x\n", "global.external_labels.9bad"),
        ("host_metrics:\n  enabled: maybe\n", "DIR/osprey.yml:2: host_metrics.enabled: must be true or false"),
    ])
    func invalidScrapeConfigNamesFileLineAndField(_ yaml: String, _ expected: String) throws {
        let (status, out) = try check(yaml)
        #expect(status == 1)
        #expect(out.contains("FAILED"))
        #expect(out.contains(expected), "\(out)")
    }

    @Test(arguments: [
        ("storage:\n  retention:\n    time: 15 days\n", "DIR/osprey.yml:3: storage.retention.time: not a valid duration"),
        ("storage:\n  wal:\n    fsync: sometimes\n", "DIR/osprey.yml:3: storage.wal.fsync: must be always, batch or never"),
        ("web:\n  listen_adress: 1.2.3.4:9\n", "DIR/osprey.yml:2: web.listen_adress: unknown field"),
        ("storage:\n  retention:\n    size: lots\n", "DIR/osprey.yml:3: storage.retention.size: not a valid byte size"),
        ("storage:\n  limits:\n    series_max: -1\n", "DIR/osprey.yml:3: storage.limits.series_max: must be a positive integer"),
        ("scrape_configs: [\n", "DIR/osprey.yml:"),
    ])
    func invalidFileNamesFileLineAndField(_ yaml: String, _ expected: String) throws {
        let (status, out) = try check(yaml)
        #expect(status == 1)
        #expect(out.contains("FAILED"))
        #expect(out.contains(expected), "\(out)")
    }
}
