import Alerting
import ConfigReader
import Foundation
import OspreyCore
import Testing

/// The template data and the default templates, rendered as Alertmanager renders them.
@Suite struct NotifyTemplateTests {
    typealias F = NotifyFixtures

    func render(_ text: String, _ n: GroupNotification, sources: [(name: String, text: String)] = []) throws -> String {
        try NotificationTemplates(sources: sources).render(text, NotificationData(n))
    }

    @Test func subjects() throws {
        #expect(try render(#"{{ template "__subject" . }}"#, F.group(resolved: false)) == F.firingSubject)
        #expect(try render(#"{{ template "email.default.subject" . }}"#, F.group(resolved: true)) == F.resolvedSubject)
        // All labels grouped on: nothing in parentheses, the trailing space stays as in Alertmanager.
        var n = F.group(resolved: false)
        n.groupLabels = F.labels("a:9100")
        n.alerts = [n.alerts[0]]
        #expect(try render(#"{{ template "__subject" . }}"#, n) == "[FIRING:1] HighLatency a:9100 critical ")
    }

    @Test func kvMethodsAndAlerts() throws {
        let n = F.group(resolved: false)
        #expect(try render("{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }};{{ end }}", n) == "alertname=HighLatency;severity=critical;")
        #expect(try render(#"{{ .CommonLabels.Names | join "," }}|{{ .CommonLabels.Values.Join "," }}"#, n) == "alertname,severity|HighLatency,critical")
        #expect(try render(#"{{ (.CommonLabels.Remove (stringSlice "severity")).Names }}"#, n) == "[alertname]")
        #expect(try render("{{ len .Alerts.Firing }} {{ len .Alerts.Resolved }} {{ .Status }} {{ .Receiver }} {{ .GroupKey }}", n)
            == #"2 0 firing team-x {}:{alertname="HighLatency"}"#)
        #expect(try render("{{ with index .Alerts 0 }}{{ .StartsAt }} | {{ .EndsAt.Format \"2006-01-02T15:04\" }} | {{ .Fingerprint }}{{ end }}", n)
            == "2027-01-15 07:50:00 +0000 UTC | 2027-01-15T08:05 | \(F.fingerprint("a:9100"))")
        #expect(try render("{{ range .Alerts }}{{ .Labels.instance }} {{ .Annotations.summary }}; {{ end }}", n)
            == "a:9100 Latency high on a:9100; b:9100 Latency high on b:9100; ")
        #expect(try render("{{ .Links.ack }}", F.group(resolved: false, links: ["ack": "http://ack/1"])) == "http://ack/1")
        // Receiver names are passed with regex metacharacters escaped, as Alertmanager does.
        #expect(try render("{{ .Receiver }}", F.group(resolved: false, receiver: "ops.team")) == #"ops\.team"#)
    }

    @Test func alertListTemplates() throws {
        #expect(try render(#"{{ template "__text_alert_list" .Alerts }}"#, F.group(resolved: false)) == F.textAlertList)
        #expect(try render(#"{{ template "__text_alert_list_markdown" .Alerts }}"#, F.group(resolved: false)) == F.markdownAlertList)
    }

    @Test func userTemplatesOverrideDefaults() throws {
        let user = #"{{ define "__alertmanager" }}Osprey{{ end }}{{ define "my.title" }}{{ .CommonLabels.alertname }}!{{ end }}"#
        #expect(try render(#"{{ template "slack.default.username" . }} {{ template "my.title" . }}"#, F.group(resolved: false),
                           sources: [("custom.tmpl", user)]) == "Osprey HighLatency!")
    }

    @Test func syntaxErrorNamesFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("osprey-tmpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "{{ define \"ok\" }}fine{{ end }}\n".write(to: dir.appendingPathComponent("a.tmpl"), atomically: true, encoding: .utf8)
        try "{{ define \"x\" }}\nline two\n{{ if }}\n{{ end }}\n".write(to: dir.appendingPathComponent("b.tmpl"), atomically: true, encoding: .utf8)
        do {
            _ = try NotificationTemplates.load(globs: [dir.path + "/*.tmpl"])
            Issue.record("expected a syntax error")
        } catch let e as ConfigError {
            #expect(e.file == dir.path + "/b.tmpl")
            #expect(e.line == 3)
            #expect(e.field == "templates")
        }
        let ok = try NotificationTemplates.load(globs: [dir.path + "/a.tmpl"])
        #expect(ok.templateNames.contains("ok"))
        #expect(ok.templateNames.contains("slack.default.title"))
    }

    @Test func smsProviderConfigErrorsNameTheField() throws {
        let yaml = """
            sms_provider:
              url: https://sms.example/send
              body: '{{ .To '
            """
        let node = try #require(try YAMLReader.compose(yaml, file: "osprey.yml"))
        do {
            _ = try SMSProviderConfig.parse(try #require(node["sms_provider"]), field: "oncall.sms_provider", reader: YAMLReader(file: "osprey.yml"))
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.line == 3)
            #expect(e.field == "oncall.sms_provider.body")
        }
        let missing = try #require(try YAMLReader.compose("sms_provider:\n  method: POST\n", file: "osprey.yml"))
        #expect(throws: ConfigError.self) {
            try SMSProviderConfig.parse(missing["sms_provider"]!, field: "oncall.sms_provider", reader: YAMLReader(file: "osprey.yml"))
        }
    }
}
