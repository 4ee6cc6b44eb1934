import ConfigReader
import Foundation
import OspreyCore
import Yams

extension AlertmanagerConfig {
    /// Alertmanager's top-level keys; osprey.yml's `alerting:` section may hold them directly.
    public static let topLevelKeys: Set<String> = [
        "global", "route", "receivers", "inhibit_rules", "time_intervals", "mute_time_intervals", "templates",
    ]

    /// Loads an alertmanager.yml; relative paths in it (templates, `*_file`) resolve against its directory.
    /// Errors are `ConfigError`s naming the file, line and field.
    public static func load(path: String) throws -> AlertmanagerConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, field: "(file)", message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, field: "(file)", message: "not valid UTF-8")
        }
        return try parse(text, file: path, baseDirectory: (path as NSString).deletingLastPathComponent)
    }

    /// Parses alertmanager.yml text; `file` names it in errors.
    public static func parse(_ text: String, file: String, baseDirectory: String = ".") throws -> AlertmanagerConfig {
        let r = YAMLReader(file: file)
        guard let root = try YAMLReader.compose(text, file: file), !r.isNull(root) else {
            throw ConfigError(file: file, line: nil, field: "route", message: "no route provided in config")
        }
        let entries = try r.mapping(root, "(top level)")
        for (k, v) in entries where !topLevelKeys.contains(k) { throw r.unknown(v, k) }
        return try parse(entries: entries, reader: r, fieldPrefix: "", baseDirectory: baseDirectory, original: text, at: root)
    }

    /// Parses Alertmanager's top-level keys given as entries of a mapping (alertmanager.yml's top level, or
    /// osprey.yml's `alerting:` section with `fieldPrefix` "alerting."). `at` is the node errors about a
    /// missing key point at.
    public static func parse(entries: [(String, Node)], reader r: YAMLReader, fieldPrefix: String, baseDirectory: String,
                             original: String, at parent: Node) throws -> AlertmanagerConfig {
        var l = AlertmanagerLoader(r: r, prefix: fieldPrefix, baseDirectory: baseDirectory)
        let byKey = Dictionary(entries, uniquingKeysWith: { a, _ in a })
        // `global` first: receivers take their defaults from it.
        if let g = byKey["global"] { try l.global(g) }
        var receivers: [Receiver] = []
        var receiverNames = Set<String>()
        if let node = byKey["receivers"] {
            for (i, item) in try r.sequence(node, l.path("receivers")).enumerated() {
                let rcv = try l.receiver(item, l.path("receivers[\(i)]"))
                guard receiverNames.insert(rcv.name).inserted else {
                    throw r.invalid(item, l.path("receivers[\(i)].name"), "notification config name \"\(rcv.name)\" is not unique")
                }
                receivers.append(rcv)
            }
        }
        guard let routeNode = byKey["route"], !r.isNull(routeNode) else {
            throw r.error(parent, l.path("route"), "no route provided in config")
        }
        let spec = try l.routeSpec(routeNode, l.path("route"))
        try l.checkRoot(spec, routeNode)

        var intervals: [String: [TimeIntervalSpec]] = [:]
        for key in ["mute_time_intervals", "time_intervals"] {
            guard let node = byKey[key] else { continue }
            for (i, item) in try r.sequence(node, l.path(key)).enumerated() {
                let (name, specs) = try l.namedTimeInterval(item, l.path("\(key)[\(i)]"))
                guard intervals[name] == nil else {
                    throw r.invalid(item, l.path("\(key)[\(i)].name"), "time interval \"\(name)\" is not unique")
                }
                intervals[name] = specs
            }
        }
        try l.checkReferences(spec, receivers: receiverNames, intervals: Set(intervals.keys))

        var config = AlertmanagerConfig(route: l.build(spec, parent: nil, position: nil))
        config.global = l.globalConfig
        config.receivers = receivers
        config.timeIntervals = intervals
        if let node = byKey["inhibit_rules"] {
            config.inhibitRules = try r.sequence(node, l.path("inhibit_rules")).enumerated().map {
                try l.inhibitRule($1, l.path("inhibit_rules[\($0)]"))
            }
        }
        if let node = byKey["templates"] {
            config.templates = try r.stringList(node, l.path("templates")).map(l.resolve)
        }
        config.original = original
        config.ignored = l.ignored
        return config
    }
}

/// The state of one load: the reader, the field prefix, the directory relative paths resolve against,
/// the global defaults read so far and the ignored fields found.
struct AlertmanagerLoader {
    let r: YAMLReader
    let prefix: String
    let baseDirectory: String
    var globalConfig = GlobalConfig()
    var ignored: [String] = []

    init(r: YAMLReader, prefix: String, baseDirectory: String) {
        self.r = r
        self.prefix = prefix
        self.baseDirectory = baseDirectory
    }

    func path(_ field: String) -> String { prefix + field }

    /// A path from the configuration, joined to the configuration's directory when relative.
    func resolve(_ p: String) -> String {
        p.isEmpty || p.hasPrefix("/") ? p : (baseDirectory as NSString).appendingPathComponent(p)
    }

