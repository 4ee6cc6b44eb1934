import Foundation
import GoTemplate
import OspreyCore

/// The data notification templates see, as Alertmanager defines it: `.Receiver`, `.Status`, `.Alerts`
/// (with `.Firing`/`.Resolved`), `.GroupLabels`, `.CommonLabels`, `.CommonAnnotations`, `.ExternalURL`,
/// plus `.GroupKey` and Osprey's `.Links`. The webhook payload is made from the same values.
public struct NotificationData: Sendable {
    /// One alert as templates and the webhook payload see it.
    public struct AlertData: Sendable {
        /// "firing" or "resolved" at the notification's time.
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAtMs: Int64
        /// `NotificationData.zeroTimeMs` for a firing alert posted without an end.
        public var endsAtMs: Int64
        public var generatorURL: String
        public var fingerprint: String
    }

    /// The receiver name with regular-expression metacharacters escaped, as Alertmanager passes it.
    public var receiver: String
    /// "firing" when any alert fires, else "resolved".
    public var status: String
    public var alerts: [AlertData]
    public var groupLabels: [String: String]
    /// Labels every alert has with the same value.
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String
    public var groupKey: String
    public var links: [String: String]

    /// The data of a notification; `alerts` may be a subset of the group's (webhook `max_alerts`).
    public init(_ n: GroupNotification, alerts: [Alert]? = nil) {
        let list = alerts ?? n.alerts
        receiver = NotificationData.quoteMeta(n.receiver)
        self.alerts = list.map { a in
            AlertData(status: a.isResolved(at: n.nowMs) ? "resolved" : "firing",
                      labels: Dictionary(a.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x }),
                      annotations: a.annotations, startsAtMs: a.startsAtMs,
                      // A firing alert whose end came from the resolve timeout has no end yet (Go's zero time).
                      endsAtMs: a.timeout && !a.isResolved(at: n.nowMs) ? NotificationData.zeroTimeMs : a.endsAtMs,
                      generatorURL: a.generatorURL, fingerprint: a.fingerprint.description)
        }
        // Status of the whole group comes from all its alerts, even when only some are sent.
        status = n.alerts.contains { !$0.isResolved(at: n.nowMs) } ? "firing" : "resolved"
        groupLabels = Dictionary(n.groupLabels.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x })
        var common: [String: String] = self.alerts.first?.labels ?? [:]
        var commonAnn: [String: String] = self.alerts.first?.annotations ?? [:]
        for a in self.alerts.dropFirst() {
            common = common.filter { a.labels[$0.key] == $0.value }
            commonAnn = commonAnn.filter { a.annotations[$0.key] == $0.value }
        }
        commonLabels = common
        commonAnnotations = commonAnn
        externalURL = n.externalURL
        groupKey = n.groupKey
        links = n.links
    }

    /// The notification's links sorted by name, as notifiers list them.
    public var sortedLinks: [(name: String, url: String)] { links.keys.sorted().map { ($0, links[$0]!) } }

    /// The names of the links an on-call incident puts in its notifications.
    public static let acknowledgeLink = "Acknowledge"
    public static let resolveLink = "Resolve"
    public static let incidentLink = "Incident"

    /// Go's zero `time.Time` (0001-01-01T00:00:00Z) in milliseconds since the epoch.
    public static let zeroTimeMs: Int64 = -62_135_596_800_000

    /// Go's `regexp.QuoteMeta`: a backslash before each of `\.+*?()|[]{}^$`.
    static func quoteMeta(_ s: String) -> String {
        var out = ""
        for c in s {
            if "\\.+*?()|[]{}^$".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    /// The value templates execute against (`.` and `$`).
    public var templateValue: TemplateValue { .object(DataObject(data: self)) }

    var firingCount: Int { alerts.filter { $0.status == "firing" }.count }
}

// MARK: - Template objects

/// Go's `time.Time` of a millisecond instant, in UTC.
func goTime(_ ms: Int64) -> TemplateValue { .time(GoTime(unixMs: ms)) }

struct DataObject: TemplateObject {
    let data: NotificationData
    var typeName: String { "*template.Data" }
    var description: String { "{\(data.receiver) \(data.status) ...}" }

    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        try noArguments(name, arguments)
        switch name {
        case "Receiver": return .string(data.receiver)
        case "Status": return .string(data.status)
        case "Alerts": return .object(AlertsObject(alerts: data.alerts))
        case "GroupLabels": return .object(KVObject(data.groupLabels))
        case "CommonLabels": return .object(KVObject(data.commonLabels))
        case "CommonAnnotations": return .object(KVObject(data.commonAnnotations))
        case "ExternalURL": return .string(data.externalURL)
        case "GroupKey": return .string(data.groupKey)
        case "Links": return .strings(data.links)
        default: return nil
        }
    }
}

