import Foundation
import OspreyCore

/// Reads back what a server stored and compares it with what was sent. Returns the problems found
/// (empty when everything matches): series counts, and every sample of a few series of different
/// shapes (counter, gauge, full-precision duration, clock, constant), bit for bit.
func checkStored(_ server: ServerProcess, _ workload: Workload) -> [String] {
    var problems: [String] = []
    let connection: HTTPConnection
    do { connection = try HTTPConnection(port: server.port) } catch { return ["\(server.kind.rawValue): \(error)"] }
    let start = seconds(workload.firstMs - 1), end = seconds(workload.lastMs)

    func seriesCount(_ selector: String) throws -> Int {
        let r = try connection.request("GET", "/api/v1/series?match[]=\(queryEscape(selector))&start=\(start)&end=\(end)")
        guard r.ok, let data = try jsonData(r) as? [Any] else { throw HTTPError(description: "series \(selector): HTTP \(r.status) \(r.text.prefix(300))") }
        return data.count
    }

    do {
        let all = try seriesCount("{job=\"node\"}")
        if all != workload.seriesCount { problems.append("\(server.kind.rawValue) has \(all) series with job=\"node\", sent \(workload.seriesCount)") }
        let load = try seriesCount("node_load1")
        if load != workload.fleet.targets.count { problems.append("\(server.kind.rawValue) has \(load) node_load1 series, sent \(workload.fleet.targets.count)") }
    } catch {
        problems.append("\(server.kind.rawValue): \(error)")
    }

    for index in spotCheckSeries(workload) {
        let spec = workload.fleet.series[index]
        let expected = workload.expectedSamples(index)
        do {
            let got = try storedSamples(connection, server.kind, selector(spec.labels), workload)
            if let problem = compare(expected, got) {
                problems.append("\(server.kind.rawValue) \(spec.labels): \(problem)")
            }
        } catch {
            problems.append("\(server.kind.rawValue) \(spec.labels): \(error)")
        }
    }
    return problems
}

/// A few series of different shapes from the first, middle and last target, plus the first and last series.
func spotCheckSeries(_ w: Workload) -> [Int] {
    let names = ["node_cpu_seconds_total", "node_network_receive_bytes_total", "node_memory_MemAvailable_bytes",
                 "node_scrape_collector_duration_seconds", "node_time_seconds", "node_load1", "node_filesystem_size_bytes"]
    var picked = [0, w.seriesCount - 1]
    let targets = Set([0, w.fleet.targets.count / 2, w.fleet.targets.count - 1].map(Int32.init))
    for (i, s) in w.fleet.series.enumerated() where targets.contains(s.target) {
        if let name = s.labels.metricName, names.contains(name), !picked.contains(where: { w.fleet.series[$0].target == s.target && w.fleet.series[$0].labels.metricName == name }) {
            picked.append(i)
        }
    }
    return picked
}

private func storedSamples(_ c: HTTPConnection, _ kind: ServerKind, _ sel: String, _ w: Workload) throws -> [Sample] {
    let r: HTTPResponse
    switch kind {
    case .osprey:
        r = try c.request("GET", "/api/osprey/v1/samples?match[]=\(queryEscape(sel))&start=\(seconds(w.firstMs - 1))&end=\(seconds(w.lastMs))")
    case .prometheus:
        // Range selectors include both ends in Prometheus 2.x; this one reaches before the first sample.
        let range = (w.lastMs - w.firstMs) / 1000 + 60
        r = try c.request("GET", "/api/v1/query?query=\(queryEscape(sel + "[\(range)s]"))&time=\(seconds(w.lastMs))")
    }
    guard r.ok else { throw HTTPError(description: "HTTP \(r.status): \(r.text.prefix(300))") }
    let data = try jsonData(r)
    let results = (kind == .osprey ? data as? [[String: Any]] : (data as? [String: Any])?["result"] as? [[String: Any]])
    guard let results else { throw HTTPError(description: "unexpected response: \(r.text.prefix(300))") }
    guard results.count == 1, let values = results[0]["values"] as? [[Any]] else {
        throw HTTPError(description: "expected 1 series, got \(results.count)")
    }
    return try values.map { pair in
        guard pair.count == 2, let t = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String, let v = Double(text) else {
            throw HTTPError(description: "bad sample \(pair)")
        }
        return Sample(kind == .osprey ? Int64(t) : Int64((t * 1000).rounded()), v)
    }
}

private func compare(_ expected: [Sample], _ got: [Sample]) -> String? {
    if expected.count != got.count {
        return "\(got.count) samples stored, \(expected.count) sent"
    }
    for (e, g) in zip(expected, got) where !e.isIdentical(to: g) {
        return "sample at \(e.t) is (\(g.t), \(g.v)), sent (\(e.t), \(e.v))"
    }
    return nil
}

/// `{__name__="…",label="…",…}`: an exact selector for one series.
func selector(_ labels: Labels) -> String {
    "{" + labels.map { "\($0.name)=\"\($0.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ",") + "}"
}

/// `data` of a Prometheus-style `{"status":"success","data":…}` envelope.
func jsonData(_ r: HTTPResponse) throws -> Any {
    guard let object = try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any], object["status"] as? String == "success",
          let data = object["data"] else {
        throw HTTPError(description: "not a success envelope: \(r.text.prefix(300))")
    }
    return data
}

/// Milliseconds as the decimal seconds both APIs take.
func seconds(_ ms: Int64) -> String {
    let sign = ms < 0 ? "-" : ""
    let a = abs(ms)
    return "\(sign)\(a / 1000).\(String(1000 + a % 1000).dropFirst())"
}