    mutating func ignore(_ field: String, _ why: String) { ignored.append("\(field): \(why)") }

    mutating func global(_ node: Node) throws {
        var g = GlobalConfig()
        let field = path("global")
        var nodes: [String: Node] = [:]
        for (k, v) in try r.mapping(node, field) {
            let f = "\(field).\(k)"
            nodes[k] = v
            switch k {
            case "resolve_timeout": g.resolveTimeoutMs = try r.duration(v, f)
            case "http_config": g.httpConfig = try httpConfig(v, f)
            case "smtp_from": g.smtpFrom = try r.string(v, f)
            case "smtp_hello": g.smtpHello = try r.string(v, f)
            case "smtp_smarthost": g.smtpSmarthost = try hostPort(v, f)
            case "smtp_auth_username": g.smtpAuthUsername = try r.string(v, f)
            case "smtp_auth_password": g.smtpAuthPassword = try r.string(v, f)
            case "smtp_auth_password_file": g.smtpAuthPasswordFile = resolve(try r.string(v, f))
            case "smtp_auth_secret": g.smtpAuthSecret = try r.string(v, f)
            case "smtp_auth_identity": g.smtpAuthIdentity = try r.string(v, f)
            case "smtp_require_tls": g.smtpRequireTLS = try bool(v, f)
            case "smtp_tls_config": g.smtpTLSConfig = try tlsConfig(v, f)
            case "slack_api_url": g.slackAPIURL = try url(v, f)
            case "slack_api_url_file": g.slackAPIURLFile = resolve(try r.string(v, f))
            case "pagerduty_url": g.pagerdutyURL = try url(v, f)
            case "opsgenie_api_url", "wechat_api_url", "victorops_api_url", "telegram_api_url", "webex_api_url",
                 "jira_api_url", "rocketchat_api_url":
                g.other[k] = try url(v, f)
            case "opsgenie_api_key", "opsgenie_api_key_file", "wechat_api_secret", "wechat_api_corp_id",
                 "victorops_api_key", "victorops_api_key_file", "rocketchat_token", "rocketchat_token_file",
                 "rocketchat_token_id", "rocketchat_token_id_file":
                g.other[k] = try r.string(v, f)
            default: throw r.unknown(v, f)
            }
        }
        for (a, b) in [("slack_api_url", "slack_api_url_file"), ("smtp_auth_password", "smtp_auth_password_file"),
                       ("opsgenie_api_key", "opsgenie_api_key_file"), ("victorops_api_key", "victorops_api_key_file")] {
            if let n = nodes[b], nodes[a] != nil {
                throw r.invalid(n, "\(field).\(b)", "at most one of \(a) & \(b) must be configured")
            }
        }
        globalConfig = g
    }

    /// A named time interval: `name` and `time_intervals`.
    func namedTimeInterval(_ node: Node, _ field: String) throws -> (String, [TimeIntervalSpec]) {
        var name = ""
        var specs: [TimeIntervalSpec] = []
        for (k, v) in try r.mapping(node, field) {
            switch k {
            case "name": name = try r.string(v, "\(field).name")
            case "time_intervals":
                specs = try r.sequence(v, "\(field).time_intervals").enumerated().map {
                    try r.timeInterval($1, "\(field).time_intervals[\($0)]")
                }
            default: throw r.unknown(v, "\(field).\(k)")
            }
        }
        guard !name.isEmpty else { throw r.invalid(node, "\(field).name", "missing name in time interval") }
        return (name, specs)
    }

    /// An `http(s)://host…` URL, as Alertmanager requires for every endpoint.
    func url(_ node: Node, _ field: String) throws -> String {
        let s = try r.string(node, field)
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased() else {
            throw r.invalid(node, field, "\"\(s)\" is not a valid URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw r.invalid(node, field, "unsupported scheme \"\(scheme)\" for URL; use http or https")
        }
        guard let host = u.host, !host.isEmpty else { throw r.invalid(node, field, "missing host for URL \"\(s)\"") }
        return s
    }

    /// A boolean as Alertmanager's YAML 1.1 reader takes it: true/false, yes/no, on/off, y/n in any of
    /// their usual spellings.
    func bool(_ node: Node, _ field: String) throws -> Bool {
        let s = try r.string(node, field)
        switch s.lowercased() {
        case "true", "yes", "on", "y": return true
        case "false", "no", "off", "n": return false
        default: throw r.invalid(node, field, "must be true or false, not \"\(s)\"")
        }
    }

    /// HOST:PORT with a non-empty port.
    func hostPort(_ node: Node, _ field: String) throws -> String {
        let s = try r.string(node, field)
        if s.isEmpty { return s }
        guard let colon = s.lastIndex(of: ":"), s.index(after: colon) < s.endIndex else {
            throw r.invalid(node, field, "address \"\(s)\": missing port; write HOST:PORT")
        }
        return s
    }
}
