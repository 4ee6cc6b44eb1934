import Foundation
import OspreyCore

/// One query as sent to both servers.
struct DiffQuery: Sendable, CustomStringConvertible {
    enum Shape: Sendable {
        case instant(timeSeconds: Int64)
        case range(start: Int64, end: Int64, step: Int64)
    }
    let expression: GeneratedExpression
    let shape: Shape

    /// The request target for a server speaking `text`.
    func requestTarget(_ text: String) -> String {
        switch shape {
        case .instant(let t): return target("/api/v1/query", [("query", text), ("time", String(t))])
        case .range(let start, let end, let step):
            return target("/api/v1/query_range", [("query", text), ("start", String(start)), ("end", String(end)), ("step", String(step))])
        }
    }

    var description: String {
        switch shape {
        case .instant(let t): return "instant query at \(t): \(expression.text)"
        case .range(let start, let end, let step): return "range query start=\(start) end=\(end) step=\(step): \(expression.text)"
        }
    }
}

/// A query API answer reduced to what is compared: the error type, or the result type and its series
/// (a scalar or string is one series without labels) with points as (ms, value text), in response order.
struct QueryAnswer: Sendable, CustomStringConvertible {
    var errorType: String?
    var error: String?
    var resultType = ""
    var series: [(labels: Labels, points: [(t: Int64, v: String)])] = []

    init(_ response: HTTPResponse) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            errorType = "malformed"
            error = "HTTP \(response.status), not a JSON object: \(response.text.prefix(300))"
            return
        }
        if object["status"] as? String != "success" {
            errorType = object["errorType"] as? String ?? "missing errorType"
            error = object["error"] as? String ?? "HTTP \(response.status) without an error message"
            return
        }
        guard let data = object["data"] as? [String: Any], let type = data["resultType"] as? String else {
            errorType = "malformed"
            error = "success without data.resultType: \(response.text.prefix(300))"
            return
        }
        resultType = type
        func point(_ any: Any?) -> (Int64, String)? {
            guard let pair = any as? [Any], pair.count == 2, let t = (pair[0] as? NSNumber)?.doubleValue, let v = pair[1] as? String else { return nil }
            return (Int64((t * 1000).rounded()), v)
        }
        func labels(_ any: Any?) -> Labels { Labels((any as? [String: String]) ?? [:]) }
        switch type {
        case "scalar", "string":
            if let p = point(data["result"]) { series = [(Labels([:] as [String: String]), [p])] }
        case "vector":
            for item in data["result"] as? [[String: Any]] ?? [] {
                series.append((labels(item["metric"]), point(item["value"]).map { [$0] } ?? []))
            }
        case "matrix":
            for item in data["result"] as? [[String: Any]] ?? [] {
                series.append((labels(item["metric"]), (item["values"] as? [Any] ?? []).compactMap(point)))
            }
        default:
            errorType = "malformed"
            error = "unknown resultType \(type)"
        }
    }

    var description: String {
        if let errorType { return "error \(errorType): \(error ?? "")" }
        let shown = series.prefix(6).map { s in
            let points = s.points.prefix(4).map { "\($0.v)@\($0.t)" }.joined(separator: " ")
            return "\(s.labels) => \(points)\(s.points.count > 4 ? " …(\(s.points.count) points)" : "")"
        }
        return "\(resultType) of \(series.count) series: [\(shown.joined(separator: "; "))\(series.count > 6 ? "; …" : "")]"
    }
}

enum AnswerComparison {
    /// Values agree when both are NaN, both the same infinity, or within this relative difference.
    /// Summation order differs between engines (Prometheus 3 uses Kahan summation in sum/avg and the
    /// *_over_time functions, 2.42 does not), which moves results by a few units in the last place;
    /// 1e-9 leaves room for that while any real difference in a function's result is far larger.
    static let relativeTolerance = 1e-9
    /// Below this magnitude values compare absolutely (a sum that cancels to 0 in one engine and 1e-13 in another).
    static let absoluteTolerance = 1e-9

    static func valuesAgree(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        guard let x = parseGoFloat(a), let y = parseGoFloat(b) else { return false }
        if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
        if x.isInfinite || y.isInfinite { return x == y }
        let difference = abs(x - y)
        return difference <= absoluteTolerance || difference <= relativeTolerance * max(abs(x), abs(y))
    }

