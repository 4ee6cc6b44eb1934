import ConfigReader
import Yams

extension AlertmanagerLoader {
    mutating func slack(_ node: Node, _ field: String) throws -> SlackConfig {
        var c = SlackConfig()
        c.httpConfig = globalConfig.httpConfig
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "send_resolved": c.sendResolved = try bool(v, f)
            case "http_config": c.httpConfig = try httpConfig(v, f)
            case "api_url": c.apiURL = try url(v, f)
            case "api_url_file": c.apiURLFile = resolve(try r.string(v, f))
            case "channel": c.channel = try r.string(v, f)
            case "username": c.username = try r.string(v, f)
            case "color": c.color = try r.string(v, f)
            case "title": c.title = try r.string(v, f)
            case "title_link": c.titleLink = try r.string(v, f)
            case "pretext": c.pretext = try r.string(v, f)
            case "text": c.text = try r.string(v, f)
            case "short_fields": c.shortFields = try bool(v, f)
            case "footer": c.footer = try r.string(v, f)
            case "fallback": c.fallback = try r.string(v, f)
            case "callback_id": c.callbackID = try r.string(v, f)
            case "icon_emoji": c.iconEmoji = try r.string(v, f)
            case "icon_url": c.iconURL = try r.string(v, f)
            case "image_url": c.imageURL = try r.string(v, f)
            case "thumb_url": c.thumbURL = try r.string(v, f)
            case "link_names": c.linkNames = try bool(v, f)
            case "mrkdwn_in": c.mrkdwnIn = try r.stringList(v, f)
            case "fields": c.fields = try r.sequence(v, f).enumerated().map { try slackField($1, "\(f)[\($0)]") }
            case "actions": c.actions = try r.sequence(v, f).enumerated().map { try slackAction($1, "\(f)[\($0)]") }
            default: throw r.unknown(v, f)
            }
        }
        try atMostOne(node, field, ("api_url", c.apiURL), ("api_url_file", c.apiURLFile))
        if c.apiURL == nil && c.apiURLFile == nil {
            guard globalConfig.slackAPIURL != nil || globalConfig.slackAPIURLFile != nil else {
                throw r.invalid(node, "\(field).api_url", "no global Slack API URL set either inline or in a file; set global.slack_api_url or api_url")
            }
            c.apiURL = globalConfig.slackAPIURL
            c.apiURLFile = globalConfig.slackAPIURLFile
        }
        return c
    }

    private func slackField(_ node: Node, _ field: String) throws -> SlackConfig.Field {
        var title = "", value = ""
        var short: Bool?
        for (k, v) in try r.mapping(node, field) {
            switch k {
            case "title": title = try r.string(v, "\(field).title")
            case "value": value = try r.string(v, "\(field).value")
            case "short": short = try bool(v, "\(field).short")
            default: throw r.unknown(v, "\(field).\(k)")
            }
        }
        guard !title.isEmpty else { throw r.invalid(node, "\(field).title", "missing title in Slack field configuration") }
        guard !value.isEmpty else { throw r.invalid(node, "\(field).value", "missing value in Slack field configuration") }
        return .init(title: title, value: value, short: short)
    }

    private func slackAction(_ node: Node, _ field: String) throws -> SlackConfig.Action {
        var a = SlackConfig.Action(type: "", text: "", url: "", style: "", name: "", value: "", confirm: nil)
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            switch k {
            case "type": a.type = try r.string(v, f)
            case "text": a.text = try r.string(v, f)
            case "url": a.url = try r.string(v, f)
            case "style": a.style = try r.string(v, f)
            case "name": a.name = try r.string(v, f)
            case "value": a.value = try r.string(v, f)
            case "confirm":
                let m = try fields(v, f, ["text", "title", "ok_text", "dismiss_text"])
                guard let text = m["text"], !text.isEmpty else { throw r.invalid(v, "\(f).text", "missing text in Slack confirmation configuration") }
                a.confirm = .init(text: text, title: m["title"] ?? "", okText: m["ok_text"] ?? "", dismissText: m["dismiss_text"] ?? "")
            default: throw r.unknown(v, f)
            }
        }
        guard !a.type.isEmpty else { throw r.invalid(node, "\(field).type", "missing type in Slack action configuration") }
        guard !a.text.isEmpty else { throw r.invalid(node, "\(field).text", "missing text in Slack action configuration") }
        if !a.url.isEmpty {
            a.name = ""; a.value = ""; a.confirm = nil
        } else if a.name.isEmpty {
            throw r.invalid(node, field, "missing name or url in Slack action configuration")
        }
        return a
    }
}
