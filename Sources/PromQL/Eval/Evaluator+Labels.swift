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
        let replace = try LabelFunctions.replacer(dst: dst, replacement: repl, src: src, regex: pattern)
        return try relabel(try evalSeries(args[0]), dst: dst, always: false, replace)
    }

    func evalLabelJoin(_ args: [Expr]) throws -> [StepSeries] {
        let dst = try stringArg(args[1], "label_join"), sep = try stringArg(args[2], "label_join")
        let srcs = try args.dropFirst(3).map { try stringArg($0, "label_join") }
        _ = try LabelFunctions.join(Labels(sorted: []), dst: dst, separator: sep, src: srcs)
        return try relabel(try evalSeries(args[0]), dst: dst, always: true) { labels in
            (try? LabelFunctions.join(labels, dst: dst, separator: sep, src: srcs)) ?? labels
        }
    }

    /// Applies `change` to every series' labels; setting `__name__` (`always`, or when `change` changed the
    /// labels) keeps the new name in the result.
    private func relabel(_ input: [StepSeries], dst: String, always: Bool, _ change: (Labels) -> Labels) throws -> [StepSeries] {
        var series = input
        for i in series.indices {
            let before = series[i].labels
            series[i].labels = change(before)
            if dst == Labels.metricNameLabel && (always || series[i].labels != before) { series[i].dropName = false }
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

/// A label set as Prometheus prints it in error messages: every label inside the braces, `__name__` included:
/// `{__name__="up", job="api"}`.
func goLabelsText(_ l: Labels) -> String {
    "{" + l.map { "\($0.name)=\(goQuote($0.value))" }.joined(separator: ", ") + "}"
}
