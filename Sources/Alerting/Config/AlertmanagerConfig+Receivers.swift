import ConfigReader
import Foundation
import Yams

/// Reading `receivers` entries: the integrations Osprey sends to are read field by field with
/// Alertmanager's checks and defaults; the others are accepted and reported as ignored.
extension AlertmanagerLoader {
    /// Integrations in Alertmanager's schema that Osprey does not send to.
    static let ignoredIntegrations: Set<String> = [
        "discord_configs", "opsgenie_configs", "wechat_configs", "pushover_configs", "victorops_configs", "sns_configs",
        "telegram_configs", "webex_configs", "jira_configs", "rocketchat_configs", "msteamsv2_configs",
    ]

    mutating func receiver(_ node: Node, _ field: String) throws -> Receiver {
        let entries = try r.mapping(node, field)
        guard let nameNode = entries.first(where: { $0.0 == "name" })?.1, let name = try? r.string(nameNode, "\(field).name"), !name.isEmpty else {
            throw r.invalid(node, "\(field).name", "missing name in receiver")
        }
        var rcv = Receiver(name: name)
        for (k, v) in entries where k != "name" {
            let f = "\(field).\(k)"
            let items = try r.sequence(v, f).enumerated().map { ($1, "\(f)[\($0)]") }
            switch k {
            case "webhook_configs": rcv.webhookConfigs = try items.map { try webhook($0, $1) }
            case "slack_configs": rcv.slackConfigs = try items.map { try slack($0, $1) }
            case "pagerduty_configs": rcv.pagerdutyConfigs = try items.map { try pagerduty($0, $1) }
            case "email_configs": rcv.emailConfigs = try items.map { try email($0, $1) }
            case "msteams_configs": rcv.msteamsConfigs = try items.map { try msteams($0, $1) }
            default:
                guard Self.ignoredIntegrations.contains(k) else { throw r.unknown(v, f) }
                for (item, itemField) in items { _ = try r.mapping(item, itemField) }
                rcv.ignoredIntegrations[k] = items.count
                if !items.isEmpty { ignore(f, "Osprey does not send to this integration") }
            }
        }
        return rcv
    }

