import Logging
import OspreyCore

/// Sends on-call pages and escalations through Osprey's notifiers:
/// - a person is paged through each contact method they have: `email` (the Alertmanager configuration's
///   global SMTP settings), `phone` (an SMS through `oncall.sms_provider`), `webhook_url` (Alertmanager's
///   webhook message);
/// - a receiver step notifies every integration of that Alertmanager receiver.
///
/// Each message is the alert group's notification as it stands when the step runs (its firing alerts, or
/// the incident's labels and summary once the group is gone) and carries the incident's acknowledge,
/// resolve and incident links (`.Links`; the HTML email, Slack buttons, PagerDuty links, Teams text, the
/// SMS and the webhook's `links` show them). One attempt per contact method: escalation's next step, not a
/// retry, is what follows a page nobody answers.
public struct IntegrationOnCallNotifier: OnCallNotifier {
    let dispatcher: Dispatcher
    let clock: any Clock
    let externalURL: String
    let logger: Logger

    public init(dispatcher: Dispatcher, clock: any Clock, externalURL: String, logger: Logger) {
        self.dispatcher = dispatcher
        self.clock = clock
        self.externalURL = externalURL
        self.logger = logger
    }

    public func page(_ person: Person, about notice: IncidentNotice) async -> [ContactAttempt] {
        guard let provider = dispatcher.integrationProvider as? any PersonalIntegrations else {
            return [ContactAttempt(channel: "none", address: person.name, ok: false, error: "no notifiers can reach people in this configuration")]
        }
        let notification = self.notification(notice)
        // Each contact method is one planned send, or what is missing to make it.
        var sends: [(channel: String, address: String, integration: (any Integration)?, missing: String)] = []
        if let email = person.email {
            sends.append(("email", email, provider.email(to: email),
                          "no SMTP server: set global.smtp_smarthost and global.smtp_from in the alerting configuration"))
        }
        if let phone = person.phone {
            sends.append(("sms", phone, provider.sms(to: phone, index: 0, sendResolved: true), "no SMS provider: set oncall.sms_provider"))
        }
        if let url = person.webhookURL {
            sends.append(("webhook", Self.host(url), provider.webhook(url: url), ""))
        }
        guard !sends.isEmpty else {
            return [ContactAttempt(channel: "none", address: person.name, ok: false,
                                   error: "\(person.name) has no email, phone or webhook_url in oncall.people")]
        }
        return await sendAll(notification, sends.map { s in
            (s.channel, s.address, s.integration, ContactAttempt(channel: s.channel, address: s.address, ok: false, error: s.missing))
        })
    }

    public func notify(receiver: String, about notice: IncidentNotice) async -> [ContactAttempt] {
        let integrations = dispatcher.integrationProvider.integrations(forReceiver: receiver)
        guard !integrations.isEmpty else {
            return [ContactAttempt(channel: "receiver", address: receiver, ok: false,
                                   error: "receiver \"\(receiver)\" has no integration Osprey sends to")]
        }
        let notification = self.notification(notice, receiver: receiver)
        return await sendAll(notification, integrations.map { i in
            let channel = i.index == 0 ? i.name : "\(i.name)[\(i.index)]"
            return (channel, receiver, i, ContactAttempt(channel: channel, address: receiver, ok: false))
        })
    }

    /// Sends through every integration at once (a slow mail server must not delay the SMS), each bounded by
    /// its own timeout; the attempts come back in the given order. An entry without an integration is its
    /// `unavailable` attempt.
    private func sendAll(_ notification: GroupNotification,
                         _ sends: [(channel: String, address: String, integration: (any Integration)?, unavailable: ContactAttempt)]) async -> [ContactAttempt] {
        await withTaskGroup(of: (Int, ContactAttempt).self) { tasks in
            for (n, s) in sends.enumerated() {
                guard let integration = s.integration else { continue }
                tasks.addTask { (n, await send(notification, integration, channel: s.channel, address: s.address)) }
            }
            var attempts = sends.map(\.unavailable)
            for await (n, attempt) in tasks { attempts[n] = attempt }
            return attempts
        }
    }

    private func send(_ notification: GroupNotification, _ integration: any Integration, channel: String, address: String) async -> ContactAttempt {
        switch await integration.notify(notification) {
        case .delivered:
            return ContactAttempt(channel: channel, address: address, ok: true)
        case .failed(let reason, _):
            logger.warning("on-call notification failed", metadata: ["channel": "\(channel)", "to": "\(address)", "error": "\(reason)"])
            return ContactAttempt(channel: channel, address: address, ok: false, error: reason)
        }
    }

    /// The group's notification as it stands, with the incident's links (a person's links name them, so the
    /// timeline says who acknowledged). `receiver`: where the message goes (a step may notify another receiver
    /// than the group's).
    func notification(_ notice: IncidentNotice, receiver: String? = nil) -> GroupNotification {
        let now = clock.nowMs()
        let group = dispatcher.group(key: notice.groupKey, receiver: notice.receiver)
        var alerts = (group?.alerts ?? []).filter { !$0.isResolved(at: now) }
        if alerts.isEmpty {
            // The group is gone (resolved meanwhile, or a restart emptied it): the incident's own record.
            alerts = [Alert(labels: notice.labels, annotations: ["summary": notice.summary], startsAtMs: now, endsAtMs: now + 1,
                            updatedAtMs: now, generatorURL: notice.incidentURL, timeout: true)]
        }
        for i in alerts.indices { alerts[i].timeout = true }
        return GroupNotification(receiver: receiver ?? notice.receiver, groupKey: notice.groupKey, groupLabels: group?.labels ?? Labels([:]),
                                 alerts: alerts, nowMs: now, externalURL: externalURL,
                                 links: [NotificationData.acknowledgeLink: notice.acknowledgeURL, NotificationData.resolveLink: notice.resolveURL,
                                         NotificationData.incidentLink: notice.incidentURL])
    }

    static func host(_ url: String) -> String {
        guard let r = url.range(of: "://") else { return url }
        return String(url[r.upperBound...].prefix { $0 != "/" && $0 != "?" })
    }
}
