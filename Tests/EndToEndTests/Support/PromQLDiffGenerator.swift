import OspreyCore

/// One generated PromQL expression in the newest Prometheus's syntax.
struct GeneratedExpression: Sendable {
    enum Kind: Sendable { case instantVector, rangeVector, scalar, invalid }
    let text: String
    let kind: Kind
    /// The outermost operation orders its result (`sort`, `sort_desc`), so an instant query's order matters.
    let ordered: Bool

    /// The same expression for Prometheus 2.42, which knows `double_exponential_smoothing` by its old name.
    var prometheus242Text: String {
        text.replacingOccurrences(of: "double_exponential_smoothing(", with: "holt_winters(")
    }
}

/// A seeded random generator of PromQL expressions over `PromQLDiffData`'s metrics: selectors with every
/// matcher kind, offset and @, range functions over ranges and subqueries, aggregations with by/without and
/// parameters, binary operators with on/ignoring/group_left/group_right/bool and set operators, scalar
/// arithmetic, histogram_quantile over rates of buckets, label_replace/label_join, sort, clamp and the
/// other value functions. It only produces what Prometheus 2.42 also has (see `PromQLDifferentialTests`).
///
/// Query times are whole seconds ≡ 7 s (mod 10 s), and every duration it writes is a multiple of 10 s,
/// so no window boundary, subquery step or `@` time ever falls on a sample (all samples have a
/// non-zero millisecond part) and subquery steps never align with a window's start.
struct PromQLExprGenerator {
    private var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    static let ranges = ["30s", "1m", "90s", "2m", "5m", "10m", "30m", "1h"]
    static let subqueryRanges = ["2m", "5m", "10m", "30m"]
    static let subquerySteps = ["", "10s", "30s", "1m", "2m"]
    static let offsets = ["30s", "1m", "5m", "10m", "1h", "-1m", "-5m"]
    static let groupingLabels = ["job", "instance", "method", "code", "le", "sensor", "version", "nonexistent"]

    /// A whole-second query time in the data's span (plus ten minutes after it, where series have gone stale).
    mutating func queryTimeSeconds() -> Int64 {
        let first = PromQLDiffData.startMs / 1000 + 60
        let spanTens = (PromQLDiffData.endMs - PromQLDiffData.startMs) / 10_000 + 60
        return first + Int64(int(Int(spanTens))) * 10 + 7
    }

    /// A range query: start (whole seconds, ≡ 7 mod 10), end and step in seconds, at most 60 steps.
    mutating func rangeQuery() -> (start: Int64, end: Int64, step: Int64) {
        let step = pick([10, 30, 60, 120, 300] as [Int64])
        let points = Int64(2 + int(59))
        let start = queryTimeSeconds() - points * step / 2
        return (start, start + (points - 1) * step, step)
    }

    mutating func expression() -> GeneratedExpression {
        let roll = int(100)
        if roll < 78 {
            let e = instant(depth: 3)
            return GeneratedExpression(text: e.text, kind: .instantVector, ordered: e.ordered)
        }
        if roll < 88 { return GeneratedExpression(text: scalar(depth: 2), kind: .scalar, ordered: false) }
        if roll < 96 { return GeneratedExpression(text: rangeVector(depth: 2), kind: .rangeVector, ordered: false) }
        return GeneratedExpression(text: broken(), kind: .invalid, ordered: false)
    }

    // MARK: - Instant vectors

    /// An instant-vector expression; `ordered` when its outermost call is sort or sort_desc.
    mutating func instant(depth: Int, metric: String? = nil) -> (text: String, ordered: Bool) {
        if depth <= 0 { return (selectorWithModifiers(metric: metric), false) }
        switch int(100) {
        case 0..<12: return (selectorWithModifiers(metric: metric), false)
        case 12..<30: return (rangeFunction(depth: depth, metric: metric), false)
        case 30..<42: return (valueFunction(depth: depth, metric: metric), false)
        case 42..<58: return (aggregation(depth: depth, metric: metric), false)
        case 58..<72: return (binary(depth: depth, metric: metric), false)
        case 72..<80: return (vectorScalar(depth: depth, metric: metric), false)
        case 80..<86: return (histogramQuantile(), false)
        case 86..<91: return (labelFunction(depth: depth, metric: metric), false)
        case 91..<95:
            return ("\(pick(["sort", "sort_desc"]))(\(instant(depth: depth - 1, metric: metric).text))", true)
        case 95..<97: return (pick(["absent(\(selector(metric: metric)))", "absent(nonexistent_metric{job=\"api\"})",
                                    "vector(\(scalar(depth: depth - 1)))", "\(pick(Self.dateFunctions))()"]), false)
        default: return (pick(["-\(paren(instant(depth: depth - 1, metric: metric).text))",
                               "(\(instant(depth: depth - 1, metric: metric).text))"]), false)
        }
    }

