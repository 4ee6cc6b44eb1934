import Foundation
import Hummingbird
import OspreyCore
import Rules

/// `GET /api/v1/rules` and `GET /api/v1/alerts` in Prometheus's shapes.
public struct RulesAPI: Sendable {
    let groups: @Sendable () -> [RuleGroupState]
    let formBodyBytesMax: Int

    /// `groups` returns the currently loaded groups (the rule manager's).
    public init(groups: @escaping @Sendable () -> [RuleGroupState], formBodyBytesMax: Int = 8 << 20) {
        self.groups = groups
        self.formBodyBytesMax = formBodyBytesMax
    }

    public func register(_ router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/api/v1/rules", method: method) { request, _ in
                do { return json(try rules(await Params.read(request, bodyBytesMax: formBodyBytesMax))) } catch let e as APIError {
                    return errorResponse(e)
                } catch {
                    return errorResponse(APIError.badData("\(error)"))
                }
            }
            router.on("/api/v1/alerts", method: method) { _, _ in json(alerts()) }
        }
    }

    func rules(_ p: Params) throws -> String {
        var kind: RuleDefinition.Kind?
        if let t = p["type"], !t.isEmpty {
            switch t.lowercased() {
            case "alert": kind = .alerting
            case "record": kind = .recording
            default: throw APIError.badData("invalid query parameter type='\(t)'")
            }
        }
        let names = Set(p.all("rule_name[]"))
        let groupNames = Set(p.all("rule_group[]"))
        let files = Set(p.all("file[]"))
        var excludeAlerts = false
        if let e = p["exclude_alerts"], !e.isEmpty {
            guard let b = Bool(e.lowercased()) else { throw APIError.badData("invalid parameter \"exclude_alerts\": \"\(e)\" is not true or false") }
            excludeAlerts = b
        }
        let ruleFiltered = kind != nil || !names.isEmpty
        var w = JSONWriter(capacity: 4096)
        w.raw("{\"status\":\"success\",\"data\":{\"groups\":[")
        var firstGroup = true
        for state in groups() {
            let g = state.status()
            if !groupNames.isEmpty, !groupNames.contains(g.name) { continue }
            if !files.isEmpty, !files.contains(g.file) { continue }
            let selected = g.rules.filter { r in
                (kind == nil || r.definition.kind == kind) && (names.isEmpty || names.contains(r.definition.name))
            }
            if ruleFiltered, selected.isEmpty { continue }
            if !firstGroup { w.raw(",") }
            firstGroup = false
            w.raw("{\"name\":"); w.string(g.name)
            w.raw(",\"file\":"); w.string(g.file)
            w.raw(",\"rules\":[")
            for (i, r) in selected.enumerated() {
                if i > 0 { w.raw(",") }
                rule(&w, r, excludeAlerts: excludeAlerts)
            }
            w.raw("],\"interval\":\(goSeconds(g.intervalMs)),\"limit\":\(g.limit)")
            w.raw(",\"evaluationTime\":\(g.evaluationSeconds),\"lastEvaluation\":"); w.string(goTime(g.lastEvaluationMs))
            w.raw("}")
        }
        w.raw("]}}")
        return w.out
    }

    private func rule(_ w: inout JSONWriter, _ r: RuleStatus, excludeAlerts: Bool) {
        let d = r.definition
        w.raw("{")
        if d.kind == .alerting {
            w.raw("\"state\":"); w.string(r.state.rawValue); w.raw(",")
        }
        w.raw("\"name\":"); w.string(d.name)
        w.raw(",\"query\":"); w.string(d.expr)
        if d.kind == .alerting {
            w.raw(",\"duration\":\(goSeconds(d.forMs)),\"keepFiringFor\":\(goSeconds(d.keepFiringForMs))")
            w.raw(",\"labels\":"); w.labels(r.labels)
            w.raw(",\"annotations\":"); w.labels(Labels(d.annotations))
            if !excludeAlerts {
                w.raw(",\"alerts\":[")
                for (i, a) in r.alerts.enumerated() {
                    if i > 0 { w.raw(",") }
                    alert(&w, a)
                }
                w.raw("]")
            }
        } else if !r.labels.isEmpty {
            w.raw(",\"labels\":"); w.labels(r.labels)
        }
        w.raw(",\"health\":"); w.string(r.health.rawValue)
        if let e = r.lastError, !e.isEmpty { w.raw(",\"lastError\":"); w.string(e) }
        w.raw(",\"evaluationTime\":\(r.evaluationSeconds),\"lastEvaluation\":"); w.string(goTime(r.lastEvaluationMs))
        w.raw(",\"type\":"); w.string(d.kind == .alerting ? "alerting" : "recording")
        w.raw("}")
    }

    private func alert(_ w: inout JSONWriter, _ a: ActiveAlert) {
        w.raw("{\"labels\":"); w.labels(a.labels)
        w.raw(",\"annotations\":"); w.labels(a.annotations)
        w.raw(",\"state\":"); w.string(a.state.rawValue)
        w.raw(",\"activeAt\":"); w.string(goTime(a.activeAtMs))
        if let k = a.keepFiringSinceMs { w.raw(",\"keepFiringSince\":"); w.string(goTime(k)) }
        w.raw(",\"value\":"); w.string(goExponent(a.value))
        w.raw("}")
    }

    func alerts() -> String {
        var w = JSONWriter(capacity: 1024)
        w.raw("{\"status\":\"success\",\"data\":{\"alerts\":[")
        var first = true
        for g in groups() {
            for (_, list) in g.alerts() {
                for a in list where a.state != .inactive {
                    if !first { w.raw(",") }
                    first = false
                    alert(&w, a)
                }
            }
        }
        w.raw("]}}")
        return w.out
    }
}

