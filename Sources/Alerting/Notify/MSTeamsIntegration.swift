import Foundation

/// `msteams_configs`: the MessageCard Alertmanager posts to a Teams incoming webhook (any chat that accepts
/// it works too).
public struct MSTeamsIntegration: Integration {
    public let name = "msteams"
    public let index: Int
    public var sendResolved: Bool { config.sendResolved }
    let config: MSTeamsConfig
    let context: IntegrationContext

    /// Alertmanager's theme colours: red while firing, green when resolved.
    static let colorFiring = "8C1A1A"
    static let colorResolved = "2DC72D"

    init(config: MSTeamsConfig, index: Int, context: IntegrationContext) {
        self.config = config
        self.index = index
        self.context = context
    }

    public func notify(_ notification: GroupNotification) async -> IntegrationResult {
        await deliver {
            let data = NotificationData(notification)
            let t = context.templates
            let message = JSONOut.object([
                ("@context", .string("http://schema.org/extensions")),
                ("type", .string("MessageCard")),
                ("title", .string(try t.render(config.title, data))),
                ("summary", .string(try t.render(config.summary, data))),
                ("text", .string(Self.withLinks(try t.render(config.text, data), data))),
                ("themeColor", .string(data.status == "firing" ? Self.colorFiring : Self.colorResolved)),
            ])
            let url = try config.webhookURL ?? readSecret(config.webhookURLFile ?? "", "webhook_url_file")
            let post = HTTPPost(clients: context.clients, settings: config.httpConfig, timeoutMs: context.defaultTimeoutMs)
            _ = try await post.send(url: url, body: message.encoded, what: "msteams")
        }
    }

    /// The text followed by the notification's own links (the on-call acknowledge link…) as a Markdown line,
    /// leaving out those the text already shows.
    static func withLinks(_ text: String, _ data: NotificationData) -> String {
        let links = data.sortedLinks.filter { !text.contains($0.url) }
        guard !links.isEmpty else { return text }
        return text + "\n\n" + links.map { "[\($0.name)](\($0.url))" }.joined(separator: " · ")
    }
}
