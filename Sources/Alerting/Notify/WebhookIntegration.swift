import Foundation
import GoTemplate

/// Shared by every integration: where to send and how long to wait.
struct IntegrationContext: Sendable {
    let clients: NotifierHTTPClients
    let templates: NotificationTemplates
    /// Used when the integration's own `timeout` is not set.
    let defaultTimeoutMs: Int64
}

/// `webhook_configs`: Alertmanager's webhook JSON, version "4".
public struct WebhookIntegration: Integration {
    public let name = "webhook"
    public let index: Int
    public var sendResolved: Bool { config.sendResolved }
    let config: WebhookConfig
    let context: IntegrationContext

    init(config: WebhookConfig, index: Int, context: IntegrationContext) {
        self.config = config
        self.index = index
        self.context = context
    }

    public func notify(_ notification: GroupNotification) async -> IntegrationResult {
        await deliver {
            let (alerts, truncated) = Self.truncate(notification.alerts, max: config.maxAlerts)
            let data = NotificationData(notification, alerts: alerts)
            let body = Self.payload(data, truncatedAlerts: truncated).encoded
            var url = try config.url ?? readSecret(config.urlFile ?? "", "url_file")
            url = try context.templates.render(url, data)
            guard !url.isEmpty else { throw NotifyError("webhook URL is empty after templating", retry: false) }
            let post = HTTPPost(clients: context.clients, settings: config.httpConfig,
                                timeoutMs: config.timeoutMs > 0 ? config.timeoutMs : context.defaultTimeoutMs)
            _ = try await post.send(url: url, body: body, what: "webhook")
        }
    }

    /// The first `max` alerts (all when `max` is 0) and how many were left out.
    static func truncate(_ alerts: [Alert], max: Int) -> ([Alert], Int) {
        guard max > 0, alerts.count > max else { return (alerts, 0) }
        return (Array(alerts.prefix(max)), alerts.count - max)
    }

    /// The webhook message: Alertmanager's `Data` fields followed by `version`, `groupKey`, `truncatedAlerts`,
    /// and Osprey's `links` (the on-call acknowledge link…) when the notification carries any.
    static func payload(_ d: NotificationData, truncatedAlerts: Int) -> JSONOut {
        var fields = alertmanagerFields(d, truncatedAlerts: truncatedAlerts)
        if !d.links.isEmpty { fields.append(("links", .map(d.links))) }
        return .object(fields)
    }

    static func alertmanagerFields(_ d: NotificationData, truncatedAlerts: Int) -> [(String, JSONOut)] {
        [
            ("receiver", .string(d.receiver)),
            ("status", .string(d.status)),
            ("alerts", .array(d.alerts.map { a in
                .object([
                    ("status", .string(a.status)),
                    ("labels", .map(a.labels)),
                    ("annotations", .map(a.annotations)),
                    ("startsAt", .string(rfc3339(a.startsAtMs))),
                    ("endsAt", .string(rfc3339(a.endsAtMs))),
                    ("generatorURL", .string(a.generatorURL)),
                    ("fingerprint", .string(a.fingerprint)),
                ])
            })),
            ("groupLabels", .map(d.groupLabels)),
            ("commonLabels", .map(d.commonLabels)),
            ("commonAnnotations", .map(d.commonAnnotations)),
            ("externalURL", .string(d.externalURL)),
            ("version", .string("4")),
            ("groupKey", .string(d.groupKey)),
            ("truncatedAlerts", .int(truncatedAlerts)),
        ]
    }
}

/// Go's `time.Time` JSON form (RFC 3339 with as many fractional digits as needed), in UTC.
func rfc3339(_ ms: Int64) -> String {
    GoTime(unixMs: ms).format("2006-01-02T15:04:05.999999999Z07:00")
}
