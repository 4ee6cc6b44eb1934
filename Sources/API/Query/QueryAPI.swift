import Foundation
import Hummingbird
import Ingest
import OspreyCore
import PromQL

/// `/api/v1/query`, `/api/v1/query_range`, `/api/v1/query_exemplars`, `/api/v1/format_query` and
/// `/api/v1/parse_query`, with Prometheus's parameters, answers and errors.
struct QueryAPI: Sendable {
    let deps: QueryAPIDependencies
    let formBodyBytesMax: Int

    var engine: Engine { deps.engine }

    func register(_ router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/api/v1/query", method: method) { r, _ in await evaluating(r) { try await instant($0) } }
            router.on("/api/v1/query_range", method: method) { r, _ in await evaluating(r) { try await range($0) } }
            router.on("/api/v1/query_exemplars", method: method) { r, _ in await answering(r, exemplars) }
            router.on("/api/v1/format_query", method: method) { r, _ in await answering(r, formatQuery) }
            router.on("/api/v1/parse_query", method: method) { r, _ in await answering(r, parseQuery) }
        }
    }

    // MARK: evaluation

    /// Runs a query handler so that it is cancelled when the client closes its connection: Hummingbird reports
    /// the inbound side closing, and the engine stops at its next cancellation check. Hummingbird closes the
    /// connection after such a response (it has read ahead on it), so the response says `Connection: close`.
    private func evaluating(_ request: Request, _ handler: @escaping @Sendable (Params) async throws -> String) async -> Response {
        do {
            let body = try await request.body.consumeWithCancellationOnInboundClose { body -> String in
                var params = Params()
                params.add(query: request.uri.query ?? "")
                if request.method == .post, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                    params.add(query: String(buffer: try await body.collect(upTo: formBodyBytesMax)))
                }
                return try await handler(params)
            }
            var response = json(body)
            response.headers[.connection] = "close"
            return response
        } catch {
            var response = errorResponse(QueryAPI.apiError(error))
            response.headers[.connection] = "close"
            return response
        }
    }

    /// Runs a handler that needs no cancellation (parsing, formatting, exemplars).
    private func answering(_ request: Request, _ handler: @escaping @Sendable (Params) throws -> String) async -> Response {
        do {
            let params = try await Params.read(request, bodyBytesMax: formBodyBytesMax)
            return json(try handler(params))
        } catch {
            return errorResponse(QueryAPI.apiError(error))
        }
    }

    /// Maps engine errors to Prometheus's error types; parse errors name the `query` parameter as Prometheus does.
    static func apiError(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as PromQLError:
            switch e.kind {
            case .badData: return APIError(type: .badData, message: "invalid parameter \"query\": \(e.message)")
            case .execution: return APIError(type: .execution, message: e.message)
            case .timeout: return APIError(type: .timeout, message: e.message)
            case .canceled: return APIError(type: .canceled, message: e.message)
            case .internal: return APIError(type: .internalError, message: e.message)
            }
        case is CancellationError:
            return APIError(type: .canceled, message: "query was canceled in expression evaluation")
        default:
            return APIError(type: .internalError, message: "\(error)")
        }
    }

    /// Query options shared by instant and range queries: `stats`, `lookback_delta`.
    private func options(_ p: Params) throws -> (QueryOptions, warnings: [String]) {
        var o = QueryOptions()
        var warnings: [String] = []
        let stats = p["stats"] ?? ""
        switch stats {
        case "": o.stats = .none
        case "all": o.stats = .all
        case "true": o.stats = .summary
        default:
            // Prometheus still accepts other values as "true", with a deprecation warning.
            o.stats = .summary
            warnings.append("value \"\(stats)\" for parameter \"stats\" is deprecated and will be rejected in the next major release, use \"true\" or \"all\"")
        }
        if let s = p["lookback_delta"], !s.isEmpty {
            do { o.lookbackDeltaMs = try Params.parseDurationMs(s) } catch let e as APIError {
                throw APIError.badData("error parsing lookback delta duration: \(e.message)")
            }
        }
        return (o, warnings)
    }

    /// Runs `body` under the request's `timeout` (the engine's own limit applies too).
    private func withTimeout(_ p: Params, _ body: @escaping @Sendable () async throws -> QueryResult) async throws -> QueryResult {
        guard let ms = try p.duration("timeout") else { return try await body() }
        return try await withThrowingTaskGroup(of: QueryResult?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(max(0, ms)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw PromQLError(.timeout, "query timed out in expression evaluation")
            }
            return result
        }
    }

    private func instant(_ p: Params) async throws -> String {
        let limit = try p.resultLimit()
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let t = try p.optionalTime("time", default: now)
        _ = try p.duration("timeout")
        let (opts, warnings) = try options(p)
        let query = p["query"] ?? ""
        let result = try await withTimeout(p) { [engine] in try await engine.instantQuery(query, at: t, options: opts) }
        return respond(result, limit: limit, warnings: warnings, perStep: p["stats"] == "all")
    }

    private func range(_ p: Params) async throws -> String {
        let limit = try p.resultLimit()
        let start = try p.requiredTime("start")
        let end = try p.requiredTime("end")
        guard end >= start else { throw APIError.badData("invalid parameter \"end\": end timestamp must not be before start time") }
        let stepText = p["step"] ?? ""
        let step: Int64
        do { step = try Params.parseDurationMs(stepText) } catch let e as APIError {
            throw APIError.badData("invalid parameter \"step\": \(e.message)")
        }
        guard step > 0 else {
            throw APIError.badData("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        // Computed in floating point: start and end may be near the ends of Int64.
        guard (Double(end) - Double(start)) / Double(step) <= Double(engine.options.maxPointsPerSeries) else {
            throw APIError.badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        _ = try p.duration("timeout")
        let (opts, warnings) = try options(p)
        let query = p["query"] ?? ""
        let result = try await withTimeout(p) { [engine] in
            try await engine.rangeQuery(query, start: start, end: end, step: step, options: opts)
        }
        return respond(result, limit: limit, warnings: warnings, perStep: p["stats"] == "all")
    }

    private func respond(_ result: QueryResult, limit: Int, warnings extra: [String], perStep: Bool) -> String {
        var value = result.value
        var warnings = result.annotations.warnings
        if limit > 0 {
            switch value {
            case .vector(let v) where v.count > limit:
                value = .vector(Array(v.prefix(limit)))
                warnings.append("results truncated due to limit")
            case .matrix(let m) where m.count > limit:
                value = .matrix(Array(m.prefix(limit)))
                warnings.append("results truncated due to limit")
            default: break
            }
        }
        var w = JSONWriter(capacity: 4096)
        w.queryData(value, stats: result.stats, perStep: perStep)
        return JSONWriter.success(data: w.out, warnings: warnings + extra, infos: result.annotations.infos)
    }

    // MARK: syntax and exemplars

    private func formatQuery(_ p: Params) throws -> String {
        let expr = try QuerySyntax.parse(p["query"] ?? "")
        var w = JSONWriter()
        w.string(try QuerySyntax.pretty(expr))
        return JSONWriter.success(data: w.out)
    }

    private func parseQuery(_ p: Params) throws -> String {
        JSONWriter.success(data: ParseQueryJSON.write(try QuerySyntax.parse(p["query"] ?? "")))
    }

    private func exemplars(_ p: Params) throws -> String {
        let start = try p.optionalTime("start", default: Params.minTimeMs)
        let end = try p.optionalTime("end", default: Params.maxTimeMs)
        guard end >= start else { throw APIError.badData("end timestamp must not be before start timestamp") }
        let expr: Expr
        do { expr = try PromQLParser.parse(p["query"] ?? "") } catch let e as PromQLError { throw APIError.badData(e.message) }
        var bySeries: [Labels: [Exemplar]] = [:]
        for matchers in QuerySyntax.selectors(in: expr) {
            for e in deps.exemplars?.query(matchers, mint: start, maxt: end) ?? [] {
                if bySeries[e.series]?.contains(e.exemplar) == true { continue }
                bySeries[e.series, default: []].append(e.exemplar)
            }
        }
        var w = JSONWriter(capacity: 1024)
        w.raw("[")
        for (i, series) in bySeries.keys.sorted().enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"seriesLabels\":")
            w.labels(series)
            w.raw(",\"exemplars\":[")
            for (j, ex) in bySeries[series]!.enumerated() {
                if j > 0 { w.raw(",") }
                w.raw("{\"labels\":")
                w.labels(Labels(ex.labels))
                w.raw(",\"value\":\"")
                w.raw(formatAPIFloat(ex.value))
                w.raw("\",\"timestamp\":")
                w.timestamp(ex.timestamp ?? 0)
                w.raw("}")
            }
            w.raw("]}")
        }
        w.raw("]")
        return JSONWriter.success(data: w.out)
    }
}
