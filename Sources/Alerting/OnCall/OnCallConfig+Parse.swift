import ConfigReader
import Foundation
import OspreyCore
import Yams

extension OnCallConfig {
    /// Reads the `oncall:` section. Every error names file, line and field, e.g.
    /// `osprey.yml:14: oncall.schedules[0].layers[0].participants[1]: unknown person "bobb"`.
    public static func parse(_ node: Node, _ r: YAMLReader, field: String = "oncall") throws -> OnCallConfig {
        var config = OnCallConfig()
        var schedulesNode: Node?, policiesNode: Node?
        for (k, v) in try r.mapping(node, field) {
            switch k {
            case "external_url":
                let s = try r.string(v, "\(field).external_url")
                guard let u = URL(string: s), u.scheme == "http" || u.scheme == "https", u.host != nil else {
                    throw r.invalid(v, "\(field).external_url", "must be an http or https URL, not \"\(s)\"")
                }
                config.externalURL = s.hasSuffix("/") ? String(s.dropLast()) : s
            case "incident_retention":
                let ms = try r.duration(v, "\(field).incident_retention")
                guard ms >= 86_400_000 else { throw r.invalid(v, "\(field).incident_retention", "must be at least 1d") }
                config.incidentRetentionMs = ms
            case "people": config.people = try people(v, r, "\(field).people")
            case "schedules": schedulesNode = v
            case "escalation_policies": policiesNode = v
            case "sms_provider": config.smsProvider = try SMSProviderConfig.parse(v, field: "\(field).sms_provider", reader: r)
            default: throw r.unknown(v, "\(field).\(k)")
            }
        }
        let known = Set(config.people.map(\.name))
        if let schedulesNode { config.schedules = try schedules(schedulesNode, r, "\(field).schedules", people: known) }
        if let policiesNode {
            config.policies = try policies(policiesNode, r, "\(field).escalation_policies", people: known,
                                           schedules: Set(config.schedules.map(\.name)), receivers: &config.receiverReferences)
        }
        return config
    }

    static func requireName(_ node: Node, _ r: YAMLReader, _ field: String, _ seen: inout Set<String>) throws -> String {
        let name = try r.string(node, field)
        guard !name.isEmpty else { throw r.invalid(node, field, "must not be empty") }
        guard seen.insert(name).inserted else { throw r.invalid(node, field, "\"\(name)\" is defined twice") }
        return name
    }

    static func people(_ node: Node, _ r: YAMLReader, _ field: String) throws -> [Person] {
        var seen = Set<String>()
        return try r.sequence(node, field).enumerated().map { i, item in
            let f = "\(field)[\(i)]"
            var p = Person(name: "")
            var named = false
            for (k, v) in try r.mapping(item, f) {
                switch k {
                case "name": p.name = try requireName(v, r, "\(f).name", &seen); named = true
                case "email":
                    let s = try r.string(v, "\(f).email")
                    guard s.contains("@") else { throw r.invalid(v, "\(f).email", "must be an email address, not \"\(s)\"") }
                    p.email = s
                case "phone":
                    let s = try r.string(v, "\(f).phone")
                    guard s.contains(where: \.isNumber), s.allSatisfy({ $0.isNumber || "+ -()".contains($0) }) else {
                        throw r.invalid(v, "\(f).phone", "must be a phone number such as +4915112345678, not \"\(s)\"")
                    }
                    p.phone = s
                case "chat": p.chat = try r.string(v, "\(f).chat")
                case "webhook_url":
                    let s = try r.string(v, "\(f).webhook_url")
                    guard let u = URL(string: s), u.scheme == "http" || u.scheme == "https", u.host != nil else {
                        throw r.invalid(v, "\(f).webhook_url", "must be an http or https URL, not \"\(s)\"")
                    }
                    p.webhookURL = s
                default: throw r.unknown(v, "\(f).\(k)")
                }
            }
            guard named else { throw r.invalid(item, "\(f).name", "is required") }
            return p
        }
    }

