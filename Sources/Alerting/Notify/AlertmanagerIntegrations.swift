import Foundation

/// Builds every receiver's integrations from an Alertmanager configuration in Alertmanager's order (webhook,
/// email, PagerDuty, Slack, Teams), each numbered as Alertmanager numbers it: its position among the
/// receiver's entries of the same kind, so (`name`, `index`) identifies it within the receiver.
/// Integrations Osprey does not send to (opsgenie, …) are skipped and listed in `skipped`.
public struct AlertmanagerIntegrations: IntegrationProvider {
    /// Used when an integration sets no `timeout`: a receiver that does not answer in this long is failed
    /// (retryably) so the group's next attempt is not held up.
    public static let defaultTimeoutMs: Int64 = 30_000

    private let byReceiver: [String: [any Integration]]
    private let context: IntegrationContext
    private let smsProvider: SMSProviderConfig?
    private let global: GlobalConfig
    /// `receiver: integration ×count` lines for the log, one per skipped kind.
    public let skipped: [String]

    /// - Parameters:
    ///   - config: the loaded configuration.
    ///   - templates: defaults plus the configuration's `templates:` (see `NotificationTemplates.load`).
    ///   - clients: the process's HTTP clients.
    ///   - smsProvider: Osprey's SMS gateway, when configured (`sms(to:)` needs it).
    ///   - defaultTimeoutMs: per-attempt timeout when an integration sets none.
    public init(config: AlertmanagerConfig, templates: NotificationTemplates, clients: NotifierHTTPClients,
                smsProvider: SMSProviderConfig? = nil, defaultTimeoutMs: Int64 = AlertmanagerIntegrations.defaultTimeoutMs) {
        let context = IntegrationContext(clients: clients, templates: templates, defaultTimeoutMs: defaultTimeoutMs)
        var map: [String: [any Integration]] = [:]
        var skipped: [String] = []
        for r in config.receivers {
            // Alertmanager numbers each kind from 0 (the n-th `webhook_configs` entry is webhook n): the
            // notification log is keyed by receiver, integration name and that index.
            var list: [any Integration] = []
            for (i, c) in r.webhookConfigs.enumerated() { list.append(WebhookIntegration(config: c, index: i, context: context)) }
            for (i, c) in r.emailConfigs.enumerated() { list.append(EmailIntegration(config: c, index: i, context: context)) }
            for (i, c) in r.pagerdutyConfigs.enumerated() { list.append(PagerdutyIntegration(config: c, index: i, context: context)) }
            for (i, c) in r.slackConfigs.enumerated() { list.append(SlackIntegration(config: c, index: i, context: context)) }
            for (i, c) in r.msteamsConfigs.enumerated() { list.append(MSTeamsIntegration(config: c, index: i, context: context)) }
            map[r.name] = list
            for (kind, count) in r.ignoredIntegrations.sorted(by: { $0.key < $1.key }) where count > 0 {
                skipped.append("receiver \"\(r.name)\": \(kind) ×\(count) (Osprey does not send to this integration)")
            }
        }
        byReceiver = map
        self.context = context
        self.smsProvider = smsProvider
        self.global = config.global
        self.skipped = skipped
    }

    public func integrations(forReceiver name: String) -> [any Integration] { byReceiver[name] ?? [] }

    /// A text message to `to` through the SMS provider; nil when none is configured.
    public func sms(to phone: String, index: Int = 0, sendResolved: Bool = true) -> (any Integration)? {
        guard let smsProvider else { return nil }
        return SMSIntegration(to: phone, provider: smsProvider, index: index, sendResolved: sendResolved, context: context)
    }
}

extension AlertmanagerIntegrations: PersonalIntegrations {
    /// An email to `address` through the global SMTP settings (`smtp_smarthost`, `smtp_from`, auth, TLS),
    /// with the default subject and HTML body; nil when the global settings name no server or sender.
    public func email(to address: String) -> (any Integration)? {
        guard !global.smtpSmarthost.isEmpty, !global.smtpFrom.isEmpty else { return nil }
        var c = EmailConfig()
        c.sendResolved = true
        c.to = address
        c.from = global.smtpFrom
        c.smarthost = global.smtpSmarthost
        c.hello = global.smtpHello
        c.authUsername = global.smtpAuthUsername
        c.authPassword = global.smtpAuthPassword
        c.authPasswordFile = global.smtpAuthPasswordFile
        c.authSecret = global.smtpAuthSecret
        c.authIdentity = global.smtpAuthIdentity
        c.requireTLS = global.smtpRequireTLS
        c.tlsConfig = global.smtpTLSConfig
        c.headers["Subject"] = EmailConfig.defaultSubject
        return EmailIntegration(config: c, index: 0, context: context)
    }

    /// Alertmanager's webhook message (with `links`) posted to `url`.
    public func webhook(url: String) -> any Integration {
        var c = WebhookConfig()
        c.url = url
        c.sendResolved = true
        return WebhookIntegration(config: c, index: 0, context: context)
    }
}

/// Integrations that reach one person rather than a configured receiver: what on-call pages go through.
public protocol PersonalIntegrations: IntegrationProvider {
    /// Email to one address; nil when no SMTP server is configured.
    func email(to address: String) -> (any Integration)?
    /// A text message to one phone number; nil when no SMS provider is configured.
    func sms(to phone: String, index: Int, sendResolved: Bool) -> (any Integration)?
    /// A webhook to one URL (a person's chat DM hook or bot).
    func webhook(url: String) -> any Integration
}
