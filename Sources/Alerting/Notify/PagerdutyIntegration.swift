import Foundation

/// `pagerduty_configs`: an Events API v2 event (`routing_key`), or a v1 event (`service_key`), as
/// Alertmanager sends them: `trigger` while any alert fires, `resolve` when all are resolved, deduplicated
/// by the SHA-256 of the group key.
public struct PagerdutyIntegration: Integration {
    public let name = "pagerduty"
    public let index: Int
    public var sendResolved: Bool { config.sendResolved }
    let config: PagerdutyConfig
    let context: IntegrationContext

    /// PagerDuty's limit on `summary` (v2) and `description` (v1), in characters.
    static let summaryCharactersMax = 1024
    /// PagerDuty rejects events over 512 KB; larger ones are sent with their details replaced.
    static let eventBytesMax = 512_000
    /// Where v1 events go.
    static let v1URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json"

    init(config: PagerdutyConfig, index: Int, context: IntegrationContext) {
        self.config = config
        self.index = index
        self.context = context
    }

    var isV1: Bool { !(config.serviceKey ?? "").isEmpty || !(config.serviceKeyFile ?? "").isEmpty }

    public func notify(_ notification: GroupNotification) async -> IntegrationResult {
        await deliver {
            let data = NotificationData(notification)
            var message = try isV1 ? v1Message(data) : v2Message(data)
            if message.encoded.utf8.count > Self.eventBytesMax {
                message = Self.replacingDetails(message, v1: isV1)
            }
            let post = HTTPPost(clients: context.clients, settings: config.httpConfig, timeoutMs: context.defaultTimeoutMs)
            // v1 answers 403 when rate limited; v2 answers 429.
            _ = try await post.send(url: isV1 ? (config.url.isEmpty || config.url.hasSuffix("/v2/enqueue") ? Self.v1URL : config.url) : config.url,
                                    body: message.encoded, what: "pagerduty", retryCodes: isV1 ? [403, 429] : [429])
        }
    }

    func details(_ data: NotificationData) throws -> JSONOut {
        .object(try config.details.keys.sorted().map { ($0, .string(try context.templates.render(config.details[$0]!, data))) })
    }

    func v2Message(_ data: NotificationData) throws -> JSONOut {
        let t = context.templates
        func r(_ s: String) throws -> String { try t.render(s, data) }
        let key = try r(config.routingKey.flatMap { $0.isEmpty ? nil : $0 } ?? readSecret(config.routingKeyFile ?? "", "routing_key_file"))
        guard !key.isEmpty else { throw NotifyError("pagerduty: routing key cannot be empty", retry: false) }
        var payload: [(String, JSONOut)] = [
            ("summary", .string(truncate(try r(config.description), Self.summaryCharactersMax))),
            ("source", .string(try r(config.source))),
            ("severity", .string(try r(config.severity.isEmpty ? "error" : config.severity))),
        ]
        payload.omitEmpty("class", try r(config.class))
        payload.omitEmpty("component", try r(config.component))
        payload.omitEmpty("group", try r(config.group))
        if !config.details.isEmpty { payload.append(("custom_details", try details(data))) }
        var m: [(String, JSONOut)] = [("routing_key", .string(key))]
        m.append(("dedup_key", .string(SHA256.hex(data.groupKey))))
        m.append(("event_action", .string(data.status == "firing" ? "trigger" : "resolve")))
        m.append(("payload", .object(payload)))
        m.omitEmpty("client", try r(config.client))
        m.omitEmpty("client_url", try r(config.clientURL))
        let images = try config.images.map { i in (try r(i.src), try r(i.alt), try r(i.href)) }.filter { !$0.0.isEmpty }
        if !images.isEmpty {
            m.append(("images", .array(images.map { .object([("src", .string($0.0)), ("alt", .string($0.1)), ("href", .string($0.2))]) })))
        }
        var links = try config.links.map { l in (try r(l.href), try r(l.text)) }.filter { !$0.0.isEmpty }
        // The notification's own links follow, unless the configuration already placed them.
        links += data.sortedLinks.filter { l in !links.contains { $0.0 == l.url } }.map { ($0.url, $0.name) }
        if !links.isEmpty {
            m.append(("links", .array(links.map { .object([("href", .string($0.0)), ("text", .string($0.1))]) })))
        }
        return .object(m)
    }

    func v1Message(_ data: NotificationData) throws -> JSONOut {
        let t = context.templates
        func r(_ s: String) throws -> String { try t.render(s, data) }
        let key = try r(config.serviceKey.flatMap { $0.isEmpty ? nil : $0 } ?? readSecret(config.serviceKeyFile ?? "", "service_key_file"))
        guard !key.isEmpty else { throw NotifyError("pagerduty: service key cannot be empty", retry: false) }
        let firing = data.status == "firing"
        var m: [(String, JSONOut)] = [("service_key", .string(key))]
        m.append(("incident_key", .string(SHA256.hex(data.groupKey))))
        m.append(("event_type", .string(firing ? "trigger" : "resolve")))
        m.omitEmpty("description", truncate(try r(config.description), Self.summaryCharactersMax))
        m.append(("event_action", .string("")))
        m.append(("payload", .null))
        if firing {
            m.omitEmpty("client", try r(config.client))
            m.omitEmpty("client_url", try r(config.clientURL))
        }
        if !config.details.isEmpty { m.append(("details", try details(data))) }
        return .object(m)
    }

    /// The message with its details replaced by a note, as Alertmanager does for oversized events.
    static func replacingDetails(_ message: JSONOut, v1: Bool) -> JSONOut {
        let note = JSONOut.object([("error", .string("Custom details have been removed because the original event exceeds the maximum size of 512kB"))])
        guard case .object(var fields) = message else { return message }
        for i in fields.indices {
            if v1, fields[i].0 == "details" { fields[i].1 = note }
            if !v1, fields[i].0 == "payload", case .object(var p) = fields[i].1 {
                for j in p.indices where p[j].0 == "custom_details" { p[j].1 = note }
                fields[i].1 = .object(p)
            }
        }
        return .object(fields)
    }
}
