import Foundation
import Hummingbird
import Ingest
import Logging
import MetricStore
import OspreyCore

/// Everything the HTTP API needs from the rest of the server.
public struct APIDependencies: Sendable {
    public var store: StoreHandle
    public var metricsText: @Sendable () -> String
    public var version: String
    public var remoteWriteLimits: RemoteWriteLimits
    /// Form bodies of read endpoints; Prometheus reads at most this much.
    public var formBodyBytesMax = 8 << 20
    /// Where ingest endpoints put samples (set by the server); remote write uses it too when set.
    public var sink: SampleSink?
    /// Extra routes added by the server's parts (scrape, push, OTLP, …), each given the router.
    public var extraRoutes: [@Sendable (Router<BasicRequestContext>) -> Void] = []
    /// The PromQL engine and status sources; when set, the query and status endpoints and the query page are served.
    public var query: QueryAPIDependencies?

    public init(store: StoreHandle, metricsText: @escaping @Sendable () -> String, version: String, remoteWriteLimits: RemoteWriteLimits = RemoteWriteLimits()) {
        self.store = store
        self.metricsText = metricsText
        self.version = version
        self.remoteWriteLimits = remoteWriteLimits
    }
}

/// Builds Osprey's HTTP router: health, own metrics, remote write, the Prometheus read and admin API.
public func makeRouter(_ deps: APIDependencies) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: MetricsMiddleware())
    router.get("/-/healthy") { _, _ in text("Osprey is Healthy.\n") }
    router.get("/-/ready") { _, _ -> Response in
        deps.store.store != nil ? text("Osprey is Ready.\n") : text("Service Unavailable\n", status: .serviceUnavailable)
    }
    router.get("/metrics") { _, _ in
        text(deps.metricsText(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
    let remoteWrite = RemoteWriteHandler(store: deps.store, sink: deps.sink, limits: deps.remoteWriteLimits)
    router.post("/api/v1/write") { request, context in try await remoteWrite.handle(request, context) }

    let prom = PrometheusReadAPI(store: deps.store, formBodyBytesMax: deps.formBodyBytesMax)
    for method in [HTTPRequest.Method.get, .post] {
        router.on("/api/v1/series", method: method) { r, _ in await prom.answer(r, prom.series) }
        router.on("/api/v1/labels", method: method) { r, _ in await prom.answer(r, prom.labels) }
        router.on("/api/osprey/v1/samples", method: method) { r, _ in await prom.answer(r, prom.samples) }
    }
    router.get("/api/v1/label/{name}/values") { r, context in
        let name = context.parameters.get("name") ?? ""
        return await prom.answer(r) { try prom.labelValues(name, $0) }
    }
    router.post("/api/v1/admin/tsdb/delete_series") { r, _ in await prom.answer(r, prom.deleteSeries) }
    router.put("/api/v1/admin/tsdb/delete_series") { r, _ in await prom.answer(r, prom.deleteSeries) }
    router.post("/api/v1/admin/tsdb/clean_tombstones") { r, _ in await prom.answer(r, prom.cleanTombstones) }
    router.put("/api/v1/admin/tsdb/clean_tombstones") { r, _ in await prom.answer(r, prom.cleanTombstones) }
    router.post("/api/v1/admin/tsdb/snapshot") { r, _ in await prom.answer(r, prom.snapshot) }
    router.put("/api/v1/admin/tsdb/snapshot") { r, _ in await prom.answer(r, prom.snapshot) }
    router.get("/api/v1/status/buildinfo") { _, _ in
        json("{\"status\":\"success\",\"data\":{\"version\":\"\(deps.version)\",\"revision\":\"\",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"}}")
    }
    if let query = deps.query { registerQueryRoutes(router, query, deps) }
    for add in deps.extraRoutes { add(router) }
    return router
}

func text(_ s: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
    Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: s)))
}

func json(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: s)))
}

func errorResponse(_ e: APIError) -> Response {
    var w = JSONWriter()
    w.raw("{\"status\":\"error\",\"errorType\":")
    w.string(e.type.rawValue)
    w.raw(",\"error\":")
    w.string(e.message)
    w.raw("}")
    return json(w.out, status: HTTPResponse.Status(code: e.status))
}
