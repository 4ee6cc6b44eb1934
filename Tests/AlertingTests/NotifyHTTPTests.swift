import Alerting
import ConfigReader
import Foundation
import OspreyCore
import Testing

/// Webhook, Slack, PagerDuty, Teams and SMS integrations posting to a real HTTP server on 127.0.0.1;
/// payloads are parsed and compared whole.
@Suite struct NotifyHTTPTests {
    typealias F = NotifyFixtures

    func provider(_ yaml: String, global: String = "", sms: SMSProviderConfig? = nil, timeoutMs: Int64 = 10_000) throws -> (AlertmanagerIntegrations, NotifierHTTPClients) {
        let clients = NotifierHTTPClients()
        let p = AlertmanagerIntegrations(config: try F.config(yaml, global: global), templates: try NotificationTemplates(),
                                         clients: clients, smsProvider: sms, defaultTimeoutMs: timeoutMs)
        return (p, clients)
    }

    func webhookAlert(_ instance: String, resolved: Bool, startMinutesAgo: Int64) -> [String: Any] {
        [
            "status": resolved ? "resolved" : "firing",
            "labels": ["alertname": "HighLatency", "instance": instance, "severity": "critical"],
            "annotations": ["summary": "Latency high on \(instance)"],
            "startsAt": startMinutesAgo == 10 ? "2027-01-15T07:50:00Z" : "2027-01-15T07:55:00Z",
            "endsAt": resolved ? "2027-01-15T07:59:00Z" : "2027-01-15T08:05:00Z",
            "generatorURL": F.generatorURL,
            "fingerprint": F.fingerprint(instance),
        ]
    }

    @Test(arguments: [false, true]) func webhookSendsAlertmanagersVersion4Message(resolved: Bool) async throws {
        let receiver = try await NotifyTestReceiver.start()
        let (p, clients) = try provider("""
                webhook_configs:
                  - url: \(receiver.url)/hook
                    http_config:
                      authorization: { credentials: s3cret }
            """)
        let integrations = p.integrations(forReceiver: "team-x")
        #expect(integrations.map(\.name) == ["webhook"])
        #expect(integrations[0].sendResolved)
        let result = await integrations[0].notify(F.group(resolved: resolved))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let request = try #require(receiver.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/hook")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["authorization"] == "Bearer s3cret")
        let expected: [String: Any] = [
            "receiver": "team-x",
            "status": resolved ? "resolved" : "firing",
            "alerts": [webhookAlert("a:9100", resolved: resolved, startMinutesAgo: 10), webhookAlert("b:9100", resolved: resolved, startMinutesAgo: 5)],
            "groupLabels": ["alertname": "HighLatency"],
            "commonLabels": ["alertname": "HighLatency", "severity": "critical"],
            "commonAnnotations": [String: String](),
            "externalURL": F.externalURL,
            "version": "4",
            "groupKey": F.groupKey,
            "truncatedAlerts": 0,
        ]
        #expect(try request.json() == expected as NSDictionary)
    }

    @Test func webhookFiringAlertWithoutEndHasGosZeroEnd() async throws {
        // Alertmanager 0.25 (Debian) sends "0001-01-01T00:00:00Z" for a firing alert posted without endsAt.
        let receiver = try await NotifyTestReceiver.start()
        let (p, clients) = try provider("""
                webhook_configs:
                  - url: \(receiver.url)/hook
            """)
        var group = F.group(resolved: false)
        group.alerts[0].timeout = true
        let result = await p.integrations(forReceiver: "team-x")[0].notify(group)
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let request = try #require(receiver.requests.first)
        let alerts = try #require(try request.json()["alerts"] as? [NSDictionary])
        #expect(alerts.map { $0["endsAt"] as? String } == ["0001-01-01T00:00:00Z", "2027-01-15T08:05:00Z"])
    }