    /// A selector, now and then with offset and @ (`bothModifiers: false`: never both at once).
    mutating func selectorWithModifiers(metric: String?, bothModifiers: Bool = true) -> String {
        var s = selector(metric: metric)
        let offset = chance(0.15)
        if offset { s += " offset \(pick(Self.offsets))" }
        if (bothModifiers || !offset) && chance(0.08) { s += " @ \(atTime())" }
        return s
    }

    /// A vector selector with zero to two matchers of any kind; now and then one without a metric name.
    mutating func selector(metric: String? = nil) -> String {
        if metric == nil && chance(0.08) {
            return pick([
                "{__name__=~\"http_requests_total|queue_depth\"}", "{job=\"worker\"}", "{__name__=~\"request_duration_seconds_(sum|count)\"}",
                "{instance=~\"a:80|w1\",__name__!=\"build_info\"}", "{__name__=\"up\",job!~\"api|web\"}",
            ])
        }
        let name = metric ?? pick(PromQLDiffData.metrics.map(\.name))
        let labels = PromQLDiffData.metrics.first { $0.name == name }?.labels ?? []
        var matchers: [String] = []
        for _ in 0..<int(3) where !labels.isEmpty {
            let label = chance(0.9) ? pick(labels) : pick(Self.groupingLabels)
            let values = PromQLDiffData.labelValues[label] ?? ["x"]
            switch int(9) {
            case 0...2: matchers.append("\(label)=\"\(pick(values))\"")
            case 3: matchers.append("\(label)!=\"\(pick(values))\"")
            case 4...5: matchers.append("\(label)=~\"\(regex(values))\"")
            case 6: matchers.append("\(label)!~\"\(regex(values))\"")
            case 7: matchers.append("\(label)=\"\"")
            default: matchers.append("\(label)!=\"\"")
            }
        }
        return matchers.isEmpty ? name : "\(name){\(matchers.joined(separator: ","))}"
    }

    private mutating func regex(_ values: [String]) -> String {
        switch int(6) {
        case 0: return ".*"
        case 1: return ".+"
        case 2: return "\(pick(values))|\(pick(values))"
        case 3: return String(pick(values).prefix(1)) + ".*"
        case 4: return pick(values).replacingOccurrences(of: "+", with: "\\\\+")
        default: return "(\(pick(values))|zz)"
        }
    }

    private mutating func atTime() -> String {
        switch int(4) {
        case 0: return "start()"
        case 1: return "end()"
        default: return String(queryTimeSeconds())
        }
    }

    // MARK: - Range vectors and functions over them

    mutating func rangeVector(depth: Int, metric: String? = nil) -> String {
        if depth >= 1 && chance(0.22) {
            let inner = instant(depth: min(depth - 1, 1), metric: metric).text
            var s = "(\(inner))[\(pick(Self.subqueryRanges)):\(pick(Self.subquerySteps))]"
            if chance(0.15) { s += " offset \(pick(Self.offsets))" }
            if chance(0.05) { s += " @ \(atTime())" }
            return s
        }
        var s = "\(selector(metric: metric))[\(pick(Self.ranges))]"
        if chance(0.12) { s += " offset \(pick(Self.offsets))" }
        if chance(0.08) { s += " @ \(atTime())" }
        return s
    }

    static let counterRangeFunctions = ["rate", "irate", "increase", "resets"]
    static let rangeFunctions = [
        "delta", "idelta", "deriv", "changes", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
        "count_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time", "absent_over_time",
    ]

    mutating func rangeFunction(depth: Int, metric: String?) -> String {
        let counters = PromQLDiffData.metrics.filter(\.counter).map(\.name)
        switch int(10) {
        case 0..<4:
            let m = metric ?? pick(counters)
            return "\(pick(Self.counterRangeFunctions))(\(rangeVector(depth: depth - 1, metric: m)))"
        case 4..<8: return "\(pick(Self.rangeFunctions))(\(rangeVector(depth: depth - 1, metric: metric)))"
        case 8: return "quantile_over_time(\(pick(["0", "0.1", "0.5", "0.95", "1", "-1", "2"])), \(rangeVector(depth: depth - 1, metric: metric)))"
        default:
            if chance(0.5) { return "predict_linear(\(rangeVector(depth: depth - 1, metric: metric)), \(pick(["60", "600", "-300", "0"])))" }
            return "double_exponential_smoothing(\(rangeVector(depth: depth - 1, metric: metric)), \(pick(["0.1", "0.5", "0.9"])), \(pick(["0.1", "0.5", "0.9"])))"
        }
    }

