import Foundation
import Hummingbird
import MetricStore
import OspreyCore

/// `/api/v1/series`, `/api/v1/labels`, `/api/v1/label/<name>/values`, the TSDB admin endpoints, and
/// `/api/osprey/v1/samples` (raw samples of matching series, the read path tests and benchmarks use
/// until PromQL answers `/api/v1/query`).
struct PrometheusReadAPI: Sendable {
    let store: StoreHandle
    let formBodyBytesMax: Int

    /// Runs a handler that returns the JSON of `data`, wrapping it in Prometheus's envelope.
    /// Store calls block (locks, disk reads, whole compactions for the admin endpoints), so they run
    /// on their own threads, never on Swift's small cooperative pool that serves every request.
    private static let storeQueue = DispatchQueue(label: "osprey.api.store", attributes: .concurrent)

    func answer(_ request: Request, _ body: @escaping @Sendable (Params) throws -> String?) async -> Response {
        await run(request, body) { data in
            data.map { json("{\"status\":\"success\",\"data\":" + $0 + "}") } ?? Response(status: .noContent)
        }
    }

    /// Like `answer`, for handlers that also return warnings (`results truncated due to limit`).
    func answerWarned(_ request: Request, _ body: @escaping @Sendable (Params) throws -> (String, [String])) async -> Response {
        await run(request, body) { json(JSONWriter.success(data: $0.0, warnings: $0.1)) }
    }

    /// Reads the parameters, runs `body` on the store queue and maps its errors to Prometheus's error JSON.
    private func run<T: Sendable>(_ request: Request, _ body: @escaping @Sendable (Params) throws -> T,
                                  _ respond: (T) -> Response) async -> Response {
        do {
            let params = try await Params.read(request, bodyBytesMax: formBodyBytesMax)
            let result: T = try await withCheckedThrowingContinuation { c in
                PrometheusReadAPI.storeQueue.async { c.resume(with: Result { try body(params) }) }
            }
            return respond(result)
        } catch let e as APIError {
            return errorResponse(e)
        } catch let e as StoreError {
            return errorResponse(APIError(type: .internalError, message: "\(e)"))
        } catch {
            return errorResponse(APIError(type: .badData, message: "\(error)"))
        }
    }

    func range(_ p: Params) throws -> (Int64, Int64) {
        let start = try p.optionalTime("start", default: Int64.min / 2)
        let end = try p.optionalTime("end", default: Int64.max / 2)
        guard end >= start else { throw APIError.badData("invalid parameter \"end\": end timestamp must not be before start time") }
        return (start, end)
    }

    func series(_ p: Params) throws -> (String, [String]) {
        let db = try store.require()
        let sets = try p.matcherSets(required: true)
        let (mint, maxt) = try range(p)
        var all = Set<Labels>()
        for m in sets { all.formUnion(try db.series(m, mint: mint, maxt: maxt)) }
        var result = all.sorted()
        var warnings: [String] = []
        if let limit = try p.limit(), result.count > limit {
            result = Array(result.prefix(limit))
            warnings.append("results truncated due to limit")
        }
        var w = JSONWriter(capacity: result.count * 64)
        w.raw("[")
        for (i, l) in result.enumerated() {
            if i > 0 { w.raw(",") }
            w.labels(l)
        }
        w.raw("]")
        return (w.out, warnings)
    }

    func labels(_ p: Params) throws -> (String, [String]) {
        let db = try store.require()
        let (mint, maxt) = try range(p)
        let sets = try p.matcherSets(required: false)
        var names = Set<String>()
        if sets.isEmpty { names.formUnion(try db.labelNames([], mint: mint, maxt: maxt)) }
        for m in sets { names.formUnion(try db.labelNames(m, mint: mint, maxt: maxt)) }
        var sorted = names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var warnings: [String] = []
        if let limit = try p.limit(), sorted.count > limit {
            sorted = Array(sorted.prefix(limit))
            warnings.append("results truncated due to limit")
        }
        var w = JSONWriter()
        w.stringArray(sorted)
        return (w.out, warnings)
    }

    func labelValues(_ name: String, _ p: Params) throws -> (String, [String]) {
        let db = try store.require()
        let label = name.hasPrefix("U__") ? decodeUTF8LabelName(name) : name
        guard !label.isEmpty else { throw APIError.badData("invalid label name: \"\(name)\"") }
        let (mint, maxt) = try range(p)
        let sets = try p.matcherSets(required: false)
        var values = Set<String>()
        if sets.isEmpty { values.formUnion(try db.labelValues(label, [], mint: mint, maxt: maxt)) }
        for m in sets { values.formUnion(try db.labelValues(label, m, mint: mint, maxt: maxt)) }
        var sorted = values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var warnings: [String] = []
        if let limit = try p.limit(), sorted.count > limit {
            sorted = Array(sorted.prefix(limit))
            warnings.append("results truncated due to limit")
        }
        var w = JSONWriter()
        w.stringArray(sorted)
        return (w.out, warnings)
    }

    func samples(_ p: Params) throws -> String? {
        let db = try store.require()
        let sets = try p.matcherSets(required: true)
        let (mint, maxt) = try range(p)
        var bySeries: [Labels: [Sample]] = [:]
        for m in sets { for s in try db.select(m, mint: mint, maxt: maxt) { bySeries[s.labels] = s.samples } }
        var w = JSONWriter(capacity: 1 << 16)
        w.raw("[")
        for (i, labels) in bySeries.keys.sorted().enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"metric\":")
            w.labels(labels)
            w.raw(",\"values\":[")
            for (j, s) in bySeries[labels]!.enumerated() {
                if j > 0 { w.raw(",") }
                w.raw("[\(s.t),\"")
                w.raw(StaleNaN.isStale(s.v) ? "stale" : formatPrometheusFloat(s.v))
                w.raw("\"]")
            }
            w.raw("]}")
        }
        w.raw("]")
        return w.out
    }

    func deleteSeries(_ p: Params) throws -> String? {
        let db = try store.require()
        let sets = try p.matcherSets(required: true)
        let (mint, maxt) = try range(p)
        for m in sets { try db.delete(m, mint: mint, maxt: maxt) }
        return nil
    }

    func cleanTombstones(_ p: Params) throws -> String? {
        try store.require().cleanTombstones()
        return nil
    }

    func snapshot(_ p: Params) throws -> String? {
        let skipHead = ["true", "1"].contains(p["skip_head"]?.lowercased() ?? "")
        let name = try store.require().snapshot(skipHead: skipHead)
        var w = JSONWriter()
        w.raw("{\"name\":")
        w.string(name)
        w.raw("}")
        return w.out
    }
}

/// Prometheus's `U__` escaping of UTF-8 label names in URL paths: `_` stands for itself when doubled,
/// `_HEX_` for a code point.
func decodeUTF8LabelName(_ s: String) -> String {
    var out = ""
    var chars = Array(s.dropFirst(3))
    var i = 0
    while i < chars.count {
        if chars[i] == "_" {
            if i + 1 < chars.count && chars[i + 1] == "_" { out.append("_"); i += 2; continue }
            if let end = chars[(i + 1)...].firstIndex(of: "_"), let v = UInt32(String(chars[(i + 1)..<end]), radix: 16), let u = Unicode.Scalar(v) {
                out.unicodeScalars.append(u)
                i = end + 1
                continue
            }
        }
        out.append(chars[i])
        i += 1
    }
    chars = []
    return out
}
