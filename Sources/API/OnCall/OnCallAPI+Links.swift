import Alerting
import Foundation
import Hummingbird

/// The pages behind the acknowledge and resolve links in notifications. A GET only shows a confirmation
/// page (chat tools and mail scanners fetch links on their own); its button POSTs, and only a POST with
/// the incident's secret token changes anything.
extension OnCallAPI {
    func linkPage(_ request: Request, _ id: String, acknowledge: Bool) -> Response {
        let q = Params.query(request)
        let token = q["token"] ?? ""
        guard let incident = engine.store.incident(id: id) else { return page(404, "Unknown incident", "There is no incident \(id).") }
        guard engine.store.tokenMatches(id: id, token: token) else {
            return page(403, "Link not valid", "This link does not belong to incident \(id). Use the link from the notification.")
        }
        let verb = acknowledge ? "Acknowledge" : "Resolve"
        let by = q["by"] ?? ""
        let body = """
            <p><b>\(html(incident.summary.isEmpty ? incident.groupKey : incident.summary))</b></p>
            <p>Incident \(html(id)) is <b>\(incident.state.rawValue)</b>\(incident.acknowledgedBy.map { " (acknowledged by \(html($0)))" } ?? "").</p>
            <form method="post" action="/oncall/incidents/\(html(id))/\(acknowledge ? "ack" : "resolve")">
            <input type="hidden" name="token" value="\(html(token))">
            <label>Your name <input type="text" name="by" value="\(html(by))" required></label>
            <button type="submit">\(verb) incident \(html(id))</button>
            </form>
            """
        return page(200, "\(verb) incident \(id)", body)
    }

    func linkConfirm(_ request: Request, _ id: String, acknowledge: Bool) async -> Response {
        guard let p = try? await Params.read(request, bodyBytesMax: OnCallAPI.bodyBytesMax) else {
            return page(400, "Bad request", "The form could not be read.")
        }
        guard engine.store.incident(id: id) != nil else { return page(404, "Unknown incident", "There is no incident \(id).") }
        guard engine.store.tokenMatches(id: id, token: p["token"] ?? "") else {
            return page(403, "Link not valid", "This link does not belong to incident \(id). Use the link from the notification.")
        }
        let by = (p["by"] ?? "").trimmingCharacters(in: .whitespaces)
        let who = by.isEmpty ? "someone with the link" : String(decoding: by.utf8.prefix(OnCallAPI.byBytesMax), as: UTF8.self)
        do {
            let i = acknowledge
                ? try await engine.acknowledge(id: id, by: who, via: "link", at: engine.now)
                : try await engine.resolve(id: id, by: who, via: "link", at: engine.now)
            return page(200, "Incident \(id) \(i.state.rawValue)", "<p>Incident \(html(id)) is now <b>\(i.state.rawValue)</b>.</p>")
        } catch let e as OnCallError {
            return page(409, "Not changed", "<p>\(html(e.description))</p>")
        } catch {
            return page(500, "Failed", "<p>Recording the change failed: \(html("\(error)"))</p>")
        }
    }

    func page(_ status: Int, _ title: String, _ body: String) -> Response {
        let doc = """
            <!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>\(html(title)) · Osprey</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto">
            <h1>\(html(title))</h1>\(body.hasPrefix("<") ? body : "<p>\(html(body))</p>")</body></html>
            """
        return text(doc, status: HTTPResponse.Status(code: status), contentType: "text/html; charset=utf-8")
    }
}

func html(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
