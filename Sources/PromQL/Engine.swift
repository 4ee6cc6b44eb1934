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
        let clock = ContinuousClock()
        let began = clock.now
        let expr = try PromQLParser.parse(query)
        let parsed = clock.now
        return try evaluate(expr, query: query, start: t, end: t, step: 0, options: options, began: began, parsed: parsed)
    }

    /// Evaluates `query` at every step from `start` to `end` (ms, inclusive); the value is always a matrix.
    public func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64,
                           options: QueryOptions = QueryOptions()) async throws -> QueryResult {
        guard step > 0 else {
            throw PromQLError(.badData, "zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        guard end >= start else { throw PromQLError(.badData, "end timestamp must not be before start time") }
        if (end - start) / step >= Int64(self.options.maxPointsPerSeries) {
            throw PromQLError(.badData, "exceeded maximum resolution of \(self.options.maxPointsPerSeries.formatted(groupingSeparator: ",")) points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        let clock = ContinuousClock()
        let began = clock.now
        let expr = try PromQLParser.parse(query)
        let parsed = clock.now
        let e = try PromQLParser.parse(query)
        guard evaluatorType(e) == .vector || evaluatorType(e) == .scalar else {
            throw PromQLError(.badData, "invalid expression type \"\(evaluatorType(e).documented)\" for range query, must be Scalar or instant Vector")
        }
        return try evaluate(expr, query: query, start: start, end: end, step: step, options: options, began: began, parsed: parsed)
    }

    /// Evaluates a parsed expression; `step == 0` is an instant query.
    func evaluate(_ expr: Expr, query: String, start: Int64, end: Int64, step: Int64, options: QueryOptions,
                  began: ContinuousClock.Instant, parsed: ContinuousClock.Instant) throws -> QueryResult {
        let ev = Evaluator(querier: querier, start: start, end: end, interval: step == 0 ? 1 : step,
                           lookback: options.lookbackDeltaMs ?? self.options.lookbackDeltaMs,
                           maxSamples: self.options.maxSamples, deadline: began.advanced(by: self.options.timeout),
                           queryStep: step)
        ev.queryText = query
        let value = try ev.eval(expr)
        var result: QueryValue
        switch value {
        case .string(let s):
            result = .string(t: start, s)
        case .range(let series):
            result = .matrix(try finish(series, ev).map { RangeSeries(labels: $0.labels, points: $0.points) })
        case .series(let series):
            let type = ev.valueType(expr)
            if step == 0 {
                if type == .scalar {
                    result = .scalar(t: start, v: series.first?.points.first?.v ?? .nan)
                } else {
                    let cleaned = try finish(series, ev)
                    result = .vector(cleaned.compactMap { s in s.points.first.map { VectorElement(labels: s.labels, t: start, v: $0.v) } })
                }
            } else {
                let cleaned = try finish(series, ev).sorted { $0.labels < $1.labels }
                result = .matrix(cleaned.map { RangeSeries(labels: $0.labels, points: $0.points) })
            }
        }
        var out = QueryResult(value: result, annotations: ev.notes.annotations)
        if options.stats != .none {
            let now = ContinuousClock.now
            var stats = QueryStats()
            stats.parseSeconds = seconds(parsed - began)
            stats.evalSeconds = seconds(now - parsed)
            stats.totalSeconds = seconds(now - began)
            stats.totalSamples = ev.totalSamples
            stats.peakSamples = ev.peakSamples
            out.stats = stats
        }
        return out
    }

    private func evaluatorType(_ e: Expr) -> ValueType {
        Evaluator(querier: querier, start: 0, end: 0, interval: 1, lookback: 0, maxSamples: 0,
                  deadline: .now, queryStep: 0).valueType(e)
    }

    /// Drops `__name__`/`__type__`/`__unit__` where marked and checks the result has unique label sets.
    private func finish(_ series: [StepSeries], _ ev: Evaluator) throws -> [StepSeries] {
        let cleaned = series.map { s -> StepSeries in
            var s = s
            if s.dropName { s.labels = s.labels.droppingMetadata() }
            return s
        }
        return try ev.mergeSameLabels(cleaned)
    }

    private func seconds(_ d: Swift.Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

private extension Int {
    func formatted(groupingSeparator: String) -> String {
        let digits = Array(String(self))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += groupingSeparator }
            out.append(c)
        }
        return out
    }
}
