import MetricStore
import OspreyCore

/// One series of an evaluated expression: a point per step at which it has a value (`t` is the step time).
struct StepSeries {
    var labels: Labels
    var points: [Sample]
    /// Delayed `__name__` removal: the metric name (and `__type__`/`__unit__`) is dropped when the query ends.
    var dropName = false
}

/// One element of an instant vector during evaluation.
struct Elem {
    var labels: Labels
    var v: Double
    var dropName = false
}

/// What evaluating an expression produced over the evaluator's steps.
enum EvalValue {
    /// Instant vectors and scalars (a scalar is one series with no labels and a point at every step).
    case series([StepSeries])
    case string(String)
    /// A range vector (only as the result of an instant query): raw samples per series.
    case range([StepSeries])

    var steps: [StepSeries] {
        switch self {
        case .series(let s), .range(let s): return s
        case .string: return []
        }
    }
}

/// Evaluates one query's expression tree over `[start, end]` with `interval` between steps.
final class Evaluator {
    let querier: any Querier
    var start: Int64
    var end: Int64
    /// Milliseconds between steps; 1 for an instant query (start == end).
    var interval: Int64
    let lookback: Int64
    let maxSamples: Int
    let deadline: ContinuousClock.Instant
    /// The outer query's bounds, for `@ start()`/`@ end()` and `step()`/`range()`.
    let queryStart: Int64
    let queryEnd: Int64
    let queryStep: Int64
    /// Step used by a subquery written without one (`[5m:]`).
    let defaultSubqueryStepMs: Int64 = 60_000

    var currentSamples = 0
    var peakSamples = 0
    var totalSamples = 0
    var notes = NoteSet()
    /// The query text, for annotation positions.
    var queryText = ""

    init(querier: any Querier, start: Int64, end: Int64, interval: Int64, lookback: Int64, maxSamples: Int,
         deadline: ContinuousClock.Instant, queryStep: Int64) {
        self.querier = querier
        self.start = start
        self.end = end
        self.interval = interval
        self.lookback = lookback
        self.maxSamples = maxSamples
        self.deadline = deadline
        self.queryStart = start
        self.queryEnd = end
        self.queryStep = queryStep
    }

    var isInstant: Bool { start == end }
    var numSteps: Int { Int((end - start) / interval) + 1 }
    var stepTimes: StrideThrough<Int64> { stride(from: start, through: end, by: Int64.Stride(interval)) }

    func stepIndex(_ t: Int64) -> Int { Int((t - start) / interval) }

    /// Throws when the query was cancelled or ran past its timeout.
    func checkDone() throws {
        if Task.isCancelled { throw PromQLError(.canceled, "query was canceled in expression evaluation") }
        if ContinuousClock.now > deadline { throw PromQLError(.timeout, "query timed out in expression evaluation") }
    }

    /// Accounts `n` more samples held in memory; throws past `maxSamples`.
    func addSamples(_ n: Int) throws {
        currentSamples += n
        totalSamples += max(n, 0)
        if currentSamples > peakSamples { peakSamples = currentSamples }
        if currentSamples > maxSamples {
            throw PromQLError(.execution, "query processing would load too many samples into memory in query execution")
        }
    }

    func releaseSamples(_ n: Int) { currentSamples = max(0, currentSamples - n) }

    func fail(_ message: String) -> PromQLError { PromQLError(.execution, message) }

    /// Runs `body` in a child evaluation over another step grid (subqueries, step-invariant parts).
    func withRange<T>(start: Int64, end: Int64, interval: Int64, _ body: () throws -> T) rethrows -> T {
        let saved = (self.start, self.end, self.interval)
        self.start = start
        self.end = end
        self.interval = max(interval, 1)
        defer { (self.start, self.end, self.interval) = saved }
        return try body()
    }

    // MARK: - Generic step-wise evaluation