    /// What differs between the reference answer and the subject's, or an empty list.
    /// `tolerated` says which (reference, subject) value pairs count as equal besides `valuesAgree`.
    static func differences(reference: QueryAnswer, subject: QueryAnswer, ordered: Bool,
                            tolerated: ((String, String) -> Bool)? = nil) -> [String] {
        if reference.errorType != nil || subject.errorType != nil {
            if reference.errorType == subject.errorType { return [] }
            return ["reference \(reference.errorType.map { "fails (\($0))" } ?? "succeeds"), subject \(subject.errorType.map { "fails (\($0))" } ?? "succeeds")"]
        }
        if reference.resultType != subject.resultType {
            return ["result type: reference \(reference.resultType), subject \(subject.resultType)"]
        }
        var problems: [String] = []
        func index(_ answer: QueryAnswer, _ who: String) -> [Labels: [(t: Int64, v: String)]] {
            var out: [Labels: [(t: Int64, v: String)]] = [:]
            for s in answer.series {
                if out[s.labels] != nil { problems.append("\(who) returns series \(s.labels) twice") }
                out[s.labels] = s.points
            }
            return out
        }
        let want = index(reference, "reference"), got = index(subject, "subject")
        let missing = want.keys.filter { got[$0] == nil }.sorted()
        let extra = got.keys.filter { want[$0] == nil }.sorted()
        if !missing.isEmpty { problems.append("\(missing.count) series missing in subject, e.g. \(missing.prefix(3).map(\.description))") }
        if !extra.isEmpty { problems.append("\(extra.count) series only in subject, e.g. \(extra.prefix(3).map(\.description))") }
        for (labels, wantPoints) in want.sorted(by: { $0.key < $1.key }) {
            guard let gotPoints = got[labels] else { continue }
            if let problem = pointDifference(wantPoints, gotPoints, tolerated) { problems.append("\(labels): \(problem)") }
        }
        if ordered && problems.isEmpty {
            let wantOrder = reference.series.map { $0.points.first?.v ?? "" }
            let gotOrder = subject.series.map { $0.points.first?.v ?? "" }
            if wantOrder.count != gotOrder.count || !zip(wantOrder, gotOrder).allSatisfy({ valuesAgree($0, $1) }) {
                problems.append("order of values: reference \(wantOrder.prefix(10)), subject \(gotOrder.prefix(10))")
            }
        }
        return problems
    }

    private static func pointDifference(_ want: [(t: Int64, v: String)], _ got: [(t: Int64, v: String)],
                                        _ tolerated: ((String, String) -> Bool)?) -> String? {
        let wantByTime = Dictionary(want.map { ($0.t, $0.v) }, uniquingKeysWith: { a, _ in a })
        let gotByTime = Dictionary(got.map { ($0.t, $0.v) }, uniquingKeysWith: { a, _ in a })
        let missing = want.filter { gotByTime[$0.t] == nil }.map(\.t)
        let extra = got.filter { wantByTime[$0.t] == nil }.map(\.t)
        let differing = want.compactMap { w -> String? in
            guard let g = gotByTime[w.t], !valuesAgree(w.v, g), tolerated?(w.v, g) != true else { return nil }
            return "@\(w.t) reference \(w.v), subject \(g)"
        }
        if missing.isEmpty && extra.isEmpty && differing.isEmpty && want.count == got.count { return nil }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("points missing at \(missing.prefix(3))") }
        if !extra.isEmpty { parts.append("extra points at \(extra.prefix(3))") }
        if !differing.isEmpty { parts.append("\(differing.count) values differ: \(differing.prefix(3).joined(separator: ", "))") }
        if want.count != got.count && parts.isEmpty { parts.append("\(want.count) points, subject \(got.count)") }
        return parts.joined(separator: "; ")
    }
}

extension QueryAnswer {
    /// The same answer with `__name__` removed from every series.
    var withoutMetricNames: QueryAnswer {
        var copy = self
        copy.series = series.map { (Labels($0.labels.filter { $0.name != Labels.metricNameLabel }), $0.points) }
        return copy
    }

    /// For each timestamp, the sorted values of all series there (NaN as "NaN"): what a selection among ties leaves equal.
    var valuesByTime: [Int64: [String]] {
        var out: [Int64: [Double]] = [:]
        for s in series { for p in s.points { out[p.t, default: []].append(parseGoFloat(p.v) ?? .nan) } }
        return out.mapValues { values in
            values.sorted { a, b in a.isNaN ? false : (b.isNaN ? true : a < b) }.map { $0.isNaN ? "NaN" : String($0) }
        }
    }
}

