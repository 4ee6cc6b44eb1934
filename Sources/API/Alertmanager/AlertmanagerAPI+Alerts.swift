import Alerting
import Foundation
import Hummingbird
import OspreyCore

/// `GET/POST /api/v2/alerts` and `GET /api/v2/alerts/groups`.
extension AlertmanagerAPI {
    /// An alert's status as the API shows it, computed when asked (as Alertmanager's GET does): suppressed
    /// when silenced or inhibited, else active.
    struct Status {
        var silencedBy: [String]
        var inhibitedBy: [String]
        var state: String { silencedBy.isEmpty && inhibitedBy.isEmpty ? "active" : "suppressed" }
    }

    func status(of alert: Alert, now: Int64, inhibitedBy: @Sendable (Labels) -> [String]) -> Status {
        Status(silencedBy: deps.silences.mutes(alert.labels, now: now), inhibitedBy: inhibitedBy(alert.labels))
    }

    func getAlerts(_ p: AMParams) throws -> Response {
        let active = try p.bool("active"), silenced = try p.bool("silenced"), inhibited = try p.bool("inhibited")
        // Every alert is processed when listed, so none is "unprocessed"; the parameter is read for validation.
        _ = try p.bool("unprocessed")
        let filter = try p.filter()
        let receiver = try p.receiverRegex()
        let now = deps.clock.nowMs()
        let inhibitedBy = deps.inhibition(now)
        var w = JSONWriter(capacity: 4096)
        w.raw("[")
        var first = true
        for alert in deps.alerts.all() where !alert.isResolved(at: now) {
            let receivers = deps.routeReceivers(alert.labels)
            if let receiver, !receivers.contains(where: { receiver.matches($0) }) { continue }
            guard filterMatches(filter, Dictionary(alert.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })) else { continue }
            let st = status(of: alert, now: now, inhibitedBy: inhibitedBy)
            if !active && st.state == "active" { continue }
            if !silenced && !st.silencedBy.isEmpty { continue }
            if !inhibited && !st.inhibitedBy.isEmpty { continue }
            if !first { w.raw(",") }
            first = false
            writeAlert(&w, alert, st, receivers: receivers)
        }
        w.raw("]")
        return json(w.out)
    }

    func writeAlert(_ w: inout JSONWriter, _ a: Alert, _ st: Status, receivers: [String]) {
        w.raw("{\"annotations\":")
        writeMap(&w, a.annotations)
        w.raw(",\"endsAt\":")
        w.string(AlertTime.format(a.endsAtMs))
        w.raw(",\"fingerprint\":")
        w.string(a.fingerprint.description)
        w.raw(",\"receivers\":[")
        for (i, r) in receivers.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"name\":")
            w.string(r)
            w.raw("}")
        }
        w.raw("],\"startsAt\":")
        w.string(AlertTime.format(a.startsAtMs))
        w.raw(",\"status\":{\"inhibitedBy\":")
        w.stringArray(st.inhibitedBy)
        w.raw(",\"silencedBy\":")
        w.stringArray(st.silencedBy)
        w.raw(",\"state\":")
        w.string(st.state)
        w.raw("},\"updatedAt\":")
        w.string(AlertTime.format(a.updatedAtMs))
        if !a.generatorURL.isEmpty {
            w.raw(",\"generatorURL\":")
            w.string(a.generatorURL)
        }
        w.raw(",\"labels\":")
        w.labels(a.labels)
        w.raw("}")
    }

    func writeMap(_ w: inout JSONWriter, _ m: [String: String]) {
        w.raw("{")
        for (i, k) in m.keys.sorted().enumerated() {
            if i > 0 { w.raw(",") }
            w.string(k)
            w.raw(":")
            w.string(m[k]!)
        }
        w.raw("}")
    }

    func postAlerts(_ body: ByteBuffer) throws -> Response {
        let batch = try Self.decodeAlerts(Data(buffer: body))
        do { try deps.alerts.put(batch) } catch let e as AlertInputError {
            throw AMError.badRequest(e.description)
        }
        return Response(status: .ok)
    }

    /// Reads a JSON array of postable alerts; errors name the alert's index and field. Nothing is stored
    /// when any alert is bad.
    static func decodeAlerts(_ data: Data) throws -> [PostableAlert] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw AMError.badRequest("body is not valid JSON: expected an array of alerts (\(jsonErrorText(error)))")
        }
        guard let list = root as? [Any] else { throw AMError.badRequest("body: expected a JSON array of alerts, got \(jsonTypeName(root))") }
        var out: [PostableAlert] = []
        out.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            func bad(_ field: String, _ m: String) -> AMError { AMError.badRequest("alert \(i): \(field): \(m)") }
            guard let obj = item as? [String: Any] else { throw AMError.badRequest("alert \(i): expected an object, got \(jsonTypeName(item))") }
            guard let rawLabels = obj["labels"] else { throw bad("labels", "missing (labels is required)") }
            let labels = try stringMap(rawLabels) { bad("labels", $0) }
            let annotations = try obj["annotations"].map { try stringMap($0) { bad("annotations", $0) } } ?? [:]
            func time(_ field: String) throws -> Int64? {
                guard let v = obj[field], !(v is NSNull) else { return nil }
                guard let s = v as? String else { throw bad(field, "expected an RFC 3339 time string, got \(jsonTypeName(v))") }
                guard let t = AlertTime.parse(s) else { throw bad(field, "\"\(s)\" is not an RFC 3339 time (2006-01-02T15:04:05Z)") }
                return t == AlertTime.goZeroMs ? nil : t
            }
            var generatorURL = ""
            if let g = obj["generatorURL"], !(g is NSNull) {
                guard let s = g as? String else { throw bad("generatorURL", "expected a string, got \(jsonTypeName(g))") }
                generatorURL = s
            }
            let alert = PostableAlert(labels: Labels(labels), annotations: annotations, startsAtMs: try time("startsAt"),
                                      endsAtMs: try time("endsAt"), generatorURL: generatorURL)
            out.append(alert)
        }
        return out
    }

    /// A JSON object of string values; a label with an empty value is dropped later, as Alertmanager does.
    static func stringMap(_ v: Any, _ bad: (String) -> AMError) throws -> [String: String] {
        guard let obj = v as? [String: Any] else { throw bad("expected an object of strings, got \(jsonTypeName(v))") }
        var out: [String: String] = [:]
        for (k, value) in obj {
            guard let s = value as? String else { throw bad("value of \"\(k)\" must be a string, got \(jsonTypeName(value))") }
            out[k] = s
        }
        return out
    }

    func getGroups(_ p: AMParams) throws -> Response {
        let active = try p.bool("active"), silenced = try p.bool("silenced"), inhibited = try p.bool("inhibited")
        let filter = try p.filter()
        let receiver = try p.receiverRegex()
        let now = deps.clock.nowMs()
        let groups = deps.groups?() ?? defaultGroups(now: now)
        let inhibitedBy = deps.inhibition(now)
        var w = JSONWriter(capacity: 4096)
        w.raw("[")
        var first = true
        for g in groups {
            if let receiver, !receiver.matches(g.receiver) { continue }
            var alerts: [(Alert, Status)] = []
            for a in g.alerts {
                guard filterMatches(filter, Dictionary(a.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x })) else { continue }
                let st = status(of: a, now: now, inhibitedBy: inhibitedBy)
                if !active && st.state == "active" { continue }
                if !silenced && !st.silencedBy.isEmpty { continue }
                if !inhibited && !st.inhibitedBy.isEmpty { continue }
                alerts.append((a, st))
            }
            if alerts.isEmpty { continue }
            if !first { w.raw(",") }
            first = false
            w.raw("{\"alerts\":[")
            for (i, (a, st)) in alerts.enumerated() {
                if i > 0 { w.raw(",") }
                writeAlert(&w, a, st, receivers: deps.routeReceivers(a.labels))
            }
            w.raw("],\"labels\":")
            w.labels(g.labels)
            w.raw(",\"receiver\":{\"name\":")
            w.string(g.receiver)
            w.raw("}}")
        }
        w.raw("]")
        return json(w.out)
    }

    /// Without a dispatcher: one group per receiver with no grouping labels, the firing alerts routed there.
    func defaultGroups(now: Int64) -> [AlertGroupSnapshot] {
        var byReceiver: [String: [Alert]] = [:]
        for a in deps.alerts.all() where !a.isResolved(at: now) {
            for r in deps.routeReceivers(a.labels) { byReceiver[r, default: []].append(a) }
        }
        return byReceiver.keys.sorted().map {
            AlertGroupSnapshot(labels: Labels([Label]()), receiver: $0, alerts: byReceiver[$0]!.sorted(by: AlertOrder.alertBefore))
        }
    }
}

func jsonTypeName(_ v: Any) -> String {
    switch v {
    case is NSNull: return "null"
    case is String: return "string"
    case let n as NSNumber: return String(cString: n.objCType) == "c" ? "boolean" : "number"
    case is [Any]: return "array"
    case is [String: Any]: return "object"
    default: return "\(type(of: v))"
    }
}

func jsonErrorText(_ error: any Error) -> String {
    let ns = error as NSError
    return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
}
