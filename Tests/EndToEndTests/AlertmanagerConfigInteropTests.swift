import Foundation
import Testing

/// Differential tests against the real `amtool` (Debian prometheus-alertmanager 0.25): `amtool check-config`
/// and `osprey check alerting` agree on valid and invalid files, and `amtool config routes test` and
/// `osprey check routes` send the same label sets to the same receivers on the example configuration.
/// Files use only what Alertmanager 0.25 knows. Deliberate differences, not in the table: Osprey also
/// accepts what later Alertmanagers added (msteams_configs, webhook `timeout`, `http_headers`, quoted UTF-8
/// label names in matchers) and rejects months outside 1-12, which 0.25 lets through.
@Suite struct AlertmanagerConfigInteropTests {
    struct Outcome { let status: Int32; let output: String }

    func run(_ binary: String, _ arguments: [String]) throws -> Outcome {
        let r = try runCommand(binary, arguments)
        return Outcome(status: r.status, output: r.stdout)
    }

    static var example: String { TestEnvironment.packageRoot + "/examples/alertmanager.yml" }
    static func amtool() throws -> String { try TestEnvironment.systemBinary("/usr/bin/amtool", package: "prometheus-alertmanager") }

    static let head = "route:\n  receiver: r\n"
    static let tail = "receivers:\n  - name: r\n"

