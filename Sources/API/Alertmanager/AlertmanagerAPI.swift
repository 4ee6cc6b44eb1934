import Alerting
import Foundation
import Hummingbird
import OspreyCore

/// What the Alertmanager v2 API needs from the server. The alert store and silences are Osprey's own; the
/// configuration, routing, grouping and inhibition come from the Alertmanager configuration through closures
/// the wiring fills (each has a default that fits a server without an `alerting:` configuration).
public struct AlertmanagerAPIDependencies: Sendable {
    public var alerts: AlertStore
    public var silences: Silences
    public var clock: any Clock
    /// Osprey's version, reported as `versionInfo.version`.
    public var version: String
    /// When the server started (`uptime` in `/api/v2/status` is this time, as in Alertmanager).
    public var startedAtMs: Int64
    /// The Alertmanager configuration as loaded (YAML text), for `config.original`.
    public var configOriginal: @Sendable () -> String = { "" }
    /// Every receiver's name, in configuration order, for `/api/v2/receivers`.
    public var receivers: @Sendable () -> [String] = { [] }
    /// The receivers of the routes an alert with these labels takes (the route tree's match).
    public var routeReceivers: @Sendable (Labels) -> [String] = { _ in [] }
    /// Inhibition as of `now`, asked once per request: returns the check for that request, which gives the
    /// fingerprints (16 hex digits) of the alerts inhibiting an alert with the given labels (empty: not inhibited).
    public var inhibition: @Sendable (_ nowMs: Int64) -> @Sendable (Labels) -> [String] = { _ in { _ in [] } }
    /// The dispatcher's current alert groups; nil until a dispatcher runs, and then `/api/v2/alerts/groups`
    /// groups the stored alerts by receiver with no grouping labels (a route without `group_by`).
    public var groups: (@Sendable () -> [AlertGroupSnapshot])?
    /// Request bodies of `POST /api/v2/alerts` and `/api/v2/silences`: Prometheus sends batches of up to
    /// 64 alerts of a few KiB each, so 16 MiB leaves room for large batches while bounding memory.
    public var bodyBytesMax = 16 << 20

    public init(alerts: AlertStore, silences: Silences, clock: any Clock, version: String, startedAtMs: Int64) {
        self.alerts = alerts
        self.silences = silences
        self.clock = clock
        self.version = version
        self.startedAtMs = startedAtMs
    }
}

/// Alertmanager's v2 HTTP API (`/api/v2/…`) with its JSON shapes, so amtool, Prometheus and Grafana use
/// Osprey as their Alertmanager. Errors are answered as Alertmanager does: a JSON string naming what was wrong.
public struct AlertmanagerAPI: Sendable {
    let deps: AlertmanagerAPIDependencies

    public init(_ deps: AlertmanagerAPIDependencies) { self.deps = deps }

    /// Adds the `/api/v2/*` routes.
    public func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/v2/status") { _, _ in json(self.status()) }
        router.get("/api/v2/receivers") { _, _ in
            var w = JSONWriter()
            w.raw("[")
            for (i, name) in deps.receivers().enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{\"name\":")
                w.string(name)
                w.raw("}")
            }
            w.raw("]")
            return json(w.out)
        }
        router.get("/api/v2/alerts") { request, _ in answer { try self.getAlerts(AMParams(request)) } }
        router.post("/api/v2/alerts") { request, _ in
            var request = request
            return await answerAsync { try self.postAlerts(try await self.body(&request)) }
        }
        router.get("/api/v2/alerts/groups") { request, _ in answer { try self.getGroups(AMParams(request)) } }
        router.get("/api/v2/silences") { request, _ in answer { try self.getSilences(AMParams(request)) } }
        router.post("/api/v2/silences") { request, _ in
            var request = request
            return await answerAsync { try self.postSilence(try await self.body(&request)) }
        }
        router.get("/api/v2/silence/{id}") { _, context in
            answer { try self.getSilence(context.parameters.get("id") ?? "") }
        }
        router.delete("/api/v2/silence/{id}") { _, context in
            answer { try self.deleteSilence(context.parameters.get("id") ?? "") }
        }
    }

    /// The request body, refused with 413 past `bodyBytesMax`.
    func body(_ request: inout Request) async throws -> ByteBuffer {
        let limit = deps.bodyBytesMax
        let tooLarge = AMError(status: .contentTooLarge, message: "request body is over the limit of \(limit) bytes (bodyBytesMax); send smaller batches")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do { return try await request.collectBody(upTo: limit) } catch { throw tooLarge }
    }

    func status() -> String {
        var w = JSONWriter()
        w.raw("{\"cluster\":{\"peers\":[],\"status\":\"disabled\"},\"config\":{\"original\":")
        w.string(deps.configOriginal())
        w.raw("},\"uptime\":")
        w.string(AlertTime.format(deps.startedAtMs))
        w.raw(",\"versionInfo\":{\"branch\":\"\",\"buildDate\":\"\",\"buildUser\":\"\",\"goVersion\":\"\",\"revision\":\"\",\"version\":")
        w.string(deps.version)
        w.raw("}}")
        return w.out
    }
}

/// An API failure: the HTTP status and a message naming the field at fault.
struct AMError: Error {
    let status: HTTPResponse.Status
    let message: String

    static func badRequest(_ m: String) -> AMError { AMError(status: .badRequest, message: m) }
}

/// Runs a handler and turns `AMError`s into Alertmanager's error shape (a JSON string).
func answer(_ body: () throws -> Response) -> Response {
    do { return try body() } catch { return amErrorResponse(error) }
}

func answerAsync(_ body: () async throws -> Response) async -> Response {
    do { return try await body() } catch { return amErrorResponse(error) }
}

func amErrorResponse(_ error: any Error) -> Response {
    var w = JSONWriter()
    if let e = error as? AMError {
        w.string(e.message)
        return json(w.out, status: e.status)
    }
    if let e = error as? HTTPError {
        w.string(e.status == .contentTooLarge ? "request body too large" : "\(e)")
        return json(w.out, status: e.status)
    }
    w.string("\(error)")
    return json(w.out, status: .internalServerError)
}

/// Query parameters as Alertmanager reads them: repeated `filter`, booleans defaulting to true.
struct AMParams {
    var params: Params

    init(_ request: Request) {
        params = Params()
        params.add(query: request.uri.query ?? "")
    }

    func bool(_ key: String, default def: Bool = true) throws -> Bool {
        guard let v = params[key], !v.isEmpty else { return def }
        // Go's strconv.ParseBool, which Alertmanager uses.
        switch v {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: throw AMError.badRequest("parameter \(key): \"\(v)\" is not a boolean (true or false)")
        }
    }

    /// The `filter` matchers in Alertmanager's matcher syntax.
    func filter() throws -> [LabelMatcher] {
        try params.all("filter").map { text in
            do { return try parseFilterMatcher(text) } catch {
                throw AMError.badRequest("parameter filter: \(error)")
            }
        }
    }

    /// The `receiver` regex (anchored), if given.
    func receiverRegex() throws -> LabelMatcher? {
        guard let r = params["receiver"], !r.isEmpty else { return nil }
        do { return try LabelMatcher(.regexMatch, "receiver", r) } catch {
            throw AMError.badRequest("parameter receiver: \(error)")
        }
    }
}
