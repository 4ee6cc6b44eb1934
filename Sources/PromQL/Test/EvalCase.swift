import Foundation
import OspreyCore

/// One `eval` command with its expectations.
struct EvalCase {
    enum Skip: Error { case nativeHistogram }

    struct Expect {
        enum Kind: String { case fail, warn, info, no_warn, no_info, ordered }
        var kind: Kind
        var message: String?
        var regex: String?
    }

    var query = ""
    var line = 0
    var instantAt: Int64?
    var rangeStart: Int64 = 0, rangeEnd: Int64 = 0, rangeStep: Int64 = 0
    var expects: [Expect] = []
    var expectedScalar: Double?
    var expectedString: String?
    /// Expected series in the order written.
    var expected: [(Labels, [SequenceValue])] = []
    /// `expect range vector from … to … step …` of an instant query.
    var rangeVector: (start: Int64, step: Int64)?
    var usesNativeHistograms = false

    static let nativeOnlyFunctions = ["histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev",
                                      "histogram_stdvar", "histogram_quantiles"]

    static func parse(header: String, line: Int, _ block: [(Int, String)]) throws -> EvalCase {
        var c = EvalCase()
        c.line = line
        let instant = try NSRegularExpression(pattern: #"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$"#)
        let range = try NSRegularExpression(pattern: #"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$"#)
        let ns = header as NSString
        var modifier = ""
        if let m = instant.firstMatch(in: header, range: NSRange(location: 0, length: ns.length)) {
            modifier = group(m, 1, ns)
            c.instantAt = try time(group(m, 2, ns))
            c.query = group(m, 3, ns)
        } else if let m = range.firstMatch(in: header, range: NSRange(location: 0, length: ns.length)) {
            modifier = group(m, 1, ns)
            c.rangeStart = try time(group(m, 2, ns))
            c.rangeEnd = try time(group(m, 3, ns))
            c.rangeStep = try time(group(m, 4, ns))
            c.query = group(m, 5, ns)
        } else {
            throw SeriesDescription.ParseError(description: "invalid eval command")
        }
        if let kind = Expect.Kind(rawValue: modifier) { c.expects.append(Expect(kind: kind)) }
        if c.query.contains("{{") || nativeOnlyFunctions.contains(where: { c.query.contains($0 + "(") }) {
            c.usesNativeHistograms = true
        }
        let expect = try NSRegularExpression(pattern: #"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$"#)
        for (_, text) in block {
            if text.contains("{{") { c.usesNativeHistograms = true; continue }
            if text.hasPrefix("expected_fail_message") {
                c.expects.append(Expect(kind: .fail, message: text.dropFirst("expected_fail_message".count).trimmingCharacters(in: .whitespaces)))
                continue
            }
            if text.hasPrefix("expected_fail_regexp") {
                c.expects.append(Expect(kind: .fail, regex: text.dropFirst("expected_fail_regexp".count).trimmingCharacters(in: .whitespaces)))
                continue
            }
            if text.hasPrefix("expect range vector") {
                let parts = text.split(separator: " ").map(String.init)
                guard parts.count == 9 else { throw SeriesDescription.ParseError(description: "invalid expect range vector") }
                c.rangeVector = (try time(parts[4]), try time(parts[8]))
                c.instantAt = try time(parts[6])
                continue
            }
            if text.hasPrefix("expect string") {
                var chars = Array(text.dropFirst("expect string".count).trimmingCharacters(in: .whitespaces))
                var i = 0
                c.expectedString = try SeriesDescription.quoted(chars, &i)
                chars = []
                continue
            }
            if text.split(separator: " ").first == "expect" {
                let tns = text as NSString
                guard let m = expect.firstMatch(in: text, range: NSRange(location: 0, length: tns.length)) else {
                    throw SeriesDescription.ParseError(description: "invalid expect line: \(text)")
                }
                var e = Expect(kind: Expect.Kind(rawValue: group(m, 1, tns))!)
                let value = group(m, 3, tns).trimmingCharacters(in: .whitespaces)
                if group(m, 2, tns) == "msg" { e.message = value } else if group(m, 2, tns) == "regex" { e.regex = value }
                c.expects.append(e)
                continue
            }
            if let v = SeriesDescription.number(text) {
                c.expectedScalar = v
                continue
            }
            c.expected.append(try SeriesDescription.parse(text))
        }
        return c
    }

    private static func group(_ m: NSTextCheckingResult, _ i: Int, _ s: NSString) -> String {
        let r = m.range(at: i)
        return r.location == NSNotFound ? "" : s.substring(with: r)
    }

    static func time(_ s: String) throws -> Int64 {
        if s.isEmpty { return 0 }
        if let v = Double(s) { return Int64(v * 1000) }
        if s.hasPrefix("-") { return -(try OspreyCore.Duration.parseMs(String(s.dropFirst()))) }
        return try OspreyCore.Duration.parseMs(s)
    }

    var expectsFailure: Bool { expects.contains { $0.kind == .fail } }

    /// Runs the case; nil when it passed, else what went wrong. An instant case also runs, as Prometheus's
    /// runner does, with `@` pinned selectors at other evaluation times, and each of those queries again as a
    /// range query around its evaluation time whose middle step must match.
    func run(_ engine: Engine) async -> String? {
        guard let at = instantAt else {
            return await check(engine, query, { try await engine.rangeQuery(query, start: rangeStart, end: rangeEnd, step: rangeStep) })
        }
        let queries = [(query, at)] + AtModifierCases.cases(query, at: at)
        for (q, t) in queries {
            let context = q == query && t == at ? "" : "as \(q) at \(formatPrometheusFloat(Double(t) / 1000))"
            if let problem = await check(engine, q, { try await engine.instantQuery(q, at: t) }) {
                return problem + (context.isEmpty ? "" : " (\(context))")
            }
            if let problem = await checkRangeMode(engine, q, at: t) {
                return problem + " (range mode\(context.isEmpty ? "" : ", " + context))"
            }
        }
        return nil
    }

    /// Runs one query and checks failure expectations, annotations and the value.
    private func check(_ engine: Engine, _ q: String, _ runQuery: () async throws -> QueryResult) async -> String? {
        let result: QueryResult
        do {
            result = try await runQuery()
        } catch {
            let message = (error as? PromQLError)?.message ?? "\(error)"
            guard expectsFailure else { return "unexpected error: \(message)" }
            for e in expects where e.kind == .fail {
                if let m = e.message, m != message { return "expected error \"\(m)\", got \"\(message)\"" }
                if let r = e.regex, message.range(of: r, options: .regularExpression) == nil {
                    return "expected error matching \(r), got \"\(message)\""
                }
            }
            return nil
        }
        if expectsFailure { return "expected an error, got \(describe(result.value))" }
        if let problem = checkAnnotations(result.annotations) { return problem }
        return compare(result.value)
    }

    /// The instant query `q` at `t` evaluated as a range query from `t - 1m` to `t + 1m` with a 1m step:
    /// the point at `t` must equal the expected instant result.
    private func checkRangeMode(_ engine: Engine, _ q: String, at t: Int64) async -> String? {
        if expectsFailure || rangeVector != nil || expectedString != nil { return nil }
        if q.range(of: #"(start|end|range|step)\(\)"#, options: .regularExpression) != nil { return nil }
        let result: QueryResult
        do {
            result = try await engine.rangeQuery(q, start: t - 60_000, end: t + 60_000, step: 60_000)
        } catch {
            return "unexpected error: \((error as? PromQLError)?.message ?? "\(error)")"
        }
        if expects.contains(where: { $0.kind == .ordered }) { return nil }
        guard case .matrix(let series) = result.value else { return "range query returned \(describe(result.value))" }
        for (a, b) in zip(series, series.dropFirst()) where b.labels < a.labels {
            return "matrix not sorted by labels: \(b.labels) after \(a.labels)"
        }
        let vector = series.compactMap { s in s.points.first { $0.t == t }.map { VectorElement(labels: s.labels, t: t, v: $0.v) } }
        if expectedScalar != nil {
            guard let first = vector.first else { return "expected a scalar, range query returned no point at the evaluation time" }
            return compare(.scalar(t: t, v: first.v))
        }
        return compare(.vector(vector))
    }

    private func checkAnnotations(_ a: Annotations) -> String? {
        for (kind, noKind, actual, eval) in [(Expect.Kind.warn, Expect.Kind.no_warn, a.warnings, "warning"),
                                             (.info, .no_info, a.infos, "info")] {
            if expects.contains(where: { $0.kind == noKind }) && !actual.isEmpty {
                return "expected no \(eval) annotations, got \(actual)"
            }
            let wanted = expects.filter { $0.kind == kind }
            if wanted.isEmpty { continue }
            if actual.isEmpty { return "expected \(eval) annotations, got none" }
            for w in wanted {
                if let m = w.message, !actual.contains(m) { return "expected \(eval) \"\(m)\", got \(actual)" }
                if let r = w.regex, !actual.contains(where: { $0.range(of: r, options: .regularExpression) != nil }) {
                    return "expected \(eval) matching \(r), got \(actual)"
                }
            }
            for got in actual {
                let matched = wanted.contains { w in
                    if let m = w.message { return m == got }
                    if let r = w.regex { return got.range(of: r, options: .regularExpression) != nil }
                    return true
                }
                if !matched { return "unexpected \(eval) \"\(got)\"" }
            }
        }
        return nil
    }

    private func equal(_ a: Double, _ b: Double) -> Bool {
        if StaleNaN.isStale(a) || StaleNaN.isStale(b) { return StaleNaN.isStale(a) && StaleNaN.isStale(b) }
        return almostEqual(a, b, tolerance: 1e-6)
    }

    private func compare(_ value: QueryValue) -> String? {
        if let s = expectedString {
            guard case .string(_, let got) = value else { return "expected string \"\(s)\", got \(describe(value))" }
            return got == s ? nil : "expected string \"\(s)\", got \"\(got)\""
        }
        if let want = expectedScalar {
            guard case .scalar(_, let got) = value else { return "expected scalar \(want), got \(describe(value))" }
            return equal(want, got) ? nil : "expected scalar \(formatPrometheusFloat(want)), got \(formatPrometheusFloat(got))"
        }
        let wanted = expected.filter { _, values in values.contains { $0 != .omitted } }
        var index: [Labels: [SequenceValue]] = [:]
        for (l, v) in wanted { index[l] = v }
        switch value {
        case .scalar(_, let v):
            return "expected a vector, got scalar \(formatPrometheusFloat(v))"
        case .string(_, let s):
            return "expected a vector, got string \"\(s)\""
        case .vector(let elements):
            if elements.count != wanted.count {
                return "expected \(wanted.count) series, got \(elements.count): \(describe(value))"
            }
            for (k, e) in elements.enumerated() {
                guard let exp = index[e.labels], case .value(let want) = exp.first(where: { $0 != .omitted }) else {
                    return "unexpected series \(e.labels) \(formatPrometheusFloat(e.v)); got \(describe(value))"
                }
                if !equal(want, e.v) { return "series \(e.labels): expected \(formatPrometheusFloat(want)), got \(formatPrometheusFloat(e.v))" }
                if expects.contains(where: { $0.kind == .ordered }) && wanted[k].0 != e.labels {
                    return "expected \(wanted[k].0) at position \(k + 1), got \(e.labels)"
                }
            }
            return nil
        case .matrix(let series):
            if expects.contains(where: { $0.kind == .ordered }) { return "expected ordered result, but query returned a matrix" }
            let (start, step) = rangeVector ?? (rangeStart, rangeStep)
            if series.count != wanted.count { return "expected \(wanted.count) series, got \(series.count): \(describe(value))" }
            for s in series {
                guard let exp = index[s.labels] else { return "unexpected series \(s.labels); got \(describe(value))" }
                var points: [Sample] = []
                for (k, v) in exp.enumerated() {
                    if case .value(let f) = v { points.append(Sample(start + Int64(k) * step, f)) }
                }
                if points.count != s.points.count || zip(points, s.points).contains(where: { $0.t != $1.t || !equal($0.v, $1.v) }) {
                    return "series \(s.labels): expected \(fmt(points)), got \(fmt(s.points))"
                }
            }
            return nil
        }
    }

    private func fmt(_ points: [Sample]) -> String {
        points.map { "\(formatPrometheusFloat($0.v))@\(Double($0.t) / 1000)" }.joined(separator: " ")
    }

    private func describe(_ v: QueryValue) -> String {
        switch v {
        case .scalar(_, let f): return "scalar \(formatPrometheusFloat(f))"
        case .string(_, let s): return "string \"\(s)\""
        case .vector(let e): return "{" + e.map { "\($0.labels) => \(formatPrometheusFloat($0.v))" }.joined(separator: ", ") + "}"
        case .matrix(let m): return "{" + m.map { "\($0.labels) => \(fmt($0.points))" }.joined(separator: ", ") + "}"
        }
    }
}
