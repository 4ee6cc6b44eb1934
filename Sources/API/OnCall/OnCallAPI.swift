import Alerting
import Foundation
import Hummingbird
import OspreyCore

/// The on-call HTTP API under `/api/oncall/`: schedules (who is on call now, the shifts ahead) and
/// incidents (list, timeline, open, acknowledge, resolve), plus the acknowledge/resolve link pages
/// under `/oncall/incidents/<id>/` that notifications carry. Every change is on disk before the answer.
public struct OnCallAPI: Sendable {
    let engine: EscalationEngine

    public init(engine: EscalationEngine) { self.engine = engine }

    /// Request bodies are a few names and labels; 64 KiB is far above any real one.
    static let bodyBytesMax = 64 << 10
    /// The longest `by` name kept: a person's name or handle, never a paragraph.
    static let byBytesMax = 256
    /// The default `shifts` window: the next two weeks.
    static let defaultShiftsWindowMs: Int64 = 14 * 86_400_000

    public func register(_ router: Router<BasicRequestContext>) {
        router.get("/api/oncall/schedules") { _, _ in await self.schedules() }
        router.get("/api/oncall/schedules/{name}/now") { r, c in await self.now(r, c.parameters.get("name") ?? "") }
        router.get("/api/oncall/schedules/{name}/shifts") { r, c in await self.shifts(r, c.parameters.get("name") ?? "") }
        router.get("/api/oncall/incidents") { r, _ in self.incidents(r) }
        router.post("/api/oncall/incidents") { r, _ in await self.open(r) }
        router.get("/api/oncall/incidents/{id}") { _, c in self.incident(c.parameters.get("id") ?? "") }
        router.post("/api/oncall/incidents/{id}/ack") { r, c in await self.change(r, c.parameters.get("id") ?? "", acknowledge: true) }
        router.post("/api/oncall/incidents/{id}/resolve") { r, c in await self.change(r, c.parameters.get("id") ?? "", acknowledge: false) }
        for action in ["ack", "resolve"] {
            router.get(RouterPath(stringLiteral: "/oncall/incidents/{id}/\(action)")) { r, c in
                self.linkPage(r, c.parameters.get("id") ?? "", acknowledge: action == "ack")
            }
            router.post(RouterPath(stringLiteral: "/oncall/incidents/{id}/\(action)")) { r, c in
                await self.linkConfirm(r, c.parameters.get("id") ?? "", acknowledge: action == "ack")
            }
        }
    }

    // MARK: schedules

    func schedules() async -> Response {
        let config = await engine.config
        let now = engine.now
        var w = JSONWriter()
        w.raw("{\"status\":\"success\",\"data\":[")
        for (i, s) in config.schedules.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"name\":")
            w.string(s.name)
            w.raw(",\"time_zone\":")
            w.string(s.timeZone.identifier)
            w.raw(",\"layers\":")
            w.stringArray(s.layers.map(\.name))
            w.raw(",\"overrides\":\(s.overrides.count),\"on_call\":")
            if let p = s.onCall(at: now) { w.string(p) } else { w.raw("null") }
            w.raw("}")
        }
        w.raw("]}")
        return json(w.out)
    }

    func now(_ request: Request, _ name: String) async -> Response {
        let config = await engine.config
        guard let s = config.schedule(named: name) else { return onCallError(404, "no schedule named \"\(name)\"") }
        var at = engine.now
        if let t = Params.query(request)["time"] {
            guard let v = OnCallTime.parse(t) else { return onCallError(400, "time: cannot parse \"\(t)\"; use RFC 3339 or Unix seconds") }
            at = v
        }
        var w = JSONWriter()
        w.raw("{\"status\":\"success\",\"data\":{\"schedule\":")
        w.string(s.name)
        w.raw(",\"time\":")
        w.string(OnCallTime.format(at))
        w.raw(",\"on_call\":")
        if let shift = s.shift(at: at) {
            writePerson(&w, config.person(named: shift.person) ?? Person(name: shift.person))
            w.raw(",\"shift\":")
            writeShift(&w, shift)
        } else {
            w.raw("null,\"shift\":null")
        }
        w.raw("}}")
        return json(w.out)
    }

    func shifts(_ request: Request, _ name: String) async -> Response {
        let config = await engine.config
        guard let s = config.schedule(named: name) else { return onCallError(404, "no schedule named \"\(name)\"") }
        let q = Params.query(request)
        var from = engine.now
        if let t = q["from"], !t.isEmpty {
            guard let v = OnCallTime.parse(t) else { return onCallError(400, "from: cannot parse \"\(t)\"; use RFC 3339 or Unix seconds") }
            from = v
        }
        var to = from + OnCallAPI.defaultShiftsWindowMs
        if let t = q["to"], !t.isEmpty {
            guard let v = OnCallTime.parse(t) else { return onCallError(400, "to: cannot parse \"\(t)\"; use RFC 3339 or Unix seconds") }
            to = v
        }
        guard to > from else { return onCallError(400, "to: must be after from") }
        guard to - from <= Schedule.shiftsWindowMsMax else {
            return onCallError(400, "to: the window may be at most \(Schedule.shiftsWindowMsMax / 86_400_000) days; ask in parts")
        }
        var w = JSONWriter()
        w.raw("{\"status\":\"success\",\"data\":{\"schedule\":")
        w.string(s.name)
        w.raw(",\"time_zone\":")
        w.string(s.timeZone.identifier)
        w.raw(",\"from\":")
        w.string(OnCallTime.format(from))
        w.raw(",\"to\":")
        w.string(OnCallTime.format(to))
        w.raw(",\"shifts\":[")
        for (i, shift) in s.shifts(fromMs: from, toMs: to).enumerated() {
            if i > 0 { w.raw(",") }
            writeShift(&w, shift)
        }
        w.raw("]}}")
        return json(w.out)
    }

    func writeShift(_ w: inout JSONWriter, _ shift: Shift) {
        w.raw("{\"person\":")
        w.string(shift.person)
        w.raw(",\"source\":")
        w.string(shift.source)
        w.raw(",\"start\":")
        w.string(OnCallTime.format(shift.startMs))
        w.raw(",\"end\":")
        w.string(OnCallTime.format(shift.endMs))
        w.raw("}")
    }

    func writePerson(_ w: inout JSONWriter, _ p: Person) {
        w.raw("{\"name\":")
        w.string(p.name)
        for (key, value) in [("email", p.email), ("phone", p.phone), ("chat", p.chat)] {
            guard let value else { continue }
            w.raw(",\"\(key)\":")
            w.string(value)
        }
        w.raw("}")
    }
}

func onCallError(_ status: Int, _ message: String) -> Response {
    var w = JSONWriter()
    w.raw("{\"status\":\"error\",\"errorType\":")
    w.string(status == 404 ? "not_found" : status == 409 ? "conflict" : status == 400 ? "bad_data" : "internal")
    w.raw(",\"error\":")
    w.string(message)
    w.raw("}")
    return json(w.out, status: HTTPResponse.Status(code: status))
}

extension Params {
    /// The query string's parameters only.
    static func query(_ request: Request) -> Params {
        var p = Params()
        p.add(query: request.uri.query ?? "")
        return p
    }
}