    /// (name, alertmanager.yml text, valid?). Validity is what the test asserts both tools agree on.
    static let files: [(String, String, Bool)] = [
        ("minimal", head + tail, true),
        ("nested", """
            route:
              receiver: r
              group_by: ['...']
              routes:
                - matchers: ['severity=~"critical|warning"', team=db]
                  receiver: s
                  continue: true
                  active_time_intervals: [office]
                - match: {severity: info}
                  match_re: {service: 'a|b'}
                  mute_time_intervals: [weekend]
            time_intervals:
              - name: office
                time_intervals:
                  - weekdays: ['monday:friday']
                    times: [{start_time: '09:00', end_time: '17:00'}]
                    location: Europe/Berlin
            mute_time_intervals:
              - name: weekend
                time_intervals: [{weekdays: [saturday, sunday]}, {days_of_month: ['-3:-1'], months: ['december']}]
            receivers:
              - name: r
              - name: s
                webhook_configs: [{url: 'http://127.0.0.1:1/hook', max_alerts: 5, send_resolved: false}]
            inhibit_rules:
              - source_match: {severity: critical}
                target_match_re: {severity: 'warning|info'}
                equal: [alertname]
            """, true),
        ("other integrations", head + """
            receivers:
              - name: r
                opsgenie_configs: [{api_key: k}]
                pushover_configs: [{user_key: u, token: t}]
            """, true),
        ("globals", """
            global:
              resolve_timeout: 1m
              smtp_smarthost: 'mail:25'
              smtp_from: a@example.com
              smtp_require_tls: false
              slack_api_url: 'https://hooks.slack.com/x'
              http_config:
                follow_redirects: false
            """ + "\n" + head + """
            receivers:
              - name: r
                email_configs: [{to: b@example.com, headers: {Subject: hi}}]
                slack_configs: [{channel: '#a', fields: [{title: t, value: v}]}]
                pagerduty_configs: [{service_key: k, links: [{href: 'http://x', text: x}]}]
            """, true),
        ("no route", tail, false),
        ("empty", "", false),
        ("root without receiver", "route:\n  group_by: [a]\n" + tail, false),
        ("root with matchers", head + "  matchers: [a=b]\n" + tail, false),
        ("root continue", head + "  continue: true\n" + tail, false),
        ("root mute interval", head + "  mute_time_intervals: [x]\ntime_intervals: [{name: x}]\n" + tail, false),
        ("undefined receiver", head + "  routes:\n    - receiver: nope\n" + tail, false),
        ("duplicate receiver", head + tail + "  - name: r\n", false),
        ("undefined interval", head + "  routes:\n    - mute_time_intervals: [never]\n" + tail, false),
        ("duplicate interval", head + "time_intervals: [{name: x}, {name: x}]\n" + tail, false),
        ("unknown field", head + "  recevier: x\n" + tail, false),
        ("unknown top level", head + tail + "inhibit_rulez: []\n", false),
        ("bad matcher regex", head + "  routes:\n    - matchers: ['a=~\"(\"']\n" + tail, false),
        ("bad match_re", head + "  routes:\n    - match_re: {a: '['}\n" + tail, false),
        ("bad label name", head + "  routes:\n    - match: {'a-b': c}\n" + tail, false),
        ("wildcard and labels", head + "  group_by: ['...', a]\n" + tail, false),
        ("duplicate group_by", head + "  group_by: [a, a]\n" + tail, false),
        ("zero repeat", head + "  repeat_interval: 0s\n" + tail, false),
        ("bad duration", head + "  group_wait: soon\n" + tail, false),
        ("email without smarthost", head + tail + "    email_configs: [{to: a@b}]\n", false),
        ("email without to", "global: {smtp_smarthost: 'm:25', smtp_from: a@b}\n" + head + tail + "    email_configs: [{from: a@b}]\n", false),
        ("slack without url", head + tail + "    slack_configs: [{channel: x}]\n", false),
        ("webhook without url", head + tail + "    webhook_configs: [{send_resolved: true}]\n", false),
        ("webhook ftp url", head + tail + "    webhook_configs: [{url: 'ftp://x/'}]\n", false),
        ("pagerduty without key", head + tail + "    pagerduty_configs: [{severity: critical}]\n", false),
        ("unknown integration", head + tail + "    hipchat_configs: [{room_id: 1}]\n", false),
        ("reversed weekdays", head + tail + "time_intervals:\n  - name: x\n    time_intervals: [{weekdays: ['saturday:sunday']}]\n", false),
        ("bad time", head + tail + "time_intervals:\n  - name: x\n    time_intervals: [{times: [{start_time: '9am', end_time: '17:00'}]}]\n", false),
        ("bad location", head + tail + "time_intervals:\n  - name: x\n    time_intervals: [{location: Mars/Olympus}]\n", false),
        ("bad day of month", head + tail + "time_intervals:\n  - name: x\n    time_intervals: [{days_of_month: ['0']}]\n", false),
        ("receiver without name", head + tail + "  - webhook_configs: [{url: 'http://x/'}]\n", false),
        ("yaml syntax", "route: {receiver: r\n", false),
        ("yaml 1.1 booleans", head + "  routes:\n    - continue: yes\n      matchers: ['a=b, c=~\"d|e\"']\n" + tail, true),
        ("empty group_by", head + "  group_by: []\n  group_wait: 0s\n" + tail, true),
        ("24:00 end time", head + tail + "time_intervals: [{name: x, time_intervals: [{times: [{start_time: '22:00', end_time: '24:00'}], weekdays: ['Monday:FRIDAY'], location: Local}]}]\n", true),
        ("24:01 end time", head + tail + "time_intervals: [{name: x, time_intervals: [{times: [{start_time: '22:00', end_time: '24:01'}]}]}]\n", false),
        ("email without from", "global: {smtp_smarthost: 'm:25'}\n" + head + tail + "    email_configs: [{to: a@b}]\n", false),
        ("email duplicate header", "global: {smtp_smarthost: 'm:25', smtp_from: a@b}\n" + head + tail + "    email_configs: [{to: a@b, headers: {subject: a, Subject: b}}]\n", false),
        ("smarthost without port", "global: {smtp_smarthost: 'mail'}\n" + head + tail, false),
        ("webhook url and url_file", head + tail + "    webhook_configs: [{url: 'http://x/', url_file: f}]\n", false),
        ("two auth schemes", "global:\n  http_config:\n    basic_auth: {username: a, password: b}\n    bearer_token: t\n" + head + tail, false),
        ("slack field without title", "global: {slack_api_url: 'http://x/'}\n" + head + tail + "    slack_configs: [{fields: [{value: v}]}]\n", false),
        ("duplicate key", "route:\n  receiver: r\n  receiver: r\n" + tail, false),
        ("bad equal label", head + tail + "inhibit_rules: [{equal: ['bad-name']}]\n", false),
    ]

