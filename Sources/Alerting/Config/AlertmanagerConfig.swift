import Foundation
import OspreyCore

/// An Alertmanager configuration (alertmanager.yml's schema), loaded unchanged from the file or from the
/// Alertmanager keys of osprey.yml's `alerting:` section. Defaults are filled in as Alertmanager fills them:
/// `global` values flow into the receivers that leave them out, and `route` is resolved into a `Route` tree
/// whose nodes carry their effective (inherited) options.
public struct AlertmanagerConfig: Sendable {
    public var global = GlobalConfig()
    /// The routing tree; the root matches every alert.
    public var route: Route
    public var receivers: [Receiver] = []
    public var inhibitRules: [InhibitRuleConfig] = []
    /// `time_intervals` and the older `mute_time_intervals`, by name.
    public var timeIntervals: [String: [TimeIntervalSpec]] = [:]
    /// `templates`: file globs, resolved against the configuration file's directory.
    public var templates: [String] = []
    /// The YAML text the configuration was read from (`/api/v2/status` answers it as `config.original`).
    public var original: String = ""
    /// Valid fields Osprey accepts but does not act on, as `path: reason` lines (e.g. `receivers[2].opsgenie_configs`).
    public var ignored: [String] = []

    /// The configuration used when none is given: every alert goes to one receiver, `default`, with no
    /// integrations, so alerts are grouped and listed by the API but nobody is notified.
    public static let fallback: AlertmanagerConfig = {
        let text = "route:\n  receiver: default\nreceivers:\n  - name: default\n"
        // The text is a constant that parses; failing here is a bug in this file.
        guard let config = try? AlertmanagerConfig.parse(text, file: "(built-in)") else { fatalError("BUG: the built-in Alertmanager configuration does not parse") }
        return config
    }()

    /// The receiver with this name.
    public func receiver(named name: String) -> Receiver? { receivers.first { $0.name == name } }

    /// Whether notifications on `route` are held back at the instant, as Alertmanager decides: one of its
    /// `mute_time_intervals` contains it, or it has `active_time_intervals` and none of them contains it.
    public func isMuted(_ route: Route, at ms: Int64) -> Bool {
        if route.muteTimeIntervals.contains(where: { timeInterval($0, contains: ms) }) { return true }
        return !route.activeTimeIntervals.isEmpty && !route.activeTimeIntervals.contains { timeInterval($0, contains: ms) }
    }

    /// Whether the named time interval contains the instant; false for an unknown name.
    public func timeInterval(_ name: String, contains ms: Int64) -> Bool {
        guard let specs = timeIntervals[name] else { return false }
        return TimeIntervalSpec.anyContains(specs, ms)
    }
}

/// `global:`: defaults for every receiver, as Alertmanager documents them.
public struct GlobalConfig: Sendable {
    /// `resolve_timeout`: an alert without `endsAt` is resolved after this long without an update.
    public var resolveTimeoutMs: Int64 = 5 * 60_000
    public var httpConfig = HTTPClientSettings()
    public var smtpFrom = ""
    public var smtpHello = "localhost"
    /// `smtp_smarthost` as HOST:PORT; empty when unset.
    public var smtpSmarthost = ""
    public var smtpAuthUsername = ""
    public var smtpAuthPassword = ""
    public var smtpAuthPasswordFile = ""
    public var smtpAuthSecret = ""
    public var smtpAuthIdentity = ""
    public var smtpRequireTLS = true
    public var smtpTLSConfig = TLSClientSettings()
    public var slackAPIURL: String?
    public var slackAPIURLFile: String?
    public var pagerdutyURL = "https://events.pagerduty.com/v2/enqueue"
    /// URLs and keys of integrations Osprey does not send to (opsgenie, wechat, victorops, telegram, webex,
    /// jira, rocketchat), kept by their key.
    public var other: [String: String] = [:]

    public init() {}
}

