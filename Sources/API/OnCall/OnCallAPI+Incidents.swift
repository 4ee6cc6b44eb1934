import Alerting
import Foundation
import Hummingbird
import OspreyCore

extension OnCallAPI {
    func incidents(_ request: Request) -> Response {
        var state: IncidentState?
        if let s = Params.query(request)["state"], !s.isEmpty {
            guard let v = IncidentState(rawValue: s) else {
                return onCallError(400, "state: must be triggered, acknowledged or resolved, not \"\(s)\"")
            }
            state = v
        }
        var w = JSONWriter()
        w.raw("{\"status\":\"success\",\"data\":[")
        for (i, incident) in engine.store.incidents(state: state).enumerated() {
            if i > 0 { w.raw(",") }
            writeIncident(&w, incident, timeline: false)
        }
        w.raw("]}")
        return json(w.out)
    }

    func incident(_ id: String) -> Response {
        guard let incident = engine.store.incident(id: id) else { return onCallError(404, "no incident with id \"\(id)\"") }
        return incidentResponse(incident)
    }

    func incidentResponse(_ incident: Incident, status: HTTPResponse.Status = .ok) -> Response {
        var w = JSONWriter()
        w.raw("{\"status\":\"success\",\"data\":")
        writeIncident(&w, incident, timeline: true)
        w.raw("}")
        return json(w.out, status: status)
    }

    /// `POST /api/oncall/incidents/<id>/ack|resolve` with `{"by": "<who>"}`.
    func change(_ request: Request, _ id: String, acknowledge: Bool) async -> Response {
        let body: [String: Any]
        switch await jsonBody(request) {
        case .failure(let message): return onCallError(400, message)
        case .success(let b): body = b
        }
        guard let by = body["by"] as? String, !by.trimmingCharacters(in: .whitespaces).isEmpty else {
            return onCallError(400, "by: required, a non-empty string naming who \(acknowledge ? "acknowledges" : "resolves")")
        }
        guard by.utf8.count <= OnCallAPI.byBytesMax else { return onCallError(400, "by: at most \(OnCallAPI.byBytesMax) bytes") }
        do {
            let incident = acknowledge
                ? try await engine.acknowledge(id: id, by: by, via: "api", at: engine.now)
                : try await engine.resolve(id: id, by: by, via: "api", at: engine.now)
            return incidentResponse(incident)
        } catch let e as OnCallError {
            switch e {
            case .notFound: return onCallError(404, e.description)
            default: return onCallError(409, e.description)
            }
        } catch {
            return onCallError(500, "recording the change failed: \(error)")
        }
    }

    /// `POST /api/oncall/incidents`: opens (or re-opens) an incident for an alert group by hand —
    /// manual paging, or a group from another system. Body: `group_key`, `receiver`, `labels`, `summary`,
    /// optional `policy` (else the first policy that applies).
    func open(_ request: Request) async -> Response {
        let body: [String: Any]
        switch await jsonBody(request) {
        case .failure(let message): return onCallError(400, message)
        case .success(let b): body = b
        }
        guard let groupKey = body["group_key"] as? String, !groupKey.isEmpty else {
            return onCallError(400, "group_key: required, a non-empty string identifying the alert group")
        }
        guard groupKey.utf8.count <= EscalationEngine.groupKeyBytesMax else {
            return onCallError(400, "group_key: at most \(EscalationEngine.groupKeyBytesMax) bytes")
        }
        guard let receiver = body["receiver"] as? String, !receiver.isEmpty else {
            return onCallError(400, "receiver: required, the receiver whose alerts this is")
        }
        var labels: [Label] = []
        if let raw = body["labels"] {
            guard let dict = raw as? [String: Any] else { return onCallError(400, "labels: must be an object of label names to string values") }
            for (k, v) in dict {
                guard let s = v as? String else { return onCallError(400, "labels.\(k): must be a string") }
                labels.append(Label(k, s))
            }
        }
        let summary = body["summary"] as? String ?? ""
        if body["summary"] != nil && body["summary"] as? String == nil { return onCallError(400, "summary: must be a string") }
        if body["policy"] != nil && body["policy"] as? String == nil { return onCallError(400, "policy: must be a string") }
        do {
            guard let incident = try await engine.open(groupKey: groupKey, receiver: receiver, labels: Labels(labels), summary: summary,
                                                       at: engine.now, policy: body["policy"] as? String, via: "api") else {
                return onCallError(400, "policy: no escalation policy applies to receiver \"\(receiver)\" with these labels; name one")
            }
            // Step 1 runs at once rather than at the service's next tick; the answer does not wait for it.
            let engine = self.engine
            Task { await engine.tick(engine.now) }
            return incidentResponse(incident)
        } catch let e as OnCallError {
            return onCallError(400, "policy: \(e.description)")
        } catch {
            return onCallError(500, "recording the incident failed: \(error)")
        }
    }

