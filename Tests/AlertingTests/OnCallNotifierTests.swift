@testable import Alerting
import Foundation
import Logging
import OspreyCore
import Testing

/// Escalation through the real notifiers: the dispatcher and the escalation engine connected as the server
/// connects them, sending to a real HTTP server on 127.0.0.1 (the pager's webhook, a person's webhook, the
/// SMS gateway, a Slack receiver) and to a real SMTP server (Python's aiosmtpd). Time is a manual clock.
@Suite(.serialized) struct OnCallNotifierTests {
    static let t0 = ms("2026-01-05T10:00:00Z")

    final class Rig: Sendable {
        let clock = ManualClock(OnCallNotifierTests.t0)
        let http: NotifyTestReceiver
        let clients = NotifierHTTPClients()
        let store: AlertStore
        let dispatcher: Dispatcher
        let engine: EscalationEngine

        init(dir: String, http: NotifyTestReceiver, smtpPort: Int?, sms: Bool) throws {
            self.http = http
            var logger = Logger(label: "test.oncall")
            logger.logLevel = .critical
            let global = smtpPort.map { "  smtp_smarthost: 127.0.0.1:\($0)\n  smtp_from: osprey@example.com\n  smtp_require_tls: false\n" } ?? ""
            let routing = try AlertmanagerConfig.parse("""
                global:
                \(global)
                route:
                  receiver: pager
                  group_by: [alertname]
                  group_wait: 0s
                receivers:
                  - name: pager
                    webhook_configs:
                      - url: \(http.url)/pager
                  - name: team-chat
                    slack_configs:
                      - api_url: \(http.url)/slack
                        channel: '#ops'
                """, file: "alertmanager.yml")
            let onCall = try onCallConfig("""
                oncall:
                  external_url: http://osprey.test
                  people:
                    - {name: alice, email: alice@example.com, phone: "+4915112345678"}
                    - {name: bob, webhook_url: "\(http.url)/bob"}
                  schedules:
                    - name: primary
                      time_zone: Europe/Berlin
                      layers:
                        - {rotation: weekly, handoff_day: monday, handoff: "09:00", start: 2026-01-05, participants: [alice, bob]}
                  escalation_policies:
                    - name: critical
                      receivers: [pager]
                      steps:
                        - {notify_schedule: primary, wait: 10m}
                        - {notify_person: bob, notify_receiver: team-chat}
                """)
            let provider = AlertmanagerIntegrations(config: routing, templates: try NotificationTemplates(), clients: clients,
                                                    smsProvider: sms ? SMSProviderConfig(url: "\(http.url)/sms") : nil,
                                                    defaultTimeoutMs: NotifyEmailTests.sessionTimeoutMs)
            store = AlertStore(clock: clock)
            dispatcher = Dispatcher(routing: routing, integrations: provider, alerts: store, silences: try Silences(directory: nil, clock: clock),
                                    notificationLog: try NotificationLog(directory: nil), clock: clock, logger: logger)
            let notifier = IntegrationOnCallNotifier(dispatcher: dispatcher, clock: clock, externalURL: "http://osprey.test", logger: logger)
            engine = EscalationEngine(config: onCall, store: try IncidentStore(directory: dir, nowMs: clock.nowMs()), notifier: notifier,
                                      clock: clock, externalURL: "http://unused", logger: logger)
            dispatcher.setEscalation(OnCallEscalation(engine: engine, logger: logger))
            dispatcher.start()
        }

        /// Requests the HTTP server got on `path`.
        func requests(_ path: String) -> [NotifyTestReceiver.Request] { http.requests.filter { $0.uri == path } }
    }

    static let alert = PostableAlert(labels: Labels(["alertname": "DiskFull", "severity": "critical", "instance": "db-1"]),
                                     annotations: ["summary": "Disk almost full on db-1"], startsAtMs: t0, endsAtMs: t0 + 3_600_000)

    @Test func unacknowledgedPageEscalatesThroughRealNotifiersAndAnAcknowledgementStopsIt() async throws {
        let smtp = try NotifyEmailTests.SMTPServer.start()
        defer { smtp.stop() }
        let http = try await NotifyTestReceiver.start()
        try await withTempDir { dir in
            let r = try Rig(dir: dir, http: http, smtpPort: smtp.port, sms: true)
            defer { Task { await r.clients.shutdown() } }
            try r.store.put([Self.alert])
            await r.dispatcher.tick(now: r.clock.nowMs())

            // The pager receiver's own notification: Alertmanager's webhook message plus the incident's links.
            let incident = try #require(r.engine.store.incidents().first)
            let ack = "http://osprey.test/oncall/incidents/\(incident.id)/ack?token=\(incident.token)"
            let resolve = "http://osprey.test/oncall/incidents/\(incident.id)/resolve?token=\(incident.token)"
            let page = "http://osprey.test/api/oncall/incidents/\(incident.id)"
            let pager = try #require(r.requests("/pager").first).json()
            #expect(pager["links"] as? [String: String] == ["Acknowledge": ack, "Resolve": resolve, "Incident": page])
            #expect(pager["version"] as? String == "4" && (pager["alerts"] as? [Any])?.count == 1)
            #expect(incident.summary == "[FIRING:1] DiskFull: Disk almost full on db-1")
            #expect(incident.timeline.last?.delivery?.target == "route" && incident.timeline.last?.attempts?.first?.ok == true,
                    "the timeline records the pager webhook's delivery")

            // Step 1: alice is on call (first week of the rotation) and gets an email and an SMS.
            await r.engine.tick(r.clock.nowMs())
            let mail = try #require(try smtp.messages().first)
            #expect(mail["rcpt_tos"] as? [String] == ["alice@example.com"])
            #expect((mail["headers"] as? [String: String])?["Subject"] == "[FIRING:1] DiskFull (db-1 critical)")
            let html = try #require((mail["parts"] as? [String: String])?["text/html"])
            #expect(html.contains("href=\"\(ack)&amp;by=alice\""), "the email's acknowledge link names alice: \(html)")
            let sms = try #require(r.requests("/sms").first).json()
            #expect(sms["to"] as? String == "+4915112345678")
            #expect(sms["message"] as? String == "[FIRING:1] DiskFull (db-1 critical) Ack: \(ack)&by=alice")
            let step1 = try #require(r.engine.store.incident(id: incident.id)?.timeline.filter { $0.kind == .notified && $0.delivery?.target != "route" })
            #expect(step1.flatMap { $0.attempts ?? [] }.map { "\($0.channel) \($0.address) \($0.ok)" }
                    == ["email alice@example.com true", "sms +4915112345678 true"])
            #expect(r.requests("/bob").isEmpty && r.requests("/slack").isEmpty, "step 2 waits 10 minutes")