    @Test func webhookMaxAlertsTruncates() async throws {
        let receiver = try await NotifyTestReceiver.start()
        let (p, clients) = try provider("""
                webhook_configs:
                  - url: \(receiver.url)/hook
                    max_alerts: 1
            """)
        let result = await p.integrations(forReceiver: "team-x")[0].notify(F.group(resolved: false))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let json = try #require(receiver.requests.first).json()
        #expect((json["alerts"] as? [Any])?.count == 1)
        #expect(json["truncatedAlerts"] as? Int == 1)
        #expect(json["status"] as? String == "firing")
        // Common labels are those of the alerts sent.
        #expect(json["commonLabels"] as? NSDictionary == ["alertname": "HighLatency", "instance": "a:9100", "severity": "critical"] as NSDictionary)
    }

    @Test(arguments: [false, true]) func slackSendsDefaultTemplates(resolved: Bool) async throws {
        let receiver = try await NotifyTestReceiver.start()
        let (p, clients) = try provider("""
                slack_configs:
                  - api_url: \(receiver.url)/slack
                    channel: '#alerts'
                    send_resolved: true
            """)
        let result = await p.integrations(forReceiver: "team-x")[0].notify(F.group(resolved: resolved))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let subject = resolved ? F.resolvedSubject : F.firingSubject
        let expected: [String: Any] = [
            "channel": "#alerts",
            "username": "Alertmanager",
            "attachments": [[
                "title": subject,
                "title_link": F.alertsURL,
                "text": "",
                "fallback": "\(subject) | \(F.alertsURL)",
                "callback_id": "",
                "footer": "",
                "color": resolved ? "good" : "danger",
                "mrkdwn_in": ["fallback", "pretext", "text"],
            ]],
        ]
        #expect(try #require(receiver.requests.first).json() == expected as NSDictionary)
    }

    @Test func slackFieldsActionsAndIcons() async throws {
        let receiver = try await NotifyTestReceiver.start()
        let (p, clients) = try provider("""
                slack_configs:
                  - channel: '#ops'
                    icon_emoji: ':fire:'
                    link_names: true
                    title: '{{ .CommonLabels.alertname }} on {{ len .Alerts }} hosts'
                    text: '{{ range .Alerts }}{{ .Labels.instance }} since {{ .StartsAt.Format "15:04" }}; {{ end }}'
                    short_fields: true
                    fields:
                      - { title: Severity, value: '{{ .CommonLabels.severity | toUpper }}' }
                      - { title: Runbook, value: 'https://runbooks/{{ .GroupLabels.alertname }}', short: false }
                    actions:
                      - { type: button, text: Acknowledge, url: '{{ .Links.ack }}' }
            """, global: "  slack_api_url: \(receiver.url)/slack")
        let result = await p.integrations(forReceiver: "team-x")[0].notify(F.group(resolved: false, links: ["ack": "http://osprey.example:9700/ack/1"]))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let expected: [String: Any] = [
            "channel": "#ops",
            "username": "Alertmanager",
            "icon_emoji": ":fire:",
            "link_names": true,
            "attachments": [[
                "title": "HighLatency on 2 hosts",
                "title_link": F.alertsURL,
                "text": "a:9100 since 07:50; b:9100 since 07:55; ",
                "fallback": "\(F.firingSubject) | \(F.alertsURL)",
                "callback_id": "",
                "footer": "",
                "color": "danger",
                "mrkdwn_in": ["fallback", "pretext", "text"],
                "fields": [
                    ["title": "Severity", "value": "CRITICAL", "short": true],
                    ["title": "Runbook", "value": "https://runbooks/HighLatency", "short": false],
                ],
                "actions": [["type": "button", "text": "Acknowledge", "url": "http://osprey.example:9700/ack/1"]],
            ]],
        ]
        #expect(try #require(receiver.requests.first).json() == expected as NSDictionary)
    }