    @Test func checkConfigAgreesWithAmtool() throws {
        let amtool = try Self.amtool()
        let osprey = try TestEnvironment.ospreyBinary()
        try withTemporaryDirectory("amcheck") { dir in
            var disagreements: [String] = []
            for (name, text, valid) in Self.files + [("example", try String(contentsOfFile: Self.example, encoding: .utf8), true)] {
                let file = dir + "/alertmanager.yml"
                try text.write(toFile: file, atomically: true, encoding: .utf8)
                let theirs = try run(amtool, ["check-config", file])
                let ours = try run(osprey, ["check", "alerting", file])
                if (theirs.status == 0) != valid { disagreements.append("\(name): amtool says \(theirs.status == 0 ? "valid" : "invalid"), the table says otherwise:\n\(theirs.output)") }
                if (ours.status == 0) != valid { disagreements.append("\(name): osprey says \(ours.status == 0 ? "valid" : "invalid"):\n\(ours.output)") }
                if valid {
                    #expect(ours.output.contains("SUCCESS"), "\(name): \(ours.output)")
                } else {
                    #expect(ours.output.contains("FAILED: "), "\(name): \(ours.output)")
                }
            }
            #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
        }
    }

    @Test func checkAlertingReportsWhatItFound() throws {
        let out = try run(try TestEnvironment.ospreyBinary(), ["check", "alerting", Self.example])
        #expect(out.status == 0)
        #expect(out.output.contains(" - 2 inhibit rules\n - 8 receivers\n"), "\(out.output)")
        try withTemporaryDirectory("amcheck") { dir in
            let file = dir + "/am.yml"
            try (Self.head + "  routes:\n    - receiver: nope\n" + Self.tail).write(toFile: file, atomically: true, encoding: .utf8)
            let bad = try run(try TestEnvironment.ospreyBinary(), ["check", "alerting", file])
            #expect(bad.status == 1)
            #expect(bad.output.contains("\(file):4: route.routes[0].receiver: undefined receiver \"nope\" used in route"), "\(bad.output)")
        }
    }

    /// Label sets across every branch of the example: nested routes, `continue`, regex and old-style matchers.
    static let labelSets: [[String]] = [
        ["alertname=Watchdog", "severity=none"],
        ["alertname=Watchdog", "severity=critical"],
        ["alertname=DiskFull", "severity=critical"],
        ["alertname=ReplicationLag", "severity=critical", "team=database"],
        ["alertname=Latency", "severity=critical", "service=checkout"],
        ["alertname=Latency", "severity=error", "service=payments"],
        ["alertname=Latency", "severity=warning", "service=payments-eu"],
        ["alertname=Latency", "severity=warning", "team=database", "service=payments"],
        ["alertname=CertExpiry", "severity=warning"],
        ["alertname=Deploy", "severity=info"],
        ["alertname=Deploy", "severity=info", "team=database"],
        ["alertname=Whatever", "severity=debug"],
        ["alertname=NoSeverity"],
        [],
    ]

    @Test func routesAgreeWithAmtool() throws {
        let amtool = try Self.amtool()
        let osprey = try TestEnvironment.ospreyBinary()
        for labels in Self.labelSets {
            let theirs = try run(amtool, ["config", "routes", "test", "--config.file=\(Self.example)"] + labels)
            let ours = try run(osprey, ["check", "routes", "--config.file=\(Self.example)"] + labels)
            #expect(theirs.status == 0 && ours.status == 0, "\(labels): \(theirs.output) \(ours.output)")
            #expect(!ours.output.isEmpty)
            #expect(ours.output == theirs.output, "\(labels)")
            // --verify.receivers with amtool's answer passes, with another answer fails, in both.
            let answer = theirs.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let verified = try run(osprey, ["check", "routes", "--config.file=\(Self.example)", "--verify.receivers=\(answer)"] + labels)
            #expect(verified.status == 0)
            let wrong = try run(osprey, ["check", "routes", "--config.file=\(Self.example)", "--verify.receivers=nobody"] + labels)
            let amtoolWrong = try run(amtool, ["config", "routes", "test", "--config.file=\(Self.example)", "--verify.receivers=nobody"] + labels)
            #expect(wrong.status == 1 && amtoolWrong.status == 1)
        }
    }

