import Alerting
import Foundation
import Hummingbird
import OspreyCore

/// `GET/POST /api/v2/silences`, `GET/DELETE /api/v2/silence/{id}`.
extension AlertmanagerAPI {
    func getSilences(_ p: AMParams) throws -> Response {
        let filter = try p.filter()
        let now = deps.clock.nowMs()
        var w = JSONWriter(capacity: 4096)
        w.raw("[")
        for (i, s) in deps.silences.query(filter: filter, now: now).enumerated() {
            if i > 0 { w.raw(",") }
            writeSilence(&w, s, now: now)
        }
        w.raw("]")
        return json(w.out)
    }

    func getSilence(_ id: String) throws -> Response {
        guard let s = deps.silences.get(id: id) else { throw AMError(status: .notFound, message: "silence \(id) not found") }
        var w = JSONWriter()
        writeSilence(&w, s, now: deps.clock.nowMs())
        return json(w.out)
    }

    func deleteSilence(_ id: String) throws -> Response {
        do { try deps.silences.expire(id: id) } catch let e as SilenceError {
            // Expiring an expired silence changes nothing and succeeds, as in Alertmanager 0.25.
            if e.kind == .invalid, let s = deps.silences.get(id: id), s.state(at: deps.clock.nowMs()) == .expired {
                return Response(status: .ok)
            }
            throw Self.amError(e)
        }
        return Response(status: .ok)
    }

    func postSilence(_ body: ByteBuffer) throws -> Response {
        let silence = try Self.decodeSilence(Data(buffer: body))
        let id: String
        do { id = try deps.silences.set(silence) } catch let e as SilenceError {
            throw Self.amError(e)
        }
        var w = JSONWriter()
        w.raw("{\"silenceID\":")
        w.string(id)
        w.raw("}")
        return json(w.out)
    }

    static func amError(_ e: SilenceError) -> AMError {
        switch e.kind {
        case .notFound: return AMError(status: .notFound, message: e.description)
        case .invalid, .limit: return AMError.badRequest(e.description)
        case .storage: return AMError(status: .internalServerError, message: e.description)
        }
    }

    func writeSilence(_ w: inout JSONWriter, _ s: Silence, now: Int64) {
        w.raw("{\"id\":")
        w.string(s.id)
        w.raw(",\"status\":{\"state\":")
        w.string(s.state(at: now).rawValue)
        w.raw("},\"updatedAt\":")
        w.string(AlertTime.format(s.updatedAtMs))
        w.raw(",\"comment\":")
        w.string(s.comment)
        w.raw(",\"createdBy\":")
        w.string(s.createdBy)
        w.raw(",\"endsAt\":")
        w.string(AlertTime.format(s.endsAtMs))
        w.raw(",\"matchers\":[")
        for (i, m) in s.matchers.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"isEqual\":\(m.isEqual),\"isRegex\":\(m.isRegex),\"name\":")
            w.string(m.name)
            w.raw(",\"value\":")
            w.string(m.value)
            w.raw("}")
        }
        w.raw("],\"startsAt\":")
        w.string(AlertTime.format(s.startsAtMs))
        w.raw("}")
    }

    /// Reads a postable silence; errors name the field (`matchers[1].isRegex`, `endsAt`).
    static func decodeSilence(_ data: Data) throws -> Silence {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw AMError.badRequest("body is not valid JSON: expected a silence object (\(jsonErrorText(error)))")
        }
        guard let obj = root as? [String: Any] else { throw AMError.badRequest("body: expected a JSON object (a silence), got \(jsonTypeName(root))") }
        func bad(_ field: String, _ m: String) -> AMError { AMError.badRequest("\(field): \(m)") }
        func string(_ field: String, in o: [String: Any], prefix: String = "", required: Bool) throws -> String? {
            guard let v = o[field], !(v is NSNull) else {
                if required { throw bad(prefix + field, "missing (\(field) is required)") }
                return nil
            }
            guard let s = v as? String else { throw bad(prefix + field, "expected a string, got \(jsonTypeName(v))") }
            return s
        }
        func time(_ field: String) throws -> Int64 {
            let s = try string(field, in: obj, required: true)!
            guard let t = AlertTime.parse(s) else { throw bad(field, "\"\(s)\" is not an RFC 3339 time (2006-01-02T15:04:05Z)") }
            return t
        }
        guard let rawMatchers = obj["matchers"], !(rawMatchers is NSNull) else { throw bad("matchers", "missing (matchers is required)") }
        guard let list = rawMatchers as? [Any] else { throw bad("matchers", "expected an array of matchers, got \(jsonTypeName(rawMatchers))") }
        var matchers: [SilenceMatcher] = []
        for (i, item) in list.enumerated() {
            let prefix = "matchers[\(i)]."
            guard let m = item as? [String: Any] else { throw bad("matchers[\(i)]", "expected an object, got \(jsonTypeName(item))") }
            let name = try string("name", in: m, prefix: prefix, required: true)!
            let value = try string("value", in: m, prefix: prefix, required: true)!
            func flag(_ field: String, required: Bool, default def: Bool) throws -> Bool {
                guard let v = m[field], !(v is NSNull) else {
                    if required { throw bad(prefix + field, "missing (\(field) is required)") }
                    return def
                }
                guard let n = v as? NSNumber, jsonTypeName(n) == "boolean" else { throw bad(prefix + field, "expected a boolean, got \(jsonTypeName(v))") }
                return n.boolValue
            }
            matchers.append(SilenceMatcher(name: name, value: value, isRegex: try flag("isRegex", required: true, default: false),
                                           isEqual: try flag("isEqual", required: false, default: true)))
        }
        return Silence(id: try string("id", in: obj, required: false) ?? "", matchers: matchers, startsAtMs: try time("startsAt"),
                       endsAtMs: try time("endsAt"), createdBy: try string("createdBy", in: obj, required: true)!,
                       comment: try string("comment", in: obj, required: true)!)
    }
}