extension QueryAnswer {
    /// The same answer without points before `ms`, and without series left empty.
    /// The answer with only the points before `ms`.
    func onlyBefore(_ ms: Int64) -> QueryAnswer {
        var copy = self
        copy.series = series.map { ($0.labels, $0.points.filter { $0.t < ms }) }.filter { !$0.1.isEmpty }
        return copy
    }

    func onlyAfter(_ ms: Int64) -> QueryAnswer {
        var copy = self
        copy.series = series.map { ($0.labels, $0.points.filter { $0.t >= ms }) }.filter { !$0.1.isEmpty }
        return copy
    }
}

/// Text rewrites of generated expressions used to check a known difference.
enum PromQLRewrite {
    /// Every filtering comparison between vectors with `on`/`ignoring` matching gets the `bool` modifier, so each
    /// matched pair produces output. Nil when the text has no such comparison.
    static func comparisonsWithBool(_ text: String) -> String? {
        let pattern = #"(==|!=|>=|<=|>|<)(\s*)(on|ignoring)(\s*\()"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        guard regex.firstMatch(in: text, range: range) != nil else { return nil }
        return regex.stringByReplacingMatches(in: text, range: range, withTemplate: "$1 bool $3$4")
    }

    /// Every `stddev`/`stdvar` aggregation `OP G (x)` becomes `(OP G (x) + 0 * sum G (x))`: NaN for groups that
    /// hold NaN or ±Inf (as Prometheus 3 answers), unchanged otherwise. Nil when the text has none.
    static func nanPropagatingStddev(_ text: String) -> String? {
        var chars = Array(text)
        var changed = false
        var searchEnd = chars.count
        while let start = lastAggregation(in: chars, before: searchEnd) {
            searchEnd = start
            let op = String(chars[start..<(start + 6)])
            var i = start + 6
            var grouping = ""
            func skipSpaces() { while i < chars.count && chars[i] == " " { i += 1 } }
            func groupingClause() -> String? {
                skipSpaces()
                for word in ["by", "without"] where String(chars[i...].prefix(word.count)) == word {
                    let from = i
                    i += word.count
                    skipSpaces()
                    guard i < chars.count, chars[i] == "(", let close = matchingParen(chars, i) else { return nil }
                    i = close + 1
                    return String(chars[from..<i])
                }
                return ""
            }
            guard let before = groupingClause() else { continue }
            grouping = before
            skipSpaces()
            guard i < chars.count, chars[i] == "(", let close = matchingParen(chars, i) else { continue }
            let argument = String(chars[i...close])
            i = close + 1
            let afterStart = i
            if grouping.isEmpty, let after = groupingClause(), !after.isEmpty { grouping = after } else { i = afterStart }
            let replacement = "(\(op) \(grouping) \(argument) + 0 * sum \(grouping) \(argument))"
            chars.replaceSubrange(start..<i, with: Array(replacement))
            changed = true
        }
        return changed ? String(chars) : nil
    }

    /// The start of the last `stddev`/`stdvar` aggregation (not `*_over_time`) starting before `end`.
    private static func lastAggregation(in chars: [Character], before end: Int) -> Int? {
        var i = min(end, chars.count - 6) - 1
        while i >= 0 {
            let word = String(chars[i..<(i + 6)])
            let boundaryBefore = i == 0 || !(chars[i - 1].isLetter || chars[i - 1] == "_")
            let next = i + 6 < chars.count ? chars[i + 6] : " "
            if (word == "stddev" || word == "stdvar") && boundaryBefore && !(next.isLetter || next == "_") { return i }
            i -= 1
        }
        return nil
    }

    private static func matchingParen(_ chars: [Character], _ open: Int) -> Int? {
        var depth = 0
        var inString = false
        var i = open
        while i < chars.count {
            let c = chars[i]
            if inString {
                if c == "\\" { i += 1 } else if c == "\"" { inString = false }
            } else if c == "\"" {
                inString = true
            } else if c == "(" {
                depth += 1
            } else if c == ")" {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }

    /// The sum of every duration written in the text (`[10m:30s]`, `offset 5m`), in milliseconds.
    static func durationSumMs(_ text: String) -> Int64 {
        let units: [Character: Int64] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        var total: Int64 = 0
        var digits = ""
        var previous: Character = " "
        for c in text {
            if c.isNumber && (digits.isEmpty ? !(previous.isLetter || previous == "_" || previous == ".") : true) {
                digits.append(c)
            } else {
                if let n = Int64(digits), let unit = units[c] { total += n * unit }
                digits = ""
            }
            previous = c
        }
        return total
    }
}
