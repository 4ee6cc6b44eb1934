import Alerting
import ConfigReader
import Foundation
import OspreyCore
import Testing

/// Loading alertmanager.yml: Alertmanager's documented defaults, inheritance down the route tree, and
/// errors that name file, line and field.
@Suite struct AlertmanagerConfigTests {
    static let minimal = """
        route:
          receiver: default
        receivers:
          - name: default
        """

    func parse(_ yaml: String) throws -> AlertmanagerConfig {
        try AlertmanagerConfig.parse(yaml, file: "am.yml", baseDirectory: "/etc/am")
    }

    @Test func documentedDefaults() throws {
        let c = try parse(Self.minimal)
        #expect(c.global.resolveTimeoutMs == 300_000)
        #expect(c.global.smtpHello == "localhost")
        #expect(c.global.smtpRequireTLS)
        #expect(c.global.pagerdutyURL == "https://events.pagerduty.com/v2/enqueue")
        #expect(c.route.groupWaitMs == 30_000)
        #expect(c.route.groupIntervalMs == 300_000)
        #expect(c.route.repeatIntervalMs == 4 * 3_600_000)
        #expect(c.route.groupBy == .labels([]))
        #expect(c.route.receiver == "default")
        #expect(c.route.key == "{}")
        #expect(c.original == Self.minimal)
    }

    @Test func sendResolvedDefaultsPerIntegration() throws {
        let c = try parse("""
            global:
              smtp_smarthost: mail:25
              smtp_from: am@example.com
              slack_api_url: https://hooks.slack.com/x
            route: {receiver: r}
            receivers:
              - name: r
                webhook_configs: [{url: 'http://h/x'}]
                slack_configs: [{channel: '#a'}]
                pagerduty_configs: [{routing_key: k}]
                email_configs: [{to: a@example.com}]
                msteams_configs: [{webhook_url: 'https://teams/x'}]
            """)
        let r = try #require(c.receiver(named: "r"))
        #expect(r.webhookConfigs[0].sendResolved == true)
        #expect(r.slackConfigs[0].sendResolved == false)
        #expect(r.pagerdutyConfigs[0].sendResolved == true)
        #expect(r.emailConfigs[0].sendResolved == false)
        #expect(r.msteamsConfigs[0].sendResolved == true)
        #expect(r.integrationCount == 5)
        // Globals flow into the integrations that leave them out.
        #expect(r.slackConfigs[0].apiURL == "https://hooks.slack.com/x")
        #expect(r.emailConfigs[0].smarthost == "mail:25")
        #expect(r.emailConfigs[0].from == "am@example.com")
        #expect(r.emailConfigs[0].hello == "localhost")
        #expect(r.emailConfigs[0].requireTLS)
        #expect(r.emailConfigs[0].headers["Subject"] == #"{{ template "email.default.subject" . }}"#)
        #expect(r.pagerdutyConfigs[0].url == "https://events.pagerduty.com/v2/enqueue")
        #expect(r.pagerdutyConfigs[0].details["num_firing"] == "{{ .Alerts.Firing | len }}")
        #expect(r.slackConfigs[0].title == #"{{ template "slack.default.title" . }}"#)
    }

    @Test func childRoutesInheritUnsetOptions() throws {
        let c = try parse("""
            route:
              receiver: root
              group_by: [alertname]
              group_wait: 1m
              routes:
                - matchers: ['severity="critical"']
                  receiver: pager
                  repeat_interval: 1h
                  routes:
                    - matchers: [team=db]
                      group_by: ['...']
                      routes:
                        - matchers: [env=prod]
                - match: {severity: info}
                  group_by: [alertname, cluster]
                  group_interval: 1h
                  mute_time_intervals: [nights]
            time_intervals:
              - name: nights
                time_intervals: [{times: [{start_time: '00:00', end_time: '06:00'}]}]
            receivers: [{name: root}, {name: pager}]
            """)
        let critical = c.route.routes[0]
        #expect(critical.receiver == "pager")
        #expect(critical.groupBy == .labels(["alertname"]))
        #expect(critical.groupWaitMs == 60_000)
        #expect(critical.groupIntervalMs == 300_000)
        #expect(critical.repeatIntervalMs == 3_600_000)
        let db = critical.routes[0]
        #expect(db.receiver == "pager")
        #expect(db.groupBy == .all)
        #expect(db.repeatIntervalMs == 3_600_000)
        #expect(db.routes[0].groupBy == .all)
        #expect(db.routes[0].key == #"{}/{severity="critical"}/{team="db"}/{env="prod"}"#)
        #expect(db.routes[0].id == #"{}/{severity="critical"}/{team="db"}/{env="prod"}/0"#)
        let info = c.route.routes[1]
        #expect(info.receiver == "root")
        #expect(info.groupBy == .labels(["alertname", "cluster"]))
        #expect(info.groupWaitMs == 60_000)
        #expect(info.groupIntervalMs == 3_600_000)
        #expect(info.muteTimeIntervals == ["nights"])
        #expect(info.id == #"{}/{severity="info"}/1"#)
        // Time intervals are not inherited.
        #expect(c.route.muteTimeIntervals.isEmpty)
    }