    @Test func slackErrorAnswerIsNotRetried() async throws {
        let receiver = try await NotifyTestReceiver.start { _ in .init(status: 200, contentType: "application/json", body: #"{"ok":false,"error":"channel_not_found"}"#) }
        let (p, clients) = try provider("""
                slack_configs:
                  - api_url: \(receiver.url)/slack
            """)
        let result = await p.integrations(forReceiver: "team-x")[0].notify(F.group(resolved: false))
        await clients.shutdown()
        await receiver.stop()
        guard case .failed(let reason, let retry) = result else { Issue.record("expected a failure"); return }
        #expect(!retry)
        #expect(reason.contains("channel_not_found"))
    }

    @Test(arguments: [false, true]) func pagerdutyEventsV2(resolved: Bool) async throws {
        let receiver = try await NotifyTestReceiver.start { _ in .init(status: 202, contentType: "application/json", body: #"{"status":"success"}"#) }
        let (p, clients) = try provider("""
                pagerduty_configs:
                  - routing_key: key123
                    url: \(receiver.url)/v2/enqueue
                    links:
                      - { href: '{{ .Links.ack }}', text: Acknowledge }
                      - { href: '', text: dropped }
            """)
        let result = await p.integrations(forReceiver: "team-x")[0].notify(F.group(resolved: resolved, links: ["ack": "http://ack"]))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let expected: [String: Any] = [
            "routing_key": "key123",
            // SHA-256 of the group key in hex (Python's hashlib.sha256 of the same text).
            "dedup_key": "d4061866bc333de2350285b0452a21f78349e3d63b4f06b6c956f64f95d7be36",
            "event_action": resolved ? "resolve" : "trigger",
            "payload": [
                "summary": resolved ? F.resolvedSubject : F.firingSubject,
                "source": "Alertmanager",
                "severity": "error",
                "custom_details": [
                    "firing": resolved ? "" : F.textAlertList,
                    "resolved": resolved ? F.textAlertList : "",
                    "num_firing": resolved ? "0" : "2",
                    "num_resolved": resolved ? "2" : "0",
                ],
            ],
            "client": "Alertmanager",
            "client_url": F.alertsURL,
            "links": [["href": "http://ack", "text": "Acknowledge"]],
        ]
        #expect(try #require(receiver.requests.first).json() == expected as NSDictionary)
    }

    @Test func pagerdutySummaryIsCutAt1024Characters() async throws {
        let receiver = try await NotifyTestReceiver.start { _ in .init(status: 202) }
        let (p, clients) = try provider("""
                pagerduty_configs:
                  - routing_key: key123
                    url: \(receiver.url)/v2/enqueue
                    description: '{{ range .Alerts }}{{ printf "%0600d" 0 }}{{ end }}'
                    severity: '{{ .CommonLabels.severity }}'
            """)
        let result = await p.integrations(forReceiver: "team-x")[0].notify(F.group(resolved: false))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let request = try #require(receiver.requests.first)
        let payload = try #require(try request.json()["payload"] as? NSDictionary)
        #expect(payload["summary"] as? String == String(repeating: "0", count: 1023) + "…")
        #expect(payload["severity"] as? String == "critical")
    }

    @Test(arguments: [false, true]) func teamsMessageCard(resolved: Bool) async throws {
        let receiver = try await NotifyTestReceiver.start { _ in .init(status: 200, body: "1") }
        let (p, clients) = try provider("""
                msteams_configs:
                  - webhook_url: \(receiver.url)/teams
            """)
        let result = await p.integrations(forReceiver: "team-x")[0].notify(F.group(resolved: resolved))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let subject = resolved ? F.resolvedSubject : F.firingSubject
        let section = resolved ? "\n# Alerts Resolved:\n" + F.markdownAlertList + "\n" : "\n# Alerts Firing:\n" + F.markdownAlertList + "\n"
        let text = "\n" + (resolved ? "" : section) + "\n" + (resolved ? section : "") + "\n"
        let expected: [String: Any] = [
            "@context": "http://schema.org/extensions",
            "type": "MessageCard",
            "title": subject,
            "summary": subject,
            "text": text,
            "themeColor": resolved ? "2DC72D" : "8C1A1A",
        ]
        #expect(try #require(receiver.requests.first).json() == expected as NSDictionary)
    }

    @Test func smsThroughTheConfiguredProvider() async throws {
        let receiver = try await NotifyTestReceiver.start { _ in .init(status: 201) }
        let yaml = """
            sms_provider:
              url: \(receiver.url)/sms
              method: PUT
              headers: { X-Api-Key: k1 }
              content_type: application/x-www-form-urlencoded
              body: 'to={{ urlquery .To }}&text={{ urlquery .Message }}'
            """
        let node = try #require(try YAMLReader.compose(yaml, file: "osprey.yml"))
        let sms = try SMSProviderConfig.parse(try #require(node["sms_provider"]), field: "oncall.sms_provider", reader: YAMLReader(file: "osprey.yml"))
        let (p, clients) = try provider("    webhook_configs: [{ url: 'http://127.0.0.1:1/' }]", sms: sms)
        let integration = try #require(p.sms(to: "+15550100"))
        #expect(integration.name == "sms")
        let result = await integration.notify(F.group(resolved: false))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let request = try #require(receiver.requests.first)
        #expect(request.method == "PUT")
        #expect(request.headers["x-api-key"] == "k1")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(request.body == "to=%2B15550100&text=%5BFIRING%3A2%5D+HighLatency+%28critical%29")
    }

    @Test func smsDefaultBodyIsJSON() async throws {
        let receiver = try await NotifyTestReceiver.start()
        let (p, clients) = try provider("    webhook_configs: [{ url: 'http://127.0.0.1:1/' }]", sms: SMSProviderConfig(url: receiver.url + "/sms"))
        let result = await p.sms(to: "+15550100")!.notify(F.group(resolved: true))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let expected: [String: Any] = ["to": "+15550100", "message": F.resolvedSubject]
        #expect(try #require(receiver.requests.first).json() == expected as NSDictionary)
    }

    @Test func pagerdutyV1ServiceKey() async throws {
        let receiver = try await NotifyTestReceiver.start()
        let (p, clients) = try provider("""
                pagerduty_configs:
                  - service_key: svc1
                    url: \(receiver.url)/generic/2010-04-15/create_event.json
                    details: { team: '{{ .CommonLabels.severity }}' }
                    http_config:
                      basic_auth: { username: u, password: p }
            """)
        let result = await p.integrations(forReceiver: "team-x")[0].notify(F.group(resolved: false))
        await clients.shutdown()
        await receiver.stop()
        #expect(result == .delivered)
        let request = try #require(receiver.requests.first)
        #expect(request.uri == "/generic/2010-04-15/create_event.json")
        #expect(request.headers["authorization"] == "Basic " + Data("u:p".utf8).base64EncodedString())
        let expected: [String: Any] = [
            "service_key": "svc1",
            "incident_key": "d4061866bc333de2350285b0452a21f78349e3d63b4f06b6c956f64f95d7be36",
            "event_type": "trigger",
            "description": F.firingSubject,
            "event_action": "",
            "payload": NSNull(),
            "client": "Alertmanager",
            "client_url": F.alertsURL,
            "details": [
                "firing": F.textAlertList, "resolved": "", "num_firing": "2", "num_resolved": "0", "team": "critical",
            ],
        ]
        #expect(try request.json() == expected as NSDictionary)
    }

    @Test func integrationsAreNumberedAndUnsupportedOnesListed() throws {
        let (p, clients) = try provider("""
                opsgenie_configs:
                  - api_key: k
                slack_configs:
                  - api_url: http://127.0.0.1:1/
                webhook_configs:
                  - url: http://127.0.0.1:1/a
                  - url: http://127.0.0.1:1/b
                msteams_configs:
                  - webhook_url: http://127.0.0.1:1/t
            """)
        defer { Task { await clients.shutdown() } }
        let list = p.integrations(forReceiver: "team-x")
        #expect(list.map(\.name) == ["webhook", "webhook", "slack", "msteams"])
        // Numbered per kind, as Alertmanager keys its notification log.
        #expect(list.map(\.index) == [0, 1, 0, 0])
        #expect(list.map(\.sendResolved) == [true, true, false, true])
        #expect(p.integrations(forReceiver: "nobody").isEmpty)
        #expect(p.skipped == [#"receiver "team-x": opsgenie_configs ×1 (Osprey does not send to this integration)"#])
        #expect(p.sms(to: "+1") == nil)
    }
}