    // MARK: - Functions of instant vectors

    static let plainFunctions = [
        "abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "round", "timestamp",
        "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad",
    ]
    static let dateFunctions = ["minute", "hour", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "month", "year"]

    mutating func valueFunction(depth: Int, metric: String?) -> String {
        let arg = instant(depth: depth - 1, metric: metric).text
        switch int(10) {
        case 0..<5: return "\(pick(Self.plainFunctions))(\(arg))"
        case 5: return "round(\(arg), \(pick(["0.5", "10", "0.01", "3"])))"
        case 6: return "clamp(\(arg), \(pick(["-5", "0", "1"])), \(pick(["10", "100", "-10"])))"
        case 7: return "\(pick(["clamp_min", "clamp_max"]))(\(arg), \(scalar(depth: 0)))"
        case 8:
            let timestamps = pick(["batch_job_last_run", "timestamp(\(selector()))", arg])
            return "\(pick(Self.dateFunctions))(\(timestamps))"
        default: return "timestamp(\(selectorWithModifiers(metric: metric, bothModifiers: false)))"
        }
    }

    mutating func labelFunction(depth: Int, metric: String?) -> String {
        let arg = instant(depth: depth - 1, metric: metric).text
        if chance(0.7) {
            let dst = pick(["host", "job", "instance", "new_label", "__name__"])
            let src = pick(["instance", "job", "code", "method", "nonexistent"])
            let (re, replacement) = pick([("(.*):.*", "$1"), ("(.*)", "x-$1"), ("(a|b).*", "${1}_host"), ("", "fixed"), ("(.+)", ""),
                                          ("([a-z]+)", "$1$1"), ("(", "$1")])
            return "label_replace(\(arg), \"\(dst)\", \"\(replacement)\", \"\(src)\", \"\(re)\")"
        }
        let sources = (0..<int(3)).map { _ in "\"\(pick(["job", "instance", "code", "nonexistent"]))\"" }
        return "label_join(\(arg), \"\(pick(["joined", "job"]))\", \"\(pick(["-", ",", ""]))\"\(sources.map { ", " + $0 }.joined()))"
    }

    mutating func histogramQuantile() -> String {
        let q = pick(["0.5", "0.9", "0.99", "0", "1", "-0.1", "1.5"])
        var buckets = "request_duration_seconds_bucket"
        if chance(0.3) { buckets += "{instance=\"\(pick(["a:80", "b:80"]))\"}" }
        let rate = "\(pick(["rate", "increase", "irate"]))(\(buckets)[\(pick(Self.ranges))])"
        switch int(4) {
        case 0: return "histogram_quantile(\(q), \(rate))"
        case 1: return "histogram_quantile(\(q), sum by (le) (\(rate)))"
        case 2: return "histogram_quantile(\(q), sum by (\(pick(["le, instance", "job, le", "le, job, instance"]))) (\(rate)))"
        default: return "histogram_quantile(\(q), \(buckets))"
        }
    }

    // MARK: - Aggregations

    mutating func aggregation(depth: Int, metric: String?) -> String {
        let arg = instant(depth: depth - 1, metric: metric).text
        let op = pick(["sum", "avg", "min", "max", "count", "stddev", "stdvar", "group", "topk", "bottomk", "quantile", "count_values"])
        var grouping = ""
        if chance(0.75) {
            let labels = (0..<(1 + int(3))).map { _ in pick(Self.groupingLabels) }
            grouping = "\(chance(0.75) ? "by" : "without") (\(Array(Set(labels)).sorted().joined(separator: ", ")))"
            if chance(0.1) { grouping = pick(["by ()", "without ()"]) }
        }
        let parameter: String
        switch op {
        case "topk", "bottomk": parameter = pick(["1", "2", "3", "0", "scalar(cluster_scale)"]) + ", "
        case "quantile": parameter = pick(["0", "0.25", "0.5", "0.9", "1", "-1", "2"]) + ", "
        case "count_values":
            // A value label that is also a "by" label groups wrongly in Prometheus 2.42 (see the known differences).
            let label = pick(["value", "code", "job"])
            parameter = "\"\(grouping.hasPrefix("by") && grouping.contains(label) ? "value" : label)\", "
        default: parameter = ""
        }
        if grouping.isEmpty { return "\(op)(\(parameter)\(arg))" }
        return chance(0.8) ? "\(op) \(grouping) (\(parameter)\(arg))" : "\(op)(\(parameter)\(arg)) \(grouping)"
    }

    // MARK: - Binary operators

    static let arithmetic = ["+", "-", "*", "/", "%", "^", "atan2"]
    static let comparisons = ["==", "!=", ">", "<", ">=", "<="]