/// Prometheus's `http_config` block (common HTTP client settings). Options Osprey does not act on are
/// accepted and listed in `AlertmanagerConfig.ignored`.
public struct HTTPClientSettings: Sendable, Equatable {
    public var basicAuthUsername: String?
    public var basicAuthPassword: String?
    public var basicAuthPasswordFile: String?
    /// `authorization.type` (default `Bearer`) with `credentials` or `credentials_file`; also `bearer_token(_file)`.
    public var authorizationType: String?
    public var authorizationCredentials: String?
    public var authorizationCredentialsFile: String?
    public var proxyURL: String?
    public var tlsConfig = TLSClientSettings()
    public var followRedirects = true
    public var enableHTTP2 = true
    /// `http_headers`: extra request headers (the `values` of each entry).
    public var headers: [String: [String]] = [:]

    public init() {}
}

/// Prometheus's `tls_config` block.
public struct TLSClientSettings: Sendable, Equatable {
    public var caFile: String?
    public var ca: String?
    public var certFile: String?
    public var cert: String?
    public var keyFile: String?
    public var key: String?
    public var serverName: String?
    public var insecureSkipVerify = false
    public var minVersion: String?
    public var maxVersion: String?

    public init() {}
}

/// A named receiver and the integrations it sends to.
public struct Receiver: Sendable {
    public var name: String
    public var webhookConfigs: [WebhookConfig] = []
    public var slackConfigs: [SlackConfig] = []
    public var pagerdutyConfigs: [PagerdutyConfig] = []
    public var emailConfigs: [EmailConfig] = []
    public var msteamsConfigs: [MSTeamsConfig] = []
    /// Integrations in Alertmanager's schema that Osprey accepts without sending (e.g. `opsgenie_configs`), with their count.
    public var ignoredIntegrations: [String: Int] = [:]

    public init(name: String) { self.name = name }

    /// Number of integrations Osprey sends to for this receiver.
    public var integrationCount: Int {
        webhookConfigs.count + slackConfigs.count + pagerdutyConfigs.count + emailConfigs.count + msteamsConfigs.count
    }
}

/// `webhook_configs` entry: Alertmanager's webhook JSON (version 4) POSTed to `url`.
public struct WebhookConfig: Sendable {
    /// Alertmanager's defaults; the loader fills in the rest.
    public init() {}

    /// Default true, as in Alertmanager.
    public var sendResolved = true

    public var url: String?
    /// Read at send time, relative paths already resolved.
    public var urlFile: String?
    /// At most this many alerts in one message; 0 means all.
    public var maxAlerts = 0
    /// 0 means no timeout beyond the notification's own.
    public var timeoutMs: Int64 = 0
    public var httpConfig = HTTPClientSettings()
}

/// `slack_configs` entry (incoming-webhook JSON). Template fields hold Alertmanager's default templates when left out.
public struct SlackConfig: Sendable {
    /// Alertmanager's defaults; the loader fills in the rest.
    public init() {}

    public struct Field: Sendable {
        public var title: String, value: String
        public var short: Bool?
        public init(title: String, value: String, short: Bool? = nil) { self.title = title; self.value = value; self.short = short }
    }
    public struct Action: Sendable {
        public var type: String, text: String, url: String, style: String, name: String, value: String
        public var confirm: Confirm?
    }
    public struct Confirm: Sendable { public var text: String, title: String, okText: String, dismissText: String }

    /// Default false, as in Alertmanager.
    public var sendResolved = false

    public var apiURL: String?
    public var apiURLFile: String?
    public var httpConfig = HTTPClientSettings()
    public var channel = ""
    public var username = #"{{ template "slack.default.username" . }}"#
    public var color = #"{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}"#
    public var title = #"{{ template "slack.default.title" . }}"#
    public var titleLink = #"{{ template "slack.default.titlelink" . }}"#
    public var pretext = #"{{ template "slack.default.pretext" . }}"#
    public var text = #"{{ template "slack.default.text" . }}"#
    public var fields: [Field] = []
    public var shortFields = false
    public var footer = #"{{ template "slack.default.footer" . }}"#
    public var fallback = #"{{ template "slack.default.fallback" . }}"#
    public var callbackID = #"{{ template "slack.default.callbackid" . }}"#
    public var iconEmoji = #"{{ template "slack.default.iconemoji" . }}"#
    public var iconURL = #"{{ template "slack.default.iconurl" . }}"#
    public var imageURL = ""
    public var thumbURL = ""
    public var linkNames = false
    public var mrkdwnIn: [String] = []
    public var actions: [Action] = []
}

