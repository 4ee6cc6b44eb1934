import MetricStore
import OspreyCore

/// Where a promqltest script's eval queries run besides the engine in process: for instance a running server
/// reached over its HTTP API. It receives every `load` and `clear`; query errors are thrown as `PromQLError`
/// with the engine's message.
public protocol PromQLTestBackend: Sendable {
    /// Drops every series (`clear`).
    func clear() async throws
    /// Stores the float series of one `load` block (start timestamps and native histograms are not passed on).
    func load(_ series: [SeriesSamples]) async throws
    func instantQuery(_ query: String, at t: Int64) async throws -> QueryResult
    func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async throws -> QueryResult
    /// Whether loaded start timestamps (`@st` lines) reach the backend. Remote write v1 cannot carry them, so
    /// a server loaded through it answers cases over such data without them.
    var storesStartTimestamps: Bool { get }
}

extension PromQLTestBackend {
    public var storesStartTimestamps: Bool { false }
}

/// The engine in process, as a backend the runner's cases query.
struct EngineTestBackend: PromQLTestBackend {
    let engine: Engine

    func clear() async throws {}
    func load(_ series: [SeriesSamples]) async throws {}
    func instantQuery(_ query: String, at t: Int64) async throws -> QueryResult {
        try await engine.instantQuery(query, at: t)
    }
    func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async throws -> QueryResult {
        try await engine.rangeQuery(query, start: start, end: end, step: step)
    }
}