    @Test func matchMatchREAndMatchersCombineSorted() throws {
        let c = try parse("""
            route:
              receiver: r
              routes:
                - match: {team: db}
                  match_re: {service: 'api|web'}
                  matchers: ['env!="dev"', 'alertname=~"Disk.*"']
            receivers: [{name: r}]
            """)
        #expect(AlertMatchers.format(c.route.routes[0].matchers) == #"{alertname=~"Disk.*",env!="dev",service=~"api|web",team="db"}"#)
    }

    @Test func inhibitRulesFoldOldAndNewMatchers() throws {
        let c = try parse("""
            route: {receiver: r}
            receivers: [{name: r}]
            inhibit_rules:
              - source_match: {severity: critical}
                target_match_re: {severity: 'warning|info'}
                equal: [alertname]
              - source_matchers: ['alertname="ClusterDown"']
                target_matchers: ['alertname!="ClusterDown"', 'team=~"a|b"']
                equal: [cluster]
            """)
        #expect(c.inhibitRules.count == 2)
        #expect(c.inhibitRules[0].sourceMatchers.map(\.description) == [#"severity="critical""#])
        #expect(c.inhibitRules[0].targetMatchers.map(\.description) == [#"severity=~"warning|info""#])
        #expect(c.inhibitRules[1].targetMatchers.count == 2)
        #expect(c.inhibitRules[1].equal == ["cluster"])
        #expect(c.inhibitRules[1].line == 7)
    }

    @Test func otherIntegrationsAreAcceptedAndReportedIgnored() throws {
        let c = try parse("""
            route: {receiver: r}
            receivers:
              - name: r
                opsgenie_configs: [{api_key: x}]
                telegram_configs: [{bot_token: t, chat_id: 1}]
            """)
        #expect(c.receivers[0].ignoredIntegrations == ["opsgenie_configs": 1, "telegram_configs": 1])
        #expect(c.ignored.contains { $0.hasPrefix("receivers[0].opsgenie_configs") })
    }

    @Test func relativePathsResolveAgainstTheConfigDirectory() throws {
        let c = try parse("""
            route: {receiver: r}
            templates: ['templates/*.tmpl', '/abs/x.tmpl']
            receivers:
              - name: r
                webhook_configs: [{url_file: secrets/hook}]
            """)
        #expect(c.templates == ["/etc/am/templates/*.tmpl", "/abs/x.tmpl"])
        #expect(c.receivers[0].webhookConfigs[0].urlFile == "/etc/am/secrets/hook")
    }