/// A duration in seconds as Go's float64 seconds print in JSON (`60`, `0.5`).
func goSeconds(_ ms: Int64) -> String {
    ms % 1000 == 0 ? "\(ms / 1000)" : "\(Double(ms) / 1000)"
}

/// A time as Go's time.Time marshals to JSON (RFC 3339, fraction without trailing zeros, UTC); Go's zero time when nil.
func goTime(_ ms: Int64?) -> String {
    guard let ms else { return "0001-01-01T00:00:00Z" }
    var seconds = ms / 1000
    var millis = ms % 1000
    if millis < 0 { millis += 1000; seconds -= 1 }
    var t = time_t(seconds)
    var parts = tm()
    gmtime_r(&t, &parts)
    var s = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                   Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    if millis != 0 {
        var frac = String(format: "%03d", Int(millis))
        while frac.hasSuffix("0") { frac.removeLast() }
        s += "." + frac
    }
    return s + "Z"
}

/// Go's strconv.FormatFloat(v, 'e', -1, 64): shortest digits in exponent form (`1e+00`, `1.5e-01`, `NaN`, `+Inf`).
func goExponent(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
    if v == 0 { return v.sign == .minus ? "-0e+00" : "0e+00" }
    // Swift's description prints the shortest round-tripping digits; take them apart.
    var text = "\(abs(v))"
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(text[text.index(after: e)...]) ?? 0
        text = String(text[..<e])
    }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let intPart = String(parts[0])
    let fracPart = parts.count > 1 ? String(parts[1]) : ""
    var digits = intPart + fracPart
    var pointAfter = intPart.count
    while digits.hasPrefix("0") {
        digits.removeFirst()
        pointAfter -= 1
    }
    while digits.hasSuffix("0") { digits.removeLast() }
    if digits.isEmpty { digits = "0" }
    exponent += pointAfter - 1
    var mantissa = String(digits.first!)
    if digits.count > 1 { mantissa += "." + digits.dropFirst() }
    let sign = exponent < 0 ? "-" : "+"
    let magnitude = abs(exponent)
    return (v < 0 ? "-" : "") + mantissa + "e" + sign + (magnitude < 10 ? "0" : "") + "\(magnitude)"
}
