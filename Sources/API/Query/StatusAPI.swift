import Foundation
import Hummingbird
import MetricStore
import OspreyCore

/// `/api/v1/status/runtimeinfo`, `/api/v1/status/tsdb`, `/api/v1/status/config` and `/api/v1/status/flags`.
struct StatusAPI: Sendable {
    let store: StoreHandle
    let status: ServerStatus

    /// `/api/v1/status/tsdb`'s `limit`: Prometheus's default and maximum.
    static let tsdbLimitDefault = 10
    static let tsdbLimitMax = 10_000

    func register(_ router: Router<BasicRequestContext>) {
        router.get("/api/v1/status/runtimeinfo") { _, _ in json(JSONWriter.success(data: runtimeInfo())) }
        router.get("/api/v1/status/config") { _, _ in
            var w = JSONWriter()
            w.raw("{\"yaml\":")
            w.string(status.config.yaml)
            w.raw("}")
            return json(JSONWriter.success(data: w.out))
        }
        router.get("/api/v1/status/flags") { _, _ in
            var w = JSONWriter()
            w.raw("{")
            for (i, key) in status.flags.keys.sorted().enumerated() {
                if i > 0 { w.raw(",") }
                w.string(key)
                w.raw(":")
                w.string(status.flags[key]!)
            }
            w.raw("}")
            return json(JSONWriter.success(data: w.out))
        }
        router.get("/api/v1/status/tsdb") { request, _ in
            do { return json(JSONWriter.success(data: try tsdb(request.uri.queryParameters["limit"].map(String.init)))) } catch let e as APIError {
                return errorResponse(e)
            } catch {
                return errorResponse(APIError(type: .internalError, message: "\(error)"))
            }
        }
    }

    func runtimeInfo() -> String {
        let config = status.config
        var w = JSONWriter(capacity: 512)
        w.raw("{\"startTime\":")
        w.string(rfc3339(status.startTime))
        w.raw(",\"CWD\":")
        w.string(FileManager.default.currentDirectoryPath)
        w.raw(",\"hostname\":")
        w.string(ProcessInfo.processInfo.hostName)
        w.raw(",\"serverTime\":")
        w.string(rfc3339(Date()))
        w.raw(",\"reloadConfigSuccess\":\(config.success),\"lastConfigTime\":")
        w.string(rfc3339(config.time))
        // Go runtime fields keep their names so clients that read them parse; Osprey fills the nearest meaning.
        w.raw(",\"corruptionCount\":0,\"goroutineCount\":\(threadCount()),\"GOMAXPROCS\":\(ProcessInfo.processInfo.activeProcessorCount)")
        w.raw(",\"GOMEMLIMIT\":\(Int64.max),\"GOGC\":\"\",\"GODEBUG\":\"\",\"storageRetention\":")
        w.string(status.storageRetention)
        w.raw("}")
        return w.out
    }

    func tsdb(_ limitText: String?) throws -> String {
        var limit = StatusAPI.tsdbLimitDefault
        if let s = limitText, !s.isEmpty {
            guard let n = Int(s), n >= 1 else { throw APIError.badData("limit must be a positive number") }
            guard n <= StatusAPI.tsdbLimitMax else { throw APIError.badData("limit must not exceed \(StatusAPI.tsdbLimitMax)") }
            limit = n
        }
        let c = try store.require().headCardinality(limit: limit)
        var w = JSONWriter(capacity: 2048)
        w.raw("{\"headStats\":{\"numSeries\":\(c.numSeries),\"numLabelPairs\":\(c.numLabelPairs),\"chunkCount\":\(c.chunkCount),")
        w.raw("\"minTime\":\(c.minTime),\"maxTime\":\(c.maxTime)}")
        for (key, list) in [("seriesCountByMetricName", c.seriesCountByMetricName),
                            ("labelValueCountByLabelName", c.labelValueCountByLabelName),
                            ("memoryInBytesByLabelName", c.memoryInBytesByLabelName),
                            ("seriesCountByLabelValuePair", c.seriesCountByLabelValuePair)] {
            w.raw(",\"\(key)\":[")
            for (i, e) in list.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("{\"name\":")
                w.string(e.name)
                w.raw(",\"value\":\(e.value)}")
            }
            w.raw("]")
        }
        w.raw("}")
        return w.out
    }

    private func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    /// Threads of this process (from /proc), standing in for Go's goroutine count.
    private func threadCount() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }
}

/// The engine's view of the store: reads go to the store once it is open.
public struct StoreQuerier: Querier {
    let handle: StoreHandle
    public init(_ handle: StoreHandle) { self.handle = handle }

    private func db() throws -> MetricStoreDB {
        guard let db = handle.store else { throw StoreError.io("the metric store is still opening (replaying its WAL)") }
        return db
    }

    public func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamples] {
        try db().select(matchers, mint: mint, maxt: maxt)
    }
    public func series(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [Labels] {
        try db().series(matchers, mint: mint, maxt: maxt)
    }
    public func labelNames(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        try db().labelNames(matchers, mint: mint, maxt: maxt)
    }
    public func labelValues(_ name: String, _ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        try db().labelValues(name, matchers, mint: mint, maxt: maxt)
    }
}