/// `pagerduty_configs` entry (Events API v2 with `routing_key`, v1 with `service_key`).
public struct PagerdutyConfig: Sendable {
    /// Alertmanager's defaults; the loader fills in the rest.
    public init() {}

    public struct Link: Sendable {
        public var href: String, text: String
        public init(href: String, text: String) { self.href = href; self.text = text }
    }
    public struct Image: Sendable {
        public var src: String, alt: String, href: String
        public init(src: String, alt: String, href: String) { self.src = src; self.alt = alt; self.href = href }
    }

    /// Default true, as in Alertmanager.
    public var sendResolved = true

    public var httpConfig = HTTPClientSettings()
    public var routingKey: String?
    public var routingKeyFile: String?
    public var serviceKey: String?
    public var serviceKeyFile: String?
    /// Defaults to `global.pagerduty_url`.
    public var url = ""
    public var client = #"{{ template "pagerduty.default.client" . }}"#
    public var clientURL = #"{{ template "pagerduty.default.clientURL" . }}"#
    public var description = #"{{ template "pagerduty.default.description" .}}"#
    /// Alertmanager's default details (`firing`, `resolved`, `num_firing`, `num_resolved`) plus the configured ones.
    public var details: [String: String] = [:]
    public var images: [Image] = []
    public var links: [Link] = []
    /// Defaults to `client`.
    public var source = ""
    public var severity = ""
    public var `class` = ""
    public var component = ""
    public var group = ""

    static let defaultDetails = [
        "firing": #"{{ template "pagerduty.default.instances" .Alerts.Firing }}"#,
        "resolved": #"{{ template "pagerduty.default.instances" .Alerts.Resolved }}"#,
        "num_firing": #"{{ .Alerts.Firing | len }}"#,
        "num_resolved": #"{{ .Alerts.Resolved | len }}"#,
    ]
}

/// `email_configs` entry. Unset SMTP fields are filled from `global`.
public struct EmailConfig: Sendable {
    /// Alertmanager's defaults; the loader fills in the rest.
    public init() {}

    /// Default false, as in Alertmanager.
    public var sendResolved = false

    public var to = ""
    public var from = ""
    public var hello = ""
    /// HOST:PORT.
    public var smarthost = ""
    public var authUsername = ""
    public var authPassword = ""
    public var authPasswordFile = ""
    public var authSecret = ""
    public var authIdentity = ""
    /// Header names canonicalised (`subject` → `Subject`); `Subject` defaults to Alertmanager's subject template.
    public var headers: [String: String] = [:]
    public var html = #"{{ template "email.default.html" . }}"#
    public var text = ""
    public var requireTLS = true
    public var tlsConfig = TLSClientSettings()

    static let defaultSubject = #"{{ template "email.default.subject" . }}"#
}

/// `msteams_configs` entry (Alertmanager 0.26+).
public struct MSTeamsConfig: Sendable {
    /// Alertmanager's defaults; the loader fills in the rest.
    public init() {}

    /// Default true, as in Alertmanager.
    public var sendResolved = true

    public var webhookURL: String?
    public var webhookURLFile: String?
    public var httpConfig = HTTPClientSettings()
    public var title = #"{{ template "msteams.default.title" . }}"#
    public var summary = #"{{ template "msteams.default.summary" . }}"#
    public var text = #"{{ template "msteams.default.text" . }}"#
}

/// An `inhibit_rules` entry: while an alert matching `sourceMatchers` fires, alerts matching `targetMatchers`
/// with the same values of the `equal` labels are muted. `source_match(_re)` and `target_match(_re)` are
/// folded into the matcher lists.
public struct InhibitRuleConfig: Sendable {
    public var sourceMatchers: [LabelMatcher] = []
    public var targetMatchers: [LabelMatcher] = []
    public var equal: [String] = []
    /// Line in the configuration file, for messages.
    public var line: Int?

    public init(sourceMatchers: [LabelMatcher], targetMatchers: [LabelMatcher], equal: [String], line: Int? = nil) {
        self.sourceMatchers = sourceMatchers
        self.targetMatchers = targetMatchers
        self.equal = equal
        self.line = line
    }
}
