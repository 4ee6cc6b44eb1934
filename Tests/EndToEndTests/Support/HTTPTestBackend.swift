import Foundation
import Ingest
import MetricStore
import OspreyCore
import PromQL

/// Runs promqltest scripts against a running osprey: `load` goes in through remote write, `clear` through the
/// admin API's delete_series, and every `eval` is a request to `/api/v1/query` or `/api/v1/query_range`, its JSON
/// answer turned back into a `QueryResult` (or the `PromQLError` it reports).
struct HTTPTestBackend: PromQLTestBackend {
    let client: HTTPClient
    /// Samples per remote write request: keeps each body far below the server's limit.
    static let samplesPerRequestMax = 50_000

    func clear() async throws {
        let all = target("/api/v1/admin/tsdb/delete_series", [("match[]", "{__name__=~\".+\"}")])
        let deleted = try client.post(all)
        guard deleted.status == 204 else { throw E2EError("delete_series: HTTP \(deleted.status): \(deleted.text)") }
        let cleaned = try client.post("/api/v1/admin/tsdb/clean_tombstones")
        guard cleaned.status == 204 else { throw E2EError("clean_tombstones: HTTP \(cleaned.status): \(cleaned.text)") }
    }

    func load(_ series: [SeriesSamples]) async throws {
        var batch: [(labels: Labels, samples: [Sample])] = []
        var count = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            let r = try client.remoteWrite(batch)
            guard r.status == 204 else { throw E2EError("remote write of \(batch.count) series: HTTP \(r.status): \(r.text)") }
            batch = []
            count = 0
        }
        for s in series where !s.samples.isEmpty {
            batch.append((s.labels, s.samples))
            count += s.samples.count
            if count >= HTTPTestBackend.samplesPerRequestMax { try flush() }
        }
        try flush()
    }

    func instantQuery(_ query: String, at t: Int64) async throws -> QueryResult {
        try answer(client.get(target("/api/v1/query", [("query", query), ("time", HTTPTestBackend.seconds(t))])))
    }

    func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async throws -> QueryResult {
        let form = [("query", query), ("start", HTTPTestBackend.seconds(start)), ("end", HTTPTestBackend.seconds(end)),
                    ("step", HTTPTestBackend.seconds(step))]
        let body = form.map { "\(urlEncode($0.0))=\(urlEncode($0.1))" }.joined(separator: "&")
        return try answer(client.post("/api/v1/query_range", body: Array(body.utf8),
                                      headers: [("Content-Type", "application/x-www-form-urlencoded")]))
    }

    /// Milliseconds as the API's seconds with three decimals.
    static func seconds(_ ms: Int64) -> String {
        let sign = ms < 0 ? "-" : ""
        let m = ms.magnitude
        let frac = String(m % 1000)
        return "\(sign)\(m / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    private func answer(_ response: HTTPResponse) throws -> QueryResult {
        guard let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw E2EError("HTTP \(response.status): not a JSON object: \(response.text.prefix(300))")
        }
        guard json["status"] as? String == "success" else {
            let type = json["errorType"] as? String ?? ""
            var message = json["error"] as? String ?? ""
            // The API names the parameter in front of a parse error; the engine's message follows.
            let prefix = "invalid parameter \"query\": "
            if message.hasPrefix(prefix) { message = String(message.dropFirst(prefix.count)) }
            throw PromQLError(PromQLError.Kind(rawValue: type) ?? .internal, message)
        }
        guard let data = json["data"] as? [String: Any], let type = data["resultType"] as? String else {
            throw E2EError("no data.resultType in \(response.text.prefix(300))")
        }
        var annotations = Annotations()
        annotations.warnings = json["warnings"] as? [String] ?? []
        annotations.infos = json["infos"] as? [String] ?? []
        let result = data["result"]
        let value: QueryValue
        switch type {
        case "scalar":
            let p = try point(result)
            value = .scalar(t: p.t, v: p.v)
        case "string":
            guard let pair = result as? [Any], pair.count == 2, let t = pair[0] as? Double, let s = pair[1] as? String else {
                throw E2EError("bad string result \(String(describing: result))")
            }
            value = .string(t: Int64((t * 1000).rounded()), s)
        case "vector":
            let list = result as? [[String: Any]] ?? []
            value = .vector(try list.map {
                let p = try point($0["value"])
                return VectorElement(labels: Labels($0["metric"] as? [String: String] ?? [:]), t: p.t, v: p.v)
            })
        case "matrix":
            let list = result as? [[String: Any]] ?? []
            value = .matrix(try list.map {
                RangeSeries(labels: Labels($0["metric"] as? [String: String] ?? [:]), points: try ($0["values"] as? [Any] ?? []).map(point))
            })
        default:
            throw E2EError("unknown resultType \(type)")
        }
        return QueryResult(value: value, annotations: annotations)
    }

    private func point(_ any: Any?) throws -> Sample {
        guard let pair = any as? [Any], pair.count == 2, let t = pair[0] as? Double, let s = pair[1] as? String,
              let v = parseGoFloat(s) else {
            throw E2EError("not a [t, \"v\"] point: \(String(describing: any))")
        }
        return Sample(Int64((t * 1000).rounded()), v)
    }
}
