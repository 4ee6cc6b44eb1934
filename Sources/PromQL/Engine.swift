import MetricStore
import OspreyCore

/// Limits and defaults of query evaluation.
public struct EngineOptions: Sendable {
    /// How far back an instant selector looks for a sample (Prometheus's `--query.lookback-delta`).
    public var lookbackDeltaMs: Int64 = 5 * 60_000
    /// Samples a query may hold in memory at once (Prometheus's `--query.max-samples`).
    public var maxSamples = 50_000_000
    /// A query running longer is stopped (Prometheus's `--query.timeout`).
    public var timeout: Swift.Duration = .seconds(120)
    /// Points a range query may return per series (Prometheus refuses more than 11,000).
    public var maxPointsPerSeries = 11_000
    public init() {}
}

/// Per-query choices.
public struct QueryOptions: Sendable {
    /// Collect `QueryStats` (`stats=all` adds per-step samples).
    public var stats: StatsLevel = .none
    /// Overrides the engine's lookback delta for this query (`lookback_delta` parameter).
    public var lookbackDeltaMs: Int64?
    public enum StatsLevel: Sendable { case none, summary, all }
    public init() {}
}

/// Evaluates PromQL against a `Querier`. Thread safe; queries may run concurrently.
public final class Engine: Sendable {
    public let querier: any Querier
    public let options: EngineOptions

    public init(querier: any Querier, options: EngineOptions = EngineOptions()) {
        self.querier = querier
        self.options = options
    }

    /// Evaluates `query` at time `t` (ms). Throws `PromQLError`. Stops with `.canceled` when the calling task is
    /// cancelled and with `.timeout` past `options.timeout`.
    public func instantQuery(_ query: String, at t: Int64, options: QueryOptions = QueryOptions()) async throws -> QueryResult {
        throw PromQLError(.internal, "PromQL engine not built yet")
    }

    /// Evaluates `query` at every step from `start` to `end` (ms, inclusive); the value is always a matrix.
    public func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64,
                           options: QueryOptions = QueryOptions()) async throws -> QueryResult {
        throw PromQLError(.internal, "PromQL engine not built yet")
    }
}
