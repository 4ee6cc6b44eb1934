import ConfigReader
import Foundation
import GoTemplate
import Yams

/// The HTTP SMS gateway Osprey sends text messages through (not part of Alertmanager's schema): each
/// message is one request to `url` whose body is the `body` template rendered with `.To` (the phone number)
/// and `.Message` (the `message` template rendered with the notification's data).
///
///     sms_provider:
///       url: https://sms.example.com/send
///       method: POST
///       headers: { Authorization: "Bearer abc" }
///       content_type: application/json
///       body: '{"to": {{ .To | toJson }}, "text": {{ .Message | toJson }}}'
///       message: '{{ template "__subject" . }}'
///       timeout: 10s
public struct SMSProviderConfig: Sendable, Equatable {
    public var url: String
    /// HTTP method; POST unless set.
    public var method = "POST"
    public var headers: [String: String] = [:]
    public var contentType = "application/json"
    /// Go template of the request body; sees `.To` and `.Message`.
    public var body = SMSProviderConfig.defaultBody
    /// Go template of the text sent, with the notification's data (Alertmanager's `Data`).
    public var message = #"{{ template "sms.default.message" . }}"#
    /// 0: the integrations' default timeout.
    public var timeoutMs: Int64 = 0
    /// Messages longer than this many characters are cut, ending with "…" (0: not cut).
    public var messageCharactersMax = 0
    public var httpConfig = HTTPClientSettings()

    /// A JSON object with the number and the text.
    public static let defaultBody = #"{"to":{{ .To | toJson }},"message":{{ .Message | toJson }}}"#

    public init(url: String) { self.url = url }

    /// Reads the mapping at `node`; `field` is its path for messages (e.g. `oncall.sms_provider`). Errors
    /// name file:line:field; the templates are checked for syntax.
    public static func parse(_ node: Node, field: String, reader r: YAMLReader) throws -> SMSProviderConfig {
        var c = SMSProviderConfig(url: "")
        var seenURL = false
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "url":
                c.url = try r.string(v, f)
                guard let u = URLComponents(string: c.url), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
                    throw r.invalid(v, f, "must be an http or https URL, not \"\(c.url)\"")
                }
                seenURL = true
            case "method":
                c.method = try r.string(v, f).uppercased()
                guard ["POST", "PUT", "GET", "PATCH"].contains(c.method) else { throw r.invalid(v, f, "must be POST, PUT, PATCH or GET") }
            case "headers":
                for (name, value) in try r.stringMap(v, f) { c.headers[name] = value }
            case "content_type": c.contentType = try r.string(v, f)
            case "body": c.body = try template(v, f, r)
            case "message": c.message = try template(v, f, r)
            case "timeout": c.timeoutMs = try r.duration(v, f)
            case "max_message_length": c.messageCharactersMax = try r.nonNegativeInt(v, f)
            case "basic_auth":
                var user: String?, password: String?
                for (bk, bv) in try r.mapping(v, f) {
                    switch bk {
                    case "username": user = try r.string(bv, "\(f).username")
                    case "password": password = try r.string(bv, "\(f).password")
                    default: throw r.unknown(bv, "\(f).\(bk)")
                    }
                }
                c.httpConfig.basicAuthUsername = user ?? ""
                c.httpConfig.basicAuthPassword = password
            default: throw r.unknown(v, f)
            }
        }
        guard seenURL else { throw r.invalid(node, "\(field).url", "missing url of the SMS provider") }
        return c
    }

    private static func template(_ node: Node, _ field: String, _ r: YAMLReader) throws -> String {
        let s = try r.string(node, field)
        do {
            _ = try NotificationTemplates(sources: [("sms", "{{ define \"__check\" }}\(s){{ end }}")])
        } catch let e as ConfigError {
            throw r.invalid(node, field, "bad template: \(e.message)")
        }
        return s
    }
}

/// A text message to one phone number through the configured `SMSProviderConfig`.
public struct SMSIntegration: Integration {
    public let name = "sms"
    public let index: Int
    public let sendResolved: Bool
    /// The phone number.
    public let to: String
    let provider: SMSProviderConfig
    let context: IntegrationContext

    init(to: String, provider: SMSProviderConfig, index: Int, sendResolved: Bool, context: IntegrationContext) {
        self.to = to
        self.provider = provider
        self.index = index
        self.sendResolved = sendResolved
        self.context = context
    }

    /// The fewest characters of the message kept in front of an acknowledge link; with a limit that leaves
    /// less, the link is left out (a cut link is useless, a cut-to-nothing page says nothing).
    static let textBeforeLinkCharactersMin = 20

    /// The message with " Ack: <link>" appended, within `max` characters (0: no limit): the text is cut to
    /// make room, ending with "…", and the link is never cut.
    static func withAcknowledgeLink(_ message: String, _ link: String?, max: Int) -> String {
        let ack = link.map { " Ack: " + $0 } ?? ""
        guard max > 0 else { return message + ack }
        let room = max - ack.unicodeScalars.count
        if ack.isEmpty || room < textBeforeLinkCharactersMin { return truncate(message, max) }
        return truncate(message, room) + ack
    }

    public func notify(_ notification: GroupNotification) async -> IntegrationResult {
        await deliver {
            let data = NotificationData(notification)
            var message = try context.templates.render(provider.message, data)
            message = Self.withAcknowledgeLink(message, data.links[NotificationData.acknowledgeLink], max: provider.messageCharactersMax)
            let value = TemplateValue.map(["To": .string(to), "Message": .string(message)])
            let body = try context.templates.render(provider.body, value, html: false)
            let post = HTTPPost(clients: context.clients, settings: provider.httpConfig,
                                timeoutMs: provider.timeoutMs > 0 ? provider.timeoutMs : context.defaultTimeoutMs)
            _ = try await post.send(url: provider.url, body: body, contentType: provider.contentType, method: provider.method,
                                    headers: provider.headers.sorted { $0.key < $1.key }, what: "sms")
        }
    }
}
