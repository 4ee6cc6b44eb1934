import Foundation
import OspreyCore

extension Evaluator {
    func stringArg(_ e: Expr, _ fn: String) throws -> String {
        guard case .string(let s, _) = unwrapParens(e) else { throw fail("expected a string argument to \(fn)") }
        return s
    }

    func evalLabelReplace(_ args: [Expr]) throws -> [StepSeries] {
        let dst = try stringArg(args[1], "label_replace"), repl = try stringArg(args[2], "label_replace")
        let src = try stringArg(args[3], "label_replace"), pattern = try stringArg(args[4], "label_replace")
        let regex: Regex<AnyRegexOutput>
        do { regex = try Regex("(?:" + pattern + ")").dotMatchesNewlines() } catch {
            throw fail("invalid regular expression in label_replace(): \(pattern)")
        }
        guard isValidLabelName(dst) else { throw fail("invalid destination label name in label_replace(): \(dst)") }
        var series = try evalSeries(args[0])
        for i in series.indices {
            let value = series[i].labels[src] ?? ""
            guard let m = try? regex.wholeMatch(in: value) else { continue }
            let out = expandTemplate(repl, match: m, in: value)
            series[i].labels = series[i].labels.setting(dst, out)
            if dst == Labels.metricNameLabel { series[i].dropName = false }
        }
        return try mergeSameLabels(series)
    }

    func evalLabelJoin(_ args: [Expr]) throws -> [StepSeries] {
        let dst = try stringArg(args[1], "label_join"), sep = try stringArg(args[2], "label_join")
        let srcs = try args.dropFirst(3).map { try stringArg($0, "label_join") }
        for s in srcs where !isValidLabelName(s) { throw fail("invalid source label name in label_join(): \(s)") }
        guard isValidLabelName(dst) else { throw fail("invalid destination label name in label_join(): \(dst)") }
        var series = try evalSeries(args[0])
        for i in series.indices {
            let value = srcs.map { series[i].labels[$0] ?? "" }.joined(separator: sep)
            series[i].labels = series[i].labels.setting(dst, value)
            if dst == Labels.metricNameLabel { series[i].dropName = false }
        }
        return try mergeSameLabels(series)
    }

    /// Series that ended up with the same labels are merged; overlapping points are an error.
    func mergeSameLabels(_ series: [StepSeries]) throws -> [StepSeries] {
        var index: [Labels: Int] = [:]
        var out: [StepSeries] = []
        for s in series {
            if let i = index[s.labels] {
                var merged = out[i].points + s.points
                merged.sort { $0.t < $1.t }
                for k in merged.indices.dropFirst() where merged[k].t == merged[k - 1].t {
                    throw fail("vector cannot contain metrics with the same labelset")
                }
                out[i].points = merged
            } else {
                index[s.labels] = out.count
                out.append(s)
            }
        }
        return out
    }
}

func isValidLabelName(_ s: String) -> Bool { !s.isEmpty }

/// Expands `$1`, `${1}`, `$name`, `${name}` and `$$` in `template` with the groups of `m` (Go's regexp.Expand).
func expandTemplate(_ template: String, match m: Regex<AnyRegexOutput>.Match, in source: String) -> String {
    var out = ""
    let chars = Array(template)
    var i = 0
    func group(_ name: String) -> String {
        if let n = Int(name) {
            guard n < m.output.count, let sub = m.output[n].substring else { return "" }
            return String(sub)
        }
        guard let sub = m.output[name]?.substring else { return "" }
        return String(sub)
    }
    while i < chars.count {
        let c = chars[i]
        guard c == "$", i + 1 < chars.count else { out.append(c); i += 1; continue }
        let next = chars[i + 1]
        if next == "$" { out.append("$"); i += 2; continue }
        if next == "{" {
            if let close = chars[(i + 2)...].firstIndex(of: "}") {
                let name = String(chars[(i + 2)..<close])
                if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    out += group(name)
                    i = close + 1
                    continue
                }
            }
            out.append(c); i += 1; continue
        }
        var j = i + 1
        while j < chars.count && (chars[j].isASCII && (chars[j].isLetter || chars[j].isNumber) || chars[j] == "_") { j += 1 }
        if j == i + 1 { out.append(c); i += 1; continue }
        out += group(String(chars[(i + 1)..<j]))
        i = j
    }
    return out
}
