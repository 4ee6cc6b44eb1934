import Foundation

/// Builds every receiver's integrations from an Alertmanager configuration, numbered as Alertmanager
/// numbers them (webhook, email, PagerDuty, Slack, Teams entries in that order, counting from 0 per receiver).
/// Integrations Osprey does not send to (opsgenie, …) are skipped and listed in `skipped`.
public struct AlertmanagerIntegrations: IntegrationProvider {
    /// Used when an integration sets no `timeout`: a receiver that does not answer in this long is failed
    /// (retryably) so the group's next attempt is not held up.
    public static let defaultTimeoutMs: Int64 = 30_000

    private let byReceiver: [String: [any Integration]]
    private let context: IntegrationContext
    private let smsProvider: SMSProviderConfig?
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
            var list: [any Integration] = []
            func next() -> Int { list.count }
            for c in r.webhookConfigs { list.append(WebhookIntegration(config: c, index: next(), context: context)) }
            for c in r.emailConfigs { list.append(EmailIntegration(config: c, index: next(), context: context)) }
            for c in r.pagerdutyConfigs { list.append(PagerdutyIntegration(config: c, index: next(), context: context)) }
            for c in r.slackConfigs { list.append(SlackIntegration(config: c, index: next(), context: context)) }
            for c in r.msteamsConfigs { list.append(MSTeamsIntegration(config: c, index: next(), context: context)) }
            map[r.name] = list
            for (kind, count) in r.ignoredIntegrations.sorted(by: { $0.key < $1.key }) where count > 0 {
                skipped.append("receiver \"\(r.name)\": \(kind) ×\(count) (Osprey does not send to this integration)")
            }
        }
        byReceiver = map
        self.context = context
        self.smsProvider = smsProvider
        self.skipped = skipped
    }

    public func integrations(forReceiver name: String) -> [any Integration] { byReceiver[name] ?? [] }

    /// A text message to `to` through the SMS provider; nil when none is configured.
    public func sms(to phone: String, index: Int = 0, sendResolved: Bool = true) -> (any Integration)? {
        guard let smsProvider else { return nil }
        return SMSIntegration(to: phone, provider: smsProvider, index: index, sendResolved: sendResolved, context: context)
    }
}
