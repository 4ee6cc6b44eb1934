import Foundation

/// `slack_configs`: an incoming-webhook message with one attachment, as Alertmanager sends it.
public struct SlackIntegration: Integration {
    public let name = "slack"
    public let index: Int
    public var sendResolved: Bool { config.sendResolved }
    let config: SlackConfig
    let context: IntegrationContext

    /// Slack's limit on an attachment title, in characters; longer titles end with "…".
    static let titleCharactersMax = 1024

    init(config: SlackConfig, index: Int, context: IntegrationContext) {
        self.config = config
        self.index = index
        self.context = context
    }

    public func notify(_ notification: GroupNotification) async -> IntegrationResult {
        await deliver {
            let data = NotificationData(notification)
            let body = try Self.payload(config, data, context.templates).encoded
            let url = try config.apiURL ?? readSecret(config.apiURLFile ?? "", "api_url_file")
            let post = HTTPPost(clients: context.clients, settings: config.httpConfig, timeoutMs: context.defaultTimeoutMs)
            let response = try await post.send(url: url, body: body, what: "slack")
            try Self.check(response)
        }
    }

    /// Slack answers 200 with "ok", or JSON `{"ok": false, "error": …}` for a rejected message.
    static func check(_ r: HTTPPost.Response) throws {
        if r.contentType.hasPrefix("application/json") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any] else {
                throw NotifyError("slack: could not parse the JSON answer \(r.body.prefix(200))", retry: true)
            }
            if obj["ok"] as? Bool != true {
                throw NotifyError("slack: error response from Slack: \(obj["error"] as? String ?? "")", retry: false)
            }
            return
        }
        guard r.body == "ok" else {
            throw NotifyError("slack: received an error response from Slack: \(r.body.prefix(200))", retry: false)
        }
    }

    /// Buttons one Slack attachment shows at most.
    static let actionsMax = 5

    /// The configured `actions`, templated.
    static func configuredActions(_ c: SlackConfig, _ r: (String) throws -> String) throws -> [JSONOut] {
        try c.actions.map { a in
            var o: [(String, JSONOut)] = []
            o.omitEmpty("type", try r(a.type))
            o.omitEmpty("text", try r(a.text))
            o.omitEmpty("url", try r(a.url))
            o.omitEmpty("style", try r(a.style))
            o.omitEmpty("name", try r(a.name))
            o.omitEmpty("value", try r(a.value))
            if let confirm = a.confirm {
                var cf: [(String, JSONOut)] = []
                cf.omitEmpty("text", try r(confirm.text))
                cf.omitEmpty("title", try r(confirm.title))
                cf.omitEmpty("ok_text", try r(confirm.okText))
                cf.omitEmpty("dismiss_text", try r(confirm.dismissText))
                o.append(("confirm", .object(cf)))
            }
            return .object(o)
        }
    }

    static func payload(_ c: SlackConfig, _ data: NotificationData, _ t: NotificationTemplates) throws -> JSONOut {
        func r(_ s: String) throws -> String { try t.render(s, data) }
        var att: [(String, JSONOut)] = []
        att.omitEmpty("title", truncate(try r(c.title), titleCharactersMax))
        att.omitEmpty("title_link", try r(c.titleLink))
        att.omitEmpty("pretext", try r(c.pretext))
        att.append(("text", .string(try r(c.text))))
        att.append(("fallback", .string(try r(c.fallback))))
        att.append(("callback_id", .string(try r(c.callbackID))))
        if !c.fields.isEmpty {
            att.append(("fields", .array(try c.fields.map { f in
                var o: [(String, JSONOut)] = []
                o.omitEmpty("title", try r(f.title))
                o.omitEmpty("value", try r(f.value))
                o.append(("short", .bool(f.short ?? c.shortFields)))
                return .object(o)
            })))
        }
        // The notification's own links (the on-call acknowledge link…) become buttons after the configured ones,
        // unless the configuration already placed them, acknowledge first, as many as Slack shows.
        let configured = try configuredActions(c, r)
        let linkButtons: [JSONOut] = data.sortedLinks.filter { l in
            !configured.contains { if case .object(let o) = $0 { return o.contains { $0.0 == "url" && $0.1 == .string(l.url) } }; return false }
        }.prefix(max(Self.actionsMax - configured.count, 0)).map { l in
            .object([("type", .string("button")), ("text", .string(l.name)), ("url", .string(l.url))])
        }
        if !configured.isEmpty || !linkButtons.isEmpty {
            att.append(("actions", .array(configured + linkButtons)))
        }
        att.omitEmpty("image_url", try r(c.imageURL))
        att.omitEmpty("thumb_url", try r(c.thumbURL))
        att.append(("footer", .string(try r(c.footer))))
        att.omitEmpty("color", try r(c.color))
        let mrkdwn = c.mrkdwnIn.isEmpty ? ["fallback", "pretext", "text"] : c.mrkdwnIn
        att.append(("mrkdwn_in", .array(mrkdwn.map { .string($0) })))

        var req: [(String, JSONOut)] = []
        req.omitEmpty("channel", try r(c.channel))
        req.omitEmpty("username", try r(c.username))
        req.omitEmpty("icon_emoji", try r(c.iconEmoji))
        req.omitEmpty("icon_url", try r(c.iconURL))
        if c.linkNames { req.append(("link_names", .bool(true))) }
        req.append(("attachments", .array([.object(att)])))
        return .object(req)
    }
}

/// `s` cut to `n` characters, the last replaced by "…" when cut (Alertmanager's TruncateInRunes).
func truncate(_ s: String, _ n: Int) -> String {
    let scalars = Array(s.unicodeScalars)
    guard scalars.count > n else { return s }
    if n <= 3 { return String(String.UnicodeScalarView(scalars[..<n])) }
    return String(String.UnicodeScalarView(scalars[..<(n - 1)])) + "…"
}