    /// Gathers, for each step, the elements of each argument that have a point at that step, calls `body`
    /// and assembles its outputs into series. Errors on two outputs with the same labels at one step.
    func rangeEval(_ args: [[StepSeries]], _ body: (_ vectors: [[Elem]], _ ts: Int64) throws -> [Elem]) throws -> [StepSeries] {
        var cursors = args.map { [Int](repeating: 0, count: $0.count) }
        var out: [StepSeries] = []
        var index: [Labels: Int] = [:]
        var lastStep: [Int] = []
        for ts in stepTimes {
            try checkDone()
            var vectors: [[Elem]] = []
            vectors.reserveCapacity(args.count)
            for a in args.indices {
                var vec: [Elem] = []
                for s in args[a].indices {
                    let pts = args[a][s].points
                    var c = cursors[a][s]
                    while c < pts.count && pts[c].t < ts { c += 1 }
                    cursors[a][s] = c
                    if c < pts.count && pts[c].t == ts {
                        vec.append(Elem(labels: args[a][s].labels, v: pts[c].v, dropName: args[a][s].dropName))
                    }
                }
                vectors.append(vec)
            }
            let result = try body(vectors, ts)
            try addSamples(result.count)
            if isInstant {
                return result.map { StepSeries(labels: $0.labels, points: [Sample(ts, $0.v)], dropName: $0.dropName) }
            }
            let step = stepIndex(ts)
            for e in result {
                if let i = index[e.labels] {
                    if lastStep[i] == step { throw fail("vector cannot contain metrics with the same labelset") }
                    lastStep[i] = step
                    out[i].points.append(Sample(ts, e.v))
                    if e.dropName { out[i].dropName = true }
                } else {
                    index[e.labels] = out.count
                    lastStep.append(step)
                    out.append(StepSeries(labels: e.labels, points: [Sample(ts, e.v)], dropName: e.dropName))
                }
            }
        }
        return out
    }

    /// Prometheus removes the metric name where an operation drops it and then requires the label sets to stay
    /// unique; here the removal is only marked (`dropName`), so the same rule is checked on the labels the series
    /// will have. With `perStep` two series clash only when they have a point at the same step (operations
    /// evaluated step by step, unary minus); otherwise any two series with points clash (range-vector functions).
    func checkUniqueAfterNameDrop(_ series: [StepSeries], perStep: Bool) throws {
        guard series.count > 1, series.contains(where: { $0.dropName }) else { return }
        var first: [Labels: Int] = [:]
        var times: [Labels: Set<Int64>] = [:]
        for (i, s) in series.enumerated() where !s.points.isEmpty {
            let labels = s.dropName ? s.labels.droppingMetadata() : s.labels
            guard let j = first[labels] else {
                first[labels] = i
                continue
            }
            if !perStep { throw fail("vector cannot contain metrics with the same labelset") }
            if times[labels] == nil { times[labels] = Set(series[j].points.map(\.t)) }
            for p in s.points where !times[labels, default: []].insert(p.t).inserted {
                throw fail("vector cannot contain metrics with the same labelset")
            }
        }
    }

    /// The value of a scalar-typed argument at each step (NaN where it has none).
    func scalarSteps(_ series: [StepSeries]) -> [Double] {
        var values = [Double](repeating: .nan, count: numSteps)
        if let s = series.first {
            for p in s.points where p.t >= start && p.t <= end { values[stepIndex(p.t)] = p.v }
        }
        return values
    }

    /// A scalar series with a point at every step.
    func scalarSeries(_ f: (Int64) -> Double) -> [StepSeries] {
        [StepSeries(labels: Labels(sorted: []), points: stepTimes.map { Sample($0, f($0)) })]
    }
}

/// Warnings and infos in the order raised, without repeats.
struct NoteSet {
    private(set) var warnings: [String] = []
    private(set) var infos: [String] = []
    private var seen: Set<String> = []

    mutating func warn(_ message: String) {
        if seen.insert("w" + message).inserted { warnings.append(message) }
    }

    mutating func info(_ message: String) {
        if seen.insert("i" + message).inserted { infos.append(message) }
    }

    var annotations: Annotations {
        var a = Annotations()
        a.warnings = warnings
        a.infos = infos
        return a
    }
}

extension Labels {
    /// Drops `__name__`, `__type__` and `__unit__` (Prometheus's metadata labels).
    func droppingMetadata() -> Labels {
        guard labels.contains(where: { $0.name.hasPrefix("__") }) else { return self }
        return Labels(sorted: labels.filter { $0.name != "__name__" && $0.name != "__type__" && $0.name != "__unit__" })
    }

    func keeping(_ names: [String]) -> Labels {
        Labels(sorted: labels.filter { names.contains($0.name) })
    }

    func removing(_ names: [String]) -> Labels {
        Labels(sorted: labels.filter { !names.contains($0.name) })
    }
}