    static func schedules(_ node: Node, _ r: YAMLReader, _ field: String, people: Set<String>) throws -> [Schedule] {
        var seen = Set<String>()
        return try r.sequence(node, field).enumerated().map { i, item in
            let f = "\(field)[\(i)]"
            var name: String?
            var zone: TimeZone?
            var layersNode: Node?, overridesNode: Node?
            for (k, v) in try r.mapping(item, f) {
                switch k {
                case "name": name = try requireName(v, r, "\(f).name", &seen)
                case "time_zone":
                    let s = try r.string(v, "\(f).time_zone")
                    guard let tz = TimeZone(identifier: s) else {
                        throw r.invalid(v, "\(f).time_zone", "unknown time zone \"\(s)\"; use an IANA name such as Europe/Berlin or UTC")
                    }
                    zone = tz
                case "layers": layersNode = v
                case "overrides": overridesNode = v
                default: throw r.unknown(v, "\(f).\(k)")
                }
            }
            guard let name else { throw r.invalid(item, "\(f).name", "is required") }
            let tz = zone ?? TimeZone(identifier: "UTC")!
            guard let layersNode, !(try r.sequence(layersNode, "\(f).layers")).isEmpty else {
                throw r.invalid(layersNode ?? item, "\(f).layers", "a schedule needs at least one layer")
            }
            let layers = try r.sequence(layersNode, "\(f).layers").enumerated().map { j, l in
                try layer(l, r, "\(f).layers[\(j)]", index: j, people: people)
            }
            var overrides: [ScheduleOverride] = []
            if let overridesNode {
                overrides = try r.sequence(overridesNode, "\(f).overrides").enumerated().map { j, o in
                    try override(o, r, "\(f).overrides[\(j)]", ZonedTime(zone: tz), people: people)
                }
            }
            return Schedule(name: name, timeZone: tz, layers: layers, overrides: overrides)
        }
    }

    static func personRef(_ node: Node, _ r: YAMLReader, _ field: String, _ people: Set<String>) throws -> String {
        let name = try r.string(node, field)
        guard people.contains(name) else {
            throw r.invalid(node, field, "unknown person \"\(name)\"; add them to oncall.people")
        }
        return name
    }

    /// The shortest custom rotation: an hour, so a handoff never falls twice into one daylight-saving gap.
    static let customLengthSecondsMin: Int64 = 3600

    static func layer(_ node: Node, _ r: YAMLReader, _ f: String, index: Int, people: Set<String>) throws -> ScheduleLayer {
        var name = "layer \(index + 1)"
        var rotation: (String, Node)?
        var length: (Int64, Node)?
        var handoff: Int64 = 9 * 3600
        var handoffDay: (Int, Node)?
        var startDay: Int64?
        var participants: [String] = []
        var restrictions: [LayerRestriction] = []
        for (k, v) in try r.mapping(node, f) {
            switch k {
            case "name": name = try r.string(v, "\(f).name")
            case "rotation":
                let s = try r.string(v, "\(f).rotation")
                guard ["daily", "weekly", "custom"].contains(s) else {
                    throw r.invalid(v, "\(f).rotation", "must be daily, weekly or custom, not \"\(s)\"")
                }
                rotation = (s, v)
            case "length":
                let ms = try r.duration(v, "\(f).length")
                guard ms % 60_000 == 0, ms / 1000 >= customLengthSecondsMin else {
                    throw r.invalid(v, "\(f).length", "must be whole minutes and at least 1h")
                }
                length = (ms / 1000, v)
            case "handoff":
                let s = try r.string(v, "\(f).handoff")
                guard let t = WallFormat.timeOfDay(s) else {
                    throw r.invalid(v, "\(f).handoff", "must be a local time HH:MM such as \"09:00\", not \"\(s)\"")
                }
                handoff = t
            case "handoff_day":
                let s = try r.string(v, "\(f).handoff_day").lowercased()
                guard let d = WallFormat.weekdayNames.firstIndex(of: s) else {
                    throw r.invalid(v, "\(f).handoff_day", "must be a day of the week such as monday, not \"\(s)\"")
                }
                handoffDay = (d, v)
            case "start":
                let s = try r.string(v, "\(f).start")
                guard let d = WallFormat.date(s) else {
                    throw r.invalid(v, "\(f).start", "must be a date YYYY-MM-DD, not \"\(s)\"")
                }
                startDay = d
            case "participants":
                let list = try r.sequence(v, "\(f).participants")
                guard !list.isEmpty else { throw r.invalid(v, "\(f).participants", "must name at least one person") }
                participants = try list.enumerated().map { try personRef($1, r, "\(f).participants[\($0)]", people) }
            case "restrictions":
                restrictions = try r.sequence(v, "\(f).restrictions").enumerated().map {
                    try restriction($1, r, "\(f).restrictions[\($0)]")
                }
            default: throw r.unknown(v, "\(f).\(k)")
            }
        }
        guard let rotation else { throw r.invalid(node, "\(f).rotation", "is required (daily, weekly or custom)") }
        guard let startDay else { throw r.invalid(node, "\(f).start", "is required: the date YYYY-MM-DD the rotation counts from") }
        guard !participants.isEmpty else { throw r.invalid(node, "\(f).participants", "must name at least one person") }
        var lengthSeconds = ZonedTime.daySeconds
        var firstDay = startDay
        switch rotation.0 {
        case "weekly":
            lengthSeconds = 7 * ZonedTime.daySeconds
            if let handoffDay {
                let wd = Int64(ZonedTime.weekday(startDay * ZonedTime.daySeconds))
                firstDay += (Int64(handoffDay.0) - wd + 7) % 7
            }
            if let length { throw r.invalid(length.1, "\(f).length", "only a custom rotation takes a length") }
        case "custom":
            guard let length else { throw r.invalid(rotation.1, "\(f).length", "a custom rotation needs a length such as 3d or 12h") }
            lengthSeconds = length.0
            if let handoffDay { throw r.invalid(handoffDay.1, "\(f).handoff_day", "only a weekly rotation takes a handoff_day") }
        default:
            if let length { throw r.invalid(length.1, "\(f).length", "only a custom rotation takes a length") }
            if let handoffDay { throw r.invalid(handoffDay.1, "\(f).handoff_day", "only a weekly rotation takes a handoff_day") }
        }
        return ScheduleLayer(name: name, lengthSeconds: lengthSeconds, firstHandoffWall: firstDay * ZonedTime.daySeconds + handoff,
                             participants: participants, restrictions: restrictions)
    }