            // Nobody acknowledged: ten minutes later step 2 pages bob's webhook and the team's Slack channel.
            r.clock.advance(10 * 60_000)
            await r.engine.tick(r.clock.nowMs())
            let bob = try #require(r.requests("/bob").first).json()
            #expect(bob["links"] as? [String: String] == ["Acknowledge": ack + "&by=bob", "Resolve": resolve + "&by=bob", "Incident": page])
            #expect((bob["alerts"] as? [[String: Any]])?.first?["labels"] as? [String: String]
                    == ["alertname": "DiskFull", "severity": "critical", "instance": "db-1"])
            let slack = try #require(r.requests("/slack").first).json()
            let actions = try #require(((slack["attachments"] as? [[String: Any]])?.first?["actions"]) as? [[String: String]])
            #expect(actions == [["type": "button", "text": "Acknowledge", "url": ack], ["type": "button", "text": "Incident", "url": page],
                                ["type": "button", "text": "Resolve", "url": resolve]])

            // bob acknowledges through his link: escalation stops; an hour later nothing more went out.
            _ = try await r.engine.acknowledge(id: incident.id, by: "bob", via: "link", at: r.clock.nowMs())
            let sentBefore = r.http.requests.count
            r.clock.advance(3_600_000)
            await r.engine.tick(r.clock.nowMs())
            let mails = try smtp.messages().count
            #expect(r.http.requests.count == sentBefore && mails == 1)
            #expect(r.engine.store.incident(id: incident.id)?.state == .acknowledged)
        }
        await http.stop()
    }

    @Test func missingContactSettingsAreFailedAttemptsSayingWhatToSet() async throws {
        let http = try await NotifyTestReceiver.start()
        try await withTempDir { dir in
            let r = try Rig(dir: dir, http: http, smtpPort: nil, sms: false)
            defer { Task { await r.clients.shutdown() } }
            try r.store.put([Self.alert])
            await r.dispatcher.tick(now: r.clock.nowMs())
            await r.engine.tick(r.clock.nowMs())
            let incident = try #require(r.engine.store.incidents().first)
            let notified = try #require(incident.timeline.last { $0.kind == .notified })
            #expect(notified.attempts?.map(\.channel) == ["email", "sms"] && notified.attempts?.allSatisfy { !$0.ok } == true)
            #expect(notified.attempts?[0].error == "no SMTP server: set global.smtp_smarthost and global.smtp_from in the alerting configuration")
            #expect(notified.attempts?[1].error == "no SMS provider: set oncall.sms_provider")
            #expect(notified.error != nil, "the timeline says nobody was reached")

            let nobody = await IntegrationOnCallNotifier(dispatcher: r.dispatcher, clock: r.clock, externalURL: "", logger: Logger(label: "t"))
                .page(Person(name: "dave"), about: IncidentNotice(incidentID: incident.id, summary: "", labels: Labels([:]), groupKey: "g",
                                                                  receiver: "pager", step: 1, pass: 1, acknowledgeURL: "a", resolveURL: "r",
                                                                  incidentURL: "i"))
            #expect(nobody == [ContactAttempt(channel: "none", address: "dave", ok: false,
                                              error: "dave has no email, phone or webhook_url in oncall.people")])
        }
        await http.stop()
    }

    @Test func smsKeepsTheAcknowledgeLinkWithinTheLimit() {
        let link = "https://osprey.example.com/oncall/incidents/7/ack?token=0123456789abcdef0123456789abcdef&by=alice"
        let text = "[FIRING:3] DiskFull db-1 db-2 db-3: Disk almost full on the database hosts of the checkout service"
        let cut = SMSIntegration.withAcknowledgeLink(text, link, max: 160)
        #expect(cut.unicodeScalars.count == 160 && cut.hasSuffix(" Ack: " + link) && cut.hasPrefix("[FIRING:3] DiskFull"))
        #expect(cut.contains("…"), "the text was cut to make room: \(cut)")
        #expect(SMSIntegration.withAcknowledgeLink(text, link, max: 0) == text + " Ack: " + link, "no limit")
        #expect(SMSIntegration.withAcknowledgeLink("short", link, max: 1000) == "short Ack: " + link)
        // A limit that leaves no room for text before the link sends the text alone rather than a page that says nothing.
        let tight = SMSIntegration.withAcknowledgeLink(text, link, max: 80)
        #expect(tight.unicodeScalars.count == 80 && !tight.contains("Ack:"))
        #expect(SMSIntegration.withAcknowledgeLink(text, nil, max: 50).unicodeScalars.count == 50)
    }
}