    mutating func webhook(_ node: Node, _ field: String) throws -> WebhookConfig {
        var c = WebhookConfig()
        c.httpConfig = globalConfig.httpConfig
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "send_resolved": c.sendResolved = try bool(v, f)
            case "url": c.url = try url(v, f)
            case "url_file": c.urlFile = resolve(try r.string(v, f))
            case "max_alerts": c.maxAlerts = try r.nonNegativeInt(v, f)
            case "timeout": c.timeoutMs = try r.duration(v, f)
            case "http_config": c.httpConfig = try httpConfig(v, f)
            default: throw r.unknown(v, f)
            }
        }
        try exactlyOne(node, field, ("url", c.url), ("url_file", c.urlFile))
        return c
    }

    mutating func msteams(_ node: Node, _ field: String) throws -> MSTeamsConfig {
        var c = MSTeamsConfig()
        c.httpConfig = globalConfig.httpConfig
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "send_resolved": c.sendResolved = try bool(v, f)
            case "webhook_url": c.webhookURL = try url(v, f)
            case "webhook_url_file": c.webhookURLFile = resolve(try r.string(v, f))
            case "http_config": c.httpConfig = try httpConfig(v, f)
            case "title": c.title = try r.string(v, f)
            case "summary": c.summary = try r.string(v, f)
            case "text": c.text = try r.string(v, f)
            default: throw r.unknown(v, f)
            }
        }
        try exactlyOne(node, field, ("webhook_url", c.webhookURL), ("webhook_url_file", c.webhookURLFile))
        return c
    }

    mutating func pagerduty(_ node: Node, _ field: String) throws -> PagerdutyConfig {
        var c = PagerdutyConfig()
        c.httpConfig = globalConfig.httpConfig
        var details: [String: String] = [:]
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "send_resolved": c.sendResolved = try bool(v, f)
            case "http_config": c.httpConfig = try httpConfig(v, f)
            case "routing_key": c.routingKey = try r.string(v, f)
            case "routing_key_file": c.routingKeyFile = resolve(try r.string(v, f))
            case "service_key": c.serviceKey = try r.string(v, f)
            case "service_key_file": c.serviceKeyFile = resolve(try r.string(v, f))
            case "url": c.url = try url(v, f)
            case "client": c.client = try r.string(v, f)
            case "client_url": c.clientURL = try r.string(v, f)
            case "description": c.description = try r.string(v, f)
            case "details": details = Dictionary(try r.stringMap(v, f), uniquingKeysWith: { a, _ in a })
            case "source": c.source = try r.string(v, f)
            case "severity": c.severity = try r.string(v, f)
            case "class": c.class = try r.string(v, f)
            case "component": c.component = try r.string(v, f)
            case "group": c.group = try r.string(v, f)
            case "links":
                c.links = try r.sequence(v, f).enumerated().map { i, item in
                    let m = try fields(item, "\(f)[\(i)]", ["href", "text"])
                    return .init(href: m["href"] ?? "", text: m["text"] ?? "")
                }
            case "images":
                c.images = try r.sequence(v, f).enumerated().map { i, item in
                    let m = try fields(item, "\(f)[\(i)]", ["src", "alt", "href"])
                    return .init(src: m["src"] ?? "", alt: m["alt"] ?? "", href: m["href"] ?? "")
                }
            default: throw r.unknown(v, f)
            }
        }
        let keys = [c.routingKey, c.routingKeyFile, c.serviceKey, c.serviceKeyFile].compactMap { $0 }.filter { !$0.isEmpty }
        guard !keys.isEmpty else { throw r.invalid(node, field, "missing service or routing key in PagerDuty config") }
        try atMostOne(node, field, ("routing_key", c.routingKey), ("routing_key_file", c.routingKeyFile))
        try atMostOne(node, field, ("service_key", c.serviceKey), ("service_key_file", c.serviceKeyFile))
        if c.url.isEmpty { c.url = globalConfig.pagerdutyURL }
        if c.source.isEmpty { c.source = c.client }
        c.details = PagerdutyConfig.defaultDetails.merging(details) { _, configured in configured }
        return c
    }

    mutating func email(_ node: Node, _ field: String) throws -> EmailConfig {
        var c = EmailConfig()
        let g = globalConfig
        var requireTLS: Bool?
        var passwordSet = false
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "send_resolved": c.sendResolved = try bool(v, f)
            case "to": c.to = try r.string(v, f)
            case "from": c.from = try r.string(v, f)
            case "hello": c.hello = try r.string(v, f)
            case "smarthost": c.smarthost = try hostPort(v, f)
            case "auth_username": c.authUsername = try r.string(v, f)
            case "auth_password": c.authPassword = try r.string(v, f); passwordSet = passwordSet || !c.authPassword.isEmpty
            case "auth_password_file":
                c.authPasswordFile = resolve(try r.string(v, f)); passwordSet = passwordSet || !c.authPasswordFile.isEmpty
            case "auth_secret": c.authSecret = try r.string(v, f)
            case "auth_identity": c.authIdentity = try r.string(v, f)
            case "html": c.html = try r.string(v, f)
            case "text": c.text = try r.string(v, f)
            case "require_tls": requireTLS = try bool(v, f)
            case "tls_config": c.tlsConfig = try tlsConfig(v, f)
            case "headers":
                for (name, value) in try r.stringMap(v, f) {
                    let canonical = canonicalHeader(name)
                    guard c.headers[canonical] == nil else {
                        throw r.invalid(v, "\(f).\(name)", "duplicate header \"\(canonical)\" in email config")
                    }
                    c.headers[canonical] = value
                }
            default: throw r.unknown(v, f)
            }
        }
        guard !c.to.isEmpty else { throw r.invalid(node, "\(field).to", "missing to address in email config") }
        if c.smarthost.isEmpty {
            guard !g.smtpSmarthost.isEmpty else { throw r.invalid(node, "\(field).smarthost", "no global SMTP smarthost set; set global.smtp_smarthost or smarthost") }
            c.smarthost = g.smtpSmarthost
        }
        if c.from.isEmpty {
            guard !g.smtpFrom.isEmpty else { throw r.invalid(node, "\(field).from", "no global SMTP from set; set global.smtp_from or from") }
            c.from = g.smtpFrom
        }
        if c.hello.isEmpty { c.hello = g.smtpHello }
        if c.authUsername.isEmpty { c.authUsername = g.smtpAuthUsername }
        if !passwordSet { c.authPassword = g.smtpAuthPassword; c.authPasswordFile = g.smtpAuthPasswordFile }
        if c.authSecret.isEmpty { c.authSecret = g.smtpAuthSecret }
        if c.authIdentity.isEmpty { c.authIdentity = g.smtpAuthIdentity }
        c.requireTLS = requireTLS ?? g.smtpRequireTLS
        if c.tlsConfig == TLSClientSettings() { c.tlsConfig = g.smtpTLSConfig }
        if c.headers["Subject"] == nil { c.headers["Subject"] = EmailConfig.defaultSubject }
        return c
    }

    /// Go's canonical MIME header form: `content-type` → `Content-Type`.
    func canonicalHeader(_ name: String) -> String {
        name.split(separator: "-", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined(separator: "-")
    }

    /// A small mapping of string fields, with unknown keys rejected.
    func fields(_ node: Node, _ field: String, _ allowed: Set<String>) throws -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in try r.mapping(node, field) {
            guard allowed.contains(k) else { throw r.unknown(v, "\(field).\(k)") }
            out[k] = try r.string(v, "\(field).\(k)")
        }
        return out
    }

    func exactlyOne(_ node: Node, _ field: String, _ a: (String, String?), _ b: (String, String?)) throws {
        guard a.1 != nil || b.1 != nil else { throw r.invalid(node, field, "one of \(a.0) or \(b.0) must be configured") }
        try atMostOne(node, field, a, b)
    }

    func atMostOne(_ node: Node, _ field: String, _ a: (String, String?), _ b: (String, String?)) throws {
        if let x = a.1, let y = b.1, !x.isEmpty, !y.isEmpty {
            throw r.invalid(node, field, "at most one of \(a.0) & \(b.0) must be configured")
        }
    }
}