    static func restriction(_ node: Node, _ r: YAMLReader, _ f: String) throws -> LayerRestriction {
        var out = LayerRestriction()
        for (k, v) in try r.mapping(node, f) {
            switch k {
            case "weekdays":
                for (i, item) in try r.stringList(v, "\(f).weekdays").enumerated() {
                    let bounds = item.lowercased().split(separator: ":").map(String.init)
                    let idx = bounds.compactMap { WallFormat.weekdayNames.firstIndex(of: $0.trimmingCharacters(in: .whitespaces)) }
                    guard (1...2).contains(bounds.count), idx.count == bounds.count else {
                        throw r.invalid(try r.sequence(v, "\(f).weekdays")[i], "\(f).weekdays[\(i)]",
                                        "must be a day such as monday or a range such as monday:friday, not \"\(item)\"")
                    }
                    var d = idx[0]
                    out.weekdays.insert(d)
                    while d != idx.last! { d = (d + 1) % 7; out.weekdays.insert(d) }
                }
            case "times":
                out.times = try r.sequence(v, "\(f).times").enumerated().map { i, t in
                    let tf = "\(f).times[\(i)]"
                    var start: Int64?, end: Int64?
                    for (tk, tv) in try r.mapping(t, tf) {
                        let s = try r.string(tv, "\(tf).\(tk)")
                        switch tk {
                        case "start_time":
                            guard let x = WallFormat.timeOfDay(s) else { throw r.invalid(tv, "\(tf).start_time", "must be HH:MM, not \"\(s)\"") }
                            start = x
                        case "end_time":
                            guard let x = WallFormat.timeOfDay(s, allowEndOfDay: true) else { throw r.invalid(tv, "\(tf).end_time", "must be HH:MM (up to 24:00), not \"\(s)\"") }
                            end = x
                        default: throw r.unknown(tv, "\(tf).\(tk)")
                        }
                    }
                    guard let start, let end else { throw r.invalid(t, tf, "needs start_time and end_time") }
                    guard start < end else { throw r.invalid(t, "\(tf).end_time", "must be after start_time") }
                    return TimeWindow(startSecond: start, endSecond: end)
                }
            default: throw r.unknown(v, "\(f).\(k)")
            }
        }
        return out
    }

    static func override(_ node: Node, _ r: YAMLReader, _ f: String, _ z: ZonedTime, people: Set<String>) throws -> ScheduleOverride {
        var start: Int64?, end: Int64?, person: String?
        for (k, v) in try r.mapping(node, f) {
            switch k {
            case "start", "end":
                let s = try r.string(v, "\(f).\(k)")
                let ms: Int64
                if let t = WallFormat.rfc3339Ms(s) { ms = t }
                else if let wall = WallFormat.dateTime(s) { ms = z.instant(wall) * 1000 }
                else {
                    throw r.invalid(v, "\(f).\(k)", "must be a local time \"YYYY-MM-DD HH:MM\" in the schedule's zone or RFC 3339, not \"\(s)\"")
                }
                if k == "start" { start = ms } else { end = ms }
            case "person": person = try personRef(v, r, "\(f).person", people)
            default: throw r.unknown(v, "\(f).\(k)")
            }
        }
        guard let start else { throw r.invalid(node, "\(f).start", "is required") }
        guard let end else { throw r.invalid(node, "\(f).end", "is required") }
        guard let person else { throw r.invalid(node, "\(f).person", "is required") }
        guard start < end else { throw r.invalid(node, "\(f).end", "must be after start") }
        return ScheduleOverride(startMs: start, endMs: end, person: person)
    }
}