struct AlertsObject: TemplateObject {
    let alerts: [NotificationData.AlertData]
    var typeName: String { "template.Alerts" }
    var underlying: TemplateValue { .list(alerts.map { .object(AlertObject(alert: $0)) }) }

    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "Firing":
            try noArguments(name, arguments)
            return .object(AlertsObject(alerts: alerts.filter { $0.status == "firing" }))
        case "Resolved":
            try noArguments(name, arguments)
            return .object(AlertsObject(alerts: alerts.filter { $0.status == "resolved" }))
        default: return nil
        }
    }
}

struct AlertObject: TemplateObject {
    let alert: NotificationData.AlertData
    var typeName: String { "template.Alert" }
    var description: String { "{\(alert.status) \(KVObject(alert.labels).description) ...}" }

    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        try noArguments(name, arguments)
        switch name {
        case "Status": return .string(alert.status)
        case "Labels": return .object(KVObject(alert.labels))
        case "Annotations": return .object(KVObject(alert.annotations))
        case "StartsAt": return goTime(alert.startsAtMs)
        case "EndsAt": return goTime(alert.endsAtMs)
        case "GeneratorURL": return .string(alert.generatorURL)
        case "Fingerprint": return .string(alert.fingerprint)
        default: return nil
        }
    }
}

/// Alertmanager's `KV`: a string map with `SortedPairs`, `Names`, `Values` and `Remove`.
struct KVObject: TemplateObject {
    let map: [String: String]
    init(_ map: [String: String]) { self.map = map }
    var typeName: String { "template.KV" }
    var underlying: TemplateValue { .strings(map) }
    var description: String { pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") }

    /// `alertname` first, then the other names sorted.
    var pairs: [(String, String)] {
        let keys = map.keys.filter { $0 != "alertname" }.sorted()
        return (map["alertname"].map { [("alertname", $0)] } ?? []) + keys.map { ($0, map[$0]!) }
    }

    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        switch name {
        case "SortedPairs":
            try noArguments(name, arguments)
            return .object(PairsObject(pairs: pairs))
        case "Names":
            try noArguments(name, arguments)
            return .object(StringsObject(strings: pairs.map(\.0)))
        case "Values":
            try noArguments(name, arguments)
            return .object(StringsObject(strings: pairs.map(\.1)))
        case "Remove":
            guard arguments.count == 1 else {
                throw TemplateFunctionError("wrong number of args for Remove: want 1 got \(arguments.count)")
            }
            var remove = Set<String>()
            switch plain(arguments[0]) {
            case .list(let l):
                for v in l {
                    guard let s = v.stringValue else { throw TemplateFunctionError("wrong type for value; expected []string; got \(arguments[0].goTypeName)") }
                    remove.insert(s)
                }
            case .nil, .noValue: break
            default: throw TemplateFunctionError("wrong type for value; expected []string; got \(arguments[0].goTypeName)")
            }
            return .object(KVObject(map.filter { !remove.contains($0.key) }))
        case "String":
            try noArguments(name, arguments)
            return .string(description)
        default: return nil
        }
    }
}

struct PairObject: TemplateObject {
    let name: String
    let value: String
    var typeName: String { "template.Pair" }
    var description: String { "{\(name) \(value)}" }
    func member(_ member: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        try noArguments(member, arguments)
        switch member {
        case "Name": return .string(name)
        case "Value": return .string(value)
        default: return nil
        }
    }
}

struct PairsObject: TemplateObject {
    let pairs: [(String, String)]
    var typeName: String { "template.Pairs" }
    var underlying: TemplateValue { .list(pairs.map { .object(PairObject(name: $0.0, value: $0.1)) }) }
    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        try noArguments(name, arguments)
        switch name {
        case "Names": return .object(StringsObject(strings: pairs.map(\.0)))
        case "Values": return .object(StringsObject(strings: pairs.map(\.1)))
        case "String": return .string(pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ", "))
        default: return nil
        }
    }
}

struct StringsObject: TemplateObject {
    let strings: [String]
    var typeName: String { "template.Strings" }
    var underlying: TemplateValue { .list(strings.map { .string($0) }) }
    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
        guard name == "Join" else { return nil }
        guard arguments.count == 1, let sep = arguments[0].stringValue else {
            throw TemplateFunctionError("wrong number of args for Join: want 1 string got \(arguments.count)")
        }
        return .string(strings.joined(separator: sep))
    }
}

/// An object's underlying value (a `Names` result is a list).
private func plain(_ v: TemplateValue) -> TemplateValue {
    if case .object(let o) = v, case let u = o.underlying {
        if case .noValue = u { return v }
        return u
    }
    return v
}

private func noArguments(_ name: String, _ arguments: [TemplateValue]) throws {
    guard arguments.isEmpty else { throw TemplateFunctionError("wrong number of args for \(name): want 0 got \(arguments.count)") }
}
