import Foundation
import Ingest
import OspreyCore

/// One sample as the read API prints it: the value string is Go float format, or "stale".
struct ReadSample: Equatable, Sendable, CustomStringConvertible {
    let t: Int64
    let value: String
    var isStale: Bool { value == "stale" }
    /// The value as a double; nil for "stale" or text that is not a Go float.
    var double: Double? { isStale ? nil : parseGoFloat(value) }
    var description: String { "[\(t), \(value)]" }
}

/// Parses Go's `strconv.FormatFloat` output ("1", "-0.5", "NaN", "+Inf", "-Inf", "1e+21").
func parseGoFloat(_ s: String) -> Double? {
    switch s {
    case "NaN": return .nan
    case "+Inf", "Inf": return .infinity
    case "-Inf": return -.infinity
    default: return Double(s)
    }
}

/// The remote write headers Prometheus sends.
let remoteWriteHeaders = [
    ("Content-Type", "application/x-protobuf"),
    ("Content-Encoding", "snappy"),
    ("X-Prometheus-Remote-Write-Version", "0.1.0"),
]

extension HTTPClient {
    /// POSTs a remote write request of `series`.
    func remoteWrite(_ series: [(labels: Labels, samples: [Sample])]) throws -> HTTPResponse {
        try remoteWrite(body: RemoteWriteEncoder.encodeSnappy(series))
    }

    /// POSTs `body` as it is to the remote write endpoint.
    func remoteWrite(body: [UInt8], chunked: Bool = false) throws -> HTTPResponse {
        try post("/api/v1/write", body: body, headers: remoteWriteHeaders, chunked: chunked)
    }

    /// `/api/osprey/v1/samples`: every series matching `selector` with its raw samples.
    func rawSamples(_ selector: String, start: String? = nil, end: String? = nil) throws -> [Labels: [ReadSample]] {
        var query = [("match[]", selector)]
        if let start { query.append(("start", start)) }
        if let end { query.append(("end", end)) }
        let response = try get(target("/api/osprey/v1/samples", query))
        guard response.status == 200 else {
            throw E2EError("GET /api/osprey/v1/samples?match[]=\(selector): HTTP \(response.status): \(response.text)")
        }
        let decoded = try decodeJSON(OspreySamplesResponse.self, response)
        var out: [Labels: [ReadSample]] = [:]
        for entry in decoded.data {
            let labels = Labels(entry.metric)
            guard out[labels] == nil else { throw E2EError("series \(labels) appears twice in one samples response") }
            out[labels] = entry.values.map { ReadSample(t: $0.t, value: $0.value) }
        }
        return out
    }

    /// `/api/v1/series`: the set of series matching `selector`.
    func seriesSet(_ selector: String) throws -> Set<Labels> {
        let response = try get(target("/api/v1/series", [("match[]", selector)]))
        guard response.status == 200 else {
            throw E2EError("GET /api/v1/series?match[]=\(selector): HTTP \(response.status): \(response.text)")
        }
        return Set(try decodeJSON(SeriesResponse.self, response).data.map { Labels($0) })
    }
}

func decodeJSON<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
    do { return try JSONDecoder().decode(type, from: Data(response.body)) } catch {
        throw E2EError("cannot decode \(type) from \(response.text.prefix(500)): \(error)")
    }
}

struct SeriesResponse: Decodable {
    let status: String
    let data: [[String: String]]
}

struct OspreySamplesResponse: Decodable {
    struct Series: Decodable {
        let metric: [String: String]
        let values: [Pair]
    }
    /// `[t_ms, "value"]`
    struct Pair: Decodable {
        let t: Int64
        let value: String
        init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            t = try c.decode(Int64.self)
            value = try c.decode(String.self)
        }
    }
    let status: String
    let data: [Series]
}

struct APIErrorResponse: Decodable {
    let status: String
    let errorType: String
    let error: String
}

extension HTTPClient {
    /// The value of an unlabelled metric on `/metrics`, or nil if it is not there.
    func metricValue(_ name: String) throws -> Double? {
        let response = try get("/metrics")
        guard response.status == 200 else { throw E2EError("GET /metrics: HTTP \(response.status): \(response.text)") }
        for line in response.text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, parts[0] == name { return Double(parts[1]) }
        }
        return nil
    }
}
