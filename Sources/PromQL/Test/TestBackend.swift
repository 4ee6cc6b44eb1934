import MetricStore
import OspreyCore

/// Where a promqltest script's data goes and its queries run: Osprey's engine in process, or a running server
/// reached over its HTTP API. Query errors are thrown as `PromQLError` with the engine's message.
public protocol PromQLTestBackend: Sendable {
    /// Drops every series (`clear`).
    func clear() async throws
    /// Stores the series of one `load` block.
    func load(_ series: [SeriesSamples]) async throws
    func instantQuery(_ query: String, at t: Int64) async throws -> QueryResult
    func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async throws -> QueryResult
}

/// The engine in process over an in-memory store.
public struct EngineTestBackend: PromQLTestBackend {
    let querier = MemoryQuerier()
    let engine: Engine

    public init() {
        var options = EngineOptions()
        options.maxSamples = 50_000_000
        engine = Engine(querier: querier, options: options)
    }

    public func clear() async throws { querier.clear() }
    public func load(_ series: [SeriesSamples]) async throws {
        for s in series { querier.add(s.labels, s.samples) }
    }
    public func instantQuery(_ query: String, at t: Int64) async throws -> QueryResult {
        try await engine.instantQuery(query, at: t)
    }
    public func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async throws -> QueryResult {
        try await engine.rangeQuery(query, start: start, end: end, step: step)
    }
}