    /// A tree that exercises `continue` at several depths, siblings with the same matchers, negative and
    /// regex matchers, and values with spaces and quotes.
    static let tangled = """
        route:
          receiver: root
          routes:
            - matchers: ['env!="prod"']
              receiver: nonprod
              continue: true
              routes:
                - matchers: [team=~"web|api"]
                  receiver: nonprod-web
                  continue: true
                - matchers: [team=~"web|db"]
                  receiver: nonprod-webdb
            - matchers: ['severity=~"critical|error"', 'service!~"test-.*"']
              receiver: loud
              routes:
                - matchers: ['summary="disk \\"full\\" now"']
                  receiver: quoted
                - match: {region: eu west}
                  receiver: spaced
                - matchers: [env=prod]
                  receiver: loud-prod
                  continue: true
                - matchers: [env=prod]
                  receiver: loud-prod-again
            - match_re: {team: 'db'}
              receiver: db
        receivers:
          - {name: root}
          - {name: nonprod}
          - {name: nonprod-web}
          - {name: nonprod-webdb}
          - {name: loud}
          - {name: quoted}
          - {name: spaced}
          - {name: loud-prod}
          - {name: loud-prod-again}
          - {name: db}
        """

    static let tangledLabelSets: [[String]] = [
        [],
        ["env=prod"],
        ["env=dev", "team=web"],
        ["env=dev", "team=api"],
        ["env=dev", "team=db", "severity=critical"],
        ["env=prod", "team=db"],
        ["env=prod", "team=dbx"],
        ["env=prod", "severity=error"],
        ["env=prod", "severity=error", "service=test-1"],
        ["env=prod", "severity=critical", #"summary="disk \"full\" now""#],
        ["env=prod", "severity=critical", "region=eu west"],
        ["env=stage", "severity=critical", "team=web"],
        ["severity=critical"],
    ]

    @Test func routesAgreeWithAmtoolOnATangledTree() throws {
        let amtool = try Self.amtool()
        let osprey = try TestEnvironment.ospreyBinary()
        try withTemporaryDirectory("amroutes") { dir in
            let file = dir + "/alertmanager.yml"
            try Self.tangled.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try run(amtool, ["check-config", file]).status == 0)
            for labels in Self.tangledLabelSets {
                let theirs = try run(amtool, ["config", "routes", "test", "--config.file=\(file)"] + labels)
                let ours = try run(osprey, ["check", "routes", "--config.file=\(file)"] + labels)
                #expect(theirs.status == 0 && ours.status == 0, "\(labels)")
                #expect(!ours.output.isEmpty)
                #expect(ours.output == theirs.output, "\(labels)")
            }
        }
    }

    @Test func ospreyYmlPointsToTheAlertmanagerFile() throws {
        try withTemporaryDirectory("amcheck") { dir in
            try FileManager.default.createDirectory(atPath: dir + "/conf", withIntermediateDirectories: true)
            try String(contentsOfFile: Self.example, encoding: .utf8).write(toFile: dir + "/conf/alertmanager.yml", atomically: true, encoding: .utf8)
            try "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:9093']\n  config_file: conf/alertmanager.yml\n"
                .write(toFile: dir + "/osprey.yml", atomically: true, encoding: .utf8)
            let osprey = try TestEnvironment.ospreyBinary()
            let routed = try run(osprey, ["check", "routes", "--config.file=\(dir)/osprey.yml", "severity=critical", "team=database"])
            #expect(routed.output == "pager-database,chat-database\n")
            #expect(try run(osprey, ["check", "config", dir + "/osprey.yml"]).status == 0)
            // Inline: Alertmanager's keys directly under alerting:, next to Prometheus's.
            try """
                alerting:
                  alertmanagers:
                    - static_configs: [{targets: ['127.0.0.1:9093']}]
                  route:
                    receiver: mail
                    routes:
                      - matchers: [severity=critical]
                        receiver: page
                  receivers:
                    - name: mail
                    - name: page
                      webhook_configs: [{url: 'http://127.0.0.1:1/page'}]
                """.write(toFile: dir + "/osprey-inline.yml", atomically: true, encoding: .utf8)
            #expect(try run(osprey, ["check", "routes", "--config.file=\(dir)/osprey-inline.yml", "severity=critical"]).output == "page\n")
            #expect(try run(osprey, ["check", "alerting", dir + "/osprey-inline.yml"]).output.contains(" - 2 receivers\n"))
            // Errors are named alerting.<field>.
            try "alerting:\n  route:\n    receiver: nope\n  receivers:\n    - name: r\n".write(toFile: dir + "/inline.yml", atomically: true, encoding: .utf8)
            let bad = try run(osprey, ["check", "config", dir + "/inline.yml"])
            #expect(bad.status == 1)
            #expect(bad.output.contains("inline.yml:3: alerting.route.receiver: undefined receiver \"nope\""), "\(bad.output)")
        }
    }
}