    /// (yaml, expected `file:line: field: message` text): every error names where and what.
    @Test(arguments: [
        ("receivers: [{name: r}]\n", "am.yml:1: route: no route provided in config"),
        ("route:\n  group_by: [a]\nreceivers: [{name: r}]\n", "am.yml:2: route.receiver: root route must specify a default receiver"),
        ("route:\n  receiver: r\n  matchers: [a=b]\nreceivers: [{name: r}]\n", "am.yml:3: route: root route must not have any matchers"),
        ("route:\n  receiver: r\n  continue: true\nreceivers: [{name: r}]\n", "am.yml:3: route.continue: cannot have continue in root route"),
        ("route:\n  receiver: r\n  routes:\n    - receiver: nope\nreceivers: [{name: r}]\n", "am.yml:4: route.routes[0].receiver: undefined receiver \"nope\" used in route"),
        ("route: {receiver: r}\nreceivers:\n  - name: r\n  - name: r\n", "am.yml:4: receivers[1].name: notification config name \"r\" is not unique"),
        ("route:\n  receiver: r\n  routes:\n    - mute_time_intervals: [never]\nreceivers: [{name: r}]\n", "am.yml:4: route.routes[0].mute_time_intervals[0]: undefined time interval \"never\" used in route"),
        ("route:\n  receiver: r\n  recevier: x\nreceivers: [{name: r}]\n", "am.yml:3: route.recevier: unknown field"),
        ("route:\n  receiver: r\n  routes:\n    - matchers: ['a=~\"(\"']\nreceivers: [{name: r}]\n", "am.yml:4: route.routes[0].matchers[0]: bad matcher"),
        ("route:\n  receiver: r\n  group_by: ['...', a]\nreceivers: [{name: r}]\n", "am.yml:3: route.group_by: cannot have wildcard group_by"),
        ("route:\n  receiver: r\n  group_by: [a, a]\nreceivers: [{name: r}]\n", "route.group_by[1]: duplicated label \"a\" in group_by"),
        ("route:\n  receiver: r\n  repeat_interval: 0s\nreceivers: [{name: r}]\n", "am.yml:3: route.repeat_interval: repeat_interval cannot be zero"),
        ("route:\n  receiver: r\n  group_wait: soon\nreceivers: [{name: r}]\n", "am.yml:3: route.group_wait: not a valid duration"),
        ("route: {receiver: r}\nreceivers:\n  - name: r\n    email_configs:\n      - to: a@b\n", "receivers[0].email_configs[0].smarthost: no global SMTP smarthost set"),
        ("route: {receiver: r}\nreceivers:\n  - name: r\n    slack_configs:\n      - channel: x\n", "am.yml:5: receivers[0].slack_configs[0].api_url: no global Slack API URL set"),
        ("route: {receiver: r}\nreceivers:\n  - name: r\n    webhook_configs:\n      - send_resolved: true\n", "am.yml:5: receivers[0].webhook_configs[0]: one of url or url_file must be configured"),
        ("route: {receiver: r}\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: 'ftp://x/'\n", "am.yml:5: receivers[0].webhook_configs[0].url: unsupported scheme \"ftp\""),
        ("route: {receiver: r}\nreceivers:\n  - name: r\n    pagerduty_configs:\n      - severity: critical\n", "receivers[0].pagerduty_configs[0]: missing service or routing key in PagerDuty config"),
        ("route: {receiver: r}\nreceivers:\n  - name: r\n    hipchat_configs: []\n", "am.yml:4: receivers[0].hipchat_configs: unknown field"),
        ("route: {receiver: r}\nreceivers:\n  - webhook_configs: []\n", "am.yml:3: receivers[0].name: missing name in receiver"),
        ("route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules:\n  - source_match: {'bad-name': x}\n", "inhibit_rules[0].source_match.bad-name: invalid label name"),
        ("route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n  - name: a\n    time_intervals:\n      - weekdays: ['saturday:sunday']\n", "am.yml:6: time_intervals[0].time_intervals[0].weekdays: start day cannot be after end day"),
        ("route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n  - name: a\n    time_intervals:\n      - location: Mars/Olympus\n", "time_intervals[0].time_intervals[0].location: unknown time zone \"Mars/Olympus\""),
        ("route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n  - name: a\n  - name: a\n", "am.yml:5: time_intervals[1].name: time interval \"a\" is not unique"),
        ("route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n  - name: a\n    time_intervals:\n      - days_of_month: ['-1:5']\n", "end day must be negative if start day is negative"),
        ("route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n  - name: a\n    time_intervals:\n      - times: [{start_time: '17:00', end_time: '09:00'}]\n", "start_time must be before end_time"),
        ("route: {receiver: r\n", "am.yml:"),
    ])
    func invalidConfigNamesFileLineAndField(_ yaml: String, _ expected: String) {
        do {
            _ = try parse(yaml)
            Issue.record("accepted invalid config:\n\(yaml)")
        } catch {
            #expect(error is ConfigError)
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func loadsTheExampleFromTheRepository() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let c = try AlertmanagerConfig.load(path: url.path + "/examples/alertmanager.yml")
        #expect(c.receivers.map(\.name) == ["team-email", "deadmans-switch", "pager", "pager-database", "chat", "chat-database", "chat-payments", "email-digest"])
        #expect(c.inhibitRules.count == 2)
        #expect(Set(c.timeIntervals.keys) == ["weekends", "business-hours"])
        #expect(c.receiver(named: "email-digest")?.emailConfigs[0].headers["Subject"] == "[Osprey digest] {{ .CommonLabels.alertname }}")
        #expect(c.ignored.isEmpty)
    }
}