    /// vector op vector. Half the time both sides come from the same metric so that they match.
    mutating func binary(depth: Int, metric: String?) -> String {
        if chance(0.15) { return joinTemplate() }
        let shared = metric ?? (chance(0.6) ? pick(PromQLDiffData.metrics.map(\.name)) : nil)
        let lhs = instant(depth: depth - 1, metric: shared).text
        let rhs = instant(depth: depth - 1, metric: shared).text
        var op: String
        switch int(10) {
        case 0..<5: op = pick(Self.arithmetic)
        case 5..<8: op = pick(Self.comparisons) + (chance(0.4) ? " bool" : "")
        default: op = pick(["and", "or", "unless"])
        }
        let isSet = ["and", "or", "unless"].contains(op)
        if chance(0.35) {
            let labels = (0..<(1 + int(2))).map { _ in pick(Self.groupingLabels) }
            op += " \(pick(["on", "ignoring"]))(\(Array(Set(labels)).sorted().joined(separator: ", ")))"
            if !isSet && chance(0.3) {
                op += " \(pick(["group_left", "group_right"]))"
                // A bare group modifier followed by "(" would read the right side as its label list.
                if chance(0.5) { op += "(\(pick(["version", "code", "le", "method"])))" } else if paren(rhs).hasPrefix("(") { op += "()" }
            }
        } else if chance(0.05) {
            op += " on()"
        }
        return "\(paren(lhs)) \(op) \(paren(rhs))"
    }

    /// Joins that are meant to match: many-to-one onto build_info, per-job shares, rate of sum over count.
    mutating func joinTemplate() -> String {
        let r = pick(["1m", "5m", "10m"])
        switch int(5) {
        case 0: return "\(pick(["up", "rate(http_requests_total[\(r)])", "sum by (job, instance) (rate(http_requests_total[\(r)]))"])) * on(job, instance) group_left(version) build_info"
        case 1: return "sum by (job, instance) (rate(http_requests_total[\(r)])) / on(job) group_left sum by (job) (rate(http_requests_total[\(r)]))"
        case 2: return "rate(request_duration_seconds_sum[\(r)]) / rate(request_duration_seconds_count[\(r)])"
        case 3: return "build_info * on(instance) group_right(version) \(pick(["up", "queue_depth", "rate(http_requests_total[\(r)])"]))"
        default: return "sum without (method, code) (rate(http_requests_total{code=\"500\"}[\(r)])) / ignoring(code) sum without (method, code) (rate(http_requests_total[\(r)]))"
        }
    }

    mutating func vectorScalar(depth: Int, metric: String?) -> String {
        let v = paren(instant(depth: depth - 1, metric: metric).text)
        let s = paren(scalar(depth: depth - 1))
        var op = chance(0.6) ? pick(Self.arithmetic) : pick(Self.comparisons)
        if Self.comparisons.contains(op) && chance(0.4) { op += " bool" }
        return chance(0.7) ? "\(v) \(op) \(s)" : "\(s) \(op) \(v)"
    }

    // MARK: - Scalars

    mutating func scalar(depth: Int) -> String {
        if depth <= 0 || chance(0.35) {
            return pick(["0", "1", "2", "-1", "0.5", "100", "1e3", "3.7", "-0.25", "NaN", "Inf", "-Inf", "0x10"])
        }
        switch int(6) {
        case 0: return "scalar(\(instant(depth: depth - 1).text))"
        case 1: return "scalar(\(pick(["cluster_scale", "sum(up)", "count(queue_depth)", "max(node_temperature_celsius)"])))"
        case 2: return pick(["time()", "pi()"])
        case 3: return "\(paren(scalar(depth: depth - 1))) \(pick(Self.arithmetic)) \(paren(scalar(depth: depth - 1)))"
        case 4: return "\(paren(scalar(depth: depth - 1))) \(pick(Self.comparisons)) bool \(paren(scalar(depth: depth - 1)))"
        default: return "-\(paren(scalar(depth: depth - 1)))"
        }
    }

    // MARK: - Invalid expressions (both servers must reject them the same way)

    mutating func broken() -> String {
        let valid = instant(depth: 2).text
        switch int(7) {
        case 0: return "(" + valid
        case 1: return valid + ")"
        case 2: return "rate(\(selector()))"
        case 3: return "sum by (job) (\(selector())[5m])"
        case 4: return "\(selector()) + "
        case 5: return "unknown_function(\(selector()))"
        default: return "1 > 2"
        }
    }

    // MARK: - Randomness

    private func paren(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } ? s : "(\(s))"
    }

    private mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    private mutating func chance(_ p: Double) -> Bool { Double(rng.next() >> 11) / Double(1 << 53) < p }
    private mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
}