    enum BodyResult {
        case success([String: Any])
        case failure(String)
    }

    func jsonBody(_ request: Request) async -> BodyResult {
        var req = request
        guard let buffer = try? await req.collectBody(upTo: OnCallAPI.bodyBytesMax) else {
            return .failure("body: larger than \(OnCallAPI.bodyBytesMax) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { return .failure("body: required, a JSON object") }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dict = object as? [String: Any] else {
            return .failure("body: must be a JSON object")
        }
        return .success(dict)
    }

    func writeIncident(_ w: inout JSONWriter, _ i: Incident, timeline: Bool) {
        w.raw("{\"id\":")
        w.string(i.id)
        w.raw(",\"state\":")
        w.string(i.state.rawValue)
        w.raw(",\"group_key\":")
        w.string(i.groupKey)
        w.raw(",\"receiver\":")
        w.string(i.receiver)
        w.raw(",\"labels\":")
        w.labels(i.labels)
        w.raw(",\"summary\":")
        w.string(i.summary)
        w.raw(",\"policy\":")
        w.string(i.policy)
        w.raw(",\"opened_at\":")
        w.string(OnCallTime.format(i.openedAtMs))
        w.raw(",\"updated_at\":")
        w.string(OnCallTime.format(i.updatedAtMs))
        optional(&w, "acknowledged_by", i.acknowledgedBy)
        optional(&w, "resolved_by", i.resolvedBy)
        if let next = i.nextEscalation {
            w.raw(",\"next_escalation\":{\"pass\":\(next.pass),\"step\":\(next.step.map(String.init) ?? "null"),\"at\":")
            w.string(OnCallTime.format(next.atMs))
            w.raw("}")
        }
        if timeline {
            w.raw(",\"timeline\":[")
            for (n, e) in i.timeline.enumerated() {
                if n > 0 { w.raw(",") }
                writeEntry(&w, e)
            }
            w.raw("]")
        }
        w.raw("}")
    }

    func writeEntry(_ w: inout JSONWriter, _ e: TimelineEntry) {
        w.raw("{\"kind\":")
        w.string(e.kind.rawValue)
        w.raw(",\"at\":")
        w.string(OnCallTime.format(e.atMs))
        if let p = e.pass { w.raw(",\"pass\":\(p)") }
        if let s = e.step { w.raw(",\"step\":\(s)") }
        if let ds = e.deliveries {
            w.raw(",\"deliveries\":[")
            for (n, d) in ds.enumerated() {
                if n > 0 { w.raw(",") }
                writeDelivery(&w, d)
            }
            w.raw("]")
        }
        if let d = e.delivery {
            w.raw(",\"delivery\":")
            writeDelivery(&w, d)
            w.raw(",\"delivered\":\(e.delivered)")
        }
        if let attempts = e.attempts {
            w.raw(",\"attempts\":[")
            for (n, a) in attempts.enumerated() {
                if n > 0 { w.raw(",") }
                w.raw("{\"channel\":")
                w.string(a.channel)
                w.raw(",\"address\":")
                w.string(a.address)
                w.raw(",\"ok\":\(a.ok)")
                optional(&w, "error", a.error)
                w.raw("}")
            }
            w.raw("]")
        }
        optional(&w, "error", e.error)
        optional(&w, "by", e.by)
        optional(&w, "via", e.via)
        optional(&w, "summary", e.summary)
        w.raw("}")
    }

    func writeDelivery(_ w: inout JSONWriter, _ d: Delivery) {
        w.raw("{\"target\":")
        w.string(d.target)
        w.raw(",\"name\":")
        w.string(d.name)
        optional(&w, "person", d.person)
        w.raw("}")
    }

    func optional(_ w: inout JSONWriter, _ key: String, _ value: String?) {
        guard let value else { return }
        w.raw(",\"\(key)\":")
        w.string(value)
    }
}
