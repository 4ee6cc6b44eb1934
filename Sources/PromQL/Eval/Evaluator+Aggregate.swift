import Foundation
import OspreyCore

extension Evaluator {
    func evalAggregate(_ a: AggregateExpr) throws -> [StepSeries] {
        let grouping = a.grouping.sorted()
        if a.op == .count_values {
            guard let p = a.param, case .string(let labelName, _) = unwrapParens(p) else {
                throw fail("count_values expects a string parameter")
            }
            guard LabelFunctions.isValidLabelName(labelName) else { throw fail("invalid label name \"\(labelName)\"") }
            let input = try evalSeries(a.expr)
            return try rangeEval([input]) { v, _ in countValues(a, grouping, labelName, v[0]) }
        }
        var params: [Double] = []
        if let p = a.param { params = scalarSteps(try evalSeries(p)) }
        let input = try evalSeries(a.expr)
        try checkParams(a, params)
        return try rangeEval([input]) { v, ts in
            let param = params.isEmpty ? 0 : params[stepIndex(ts)]
            switch a.op {
            case .topk, .bottomk, .limitk, .limit_ratio: return try aggregateK(a, param, v[0])
            default: return aggregate(a, grouping, param, v[0])
            }
        }
    }

    private func checkParams(_ a: AggregateExpr, _ params: [Double]) throws {
        guard let pos = a.param?.position else { return }
        switch a.op {
        case .topk, .bottomk, .limitk:
            if params.contains(where: \.isNaN) { throw fail("Parameter value is NaN") }
            if let mn = params.min(), mn <= -9.223372036854776e18 { throw fail("Scalar value \(formatGoG(mn)) underflows int64") }
            if let mx = params.max(), mx >= 9.223372036854776e18 { throw fail("Scalar value \(formatGoG(mx)) overflows int64") }
        case .limit_ratio:
            if params.contains(where: \.isNaN) { throw fail("Ratio value is NaN") }
            if let mx = params.max(), mx > 1 {
                notes.warn("PromQL warning: ratio value should be between -1 and 1, got \(formatGoG(mx)), capping to 1 (\(positionText(pos)))")
            }
            if let mn = params.min(), mn < -1 {
                notes.warn("PromQL warning: ratio value should be between -1 and 1, got \(formatGoG(mn)), capping to -1 (\(positionText(pos)))")
            }
        case .quantile:
            for q in Set(params.map { $0.isNaN ? Double.nan : $0 }) where q.isNaN || q < 0 || q > 1 {
                notes.warn("PromQL warning: quantile value should be between 0 and 1, got \(formatGoG(q)) (\(positionText(pos)))")
            }
        default: break
        }
    }

    private func groupLabels(_ l: Labels, _ a: AggregateExpr, _ grouping: [String]) -> Labels {
        if a.without { return l.removing(grouping + [Labels.metricNameLabel]) }
        return l.keeping(grouping)
    }

    private struct Group {
        var labels: Labels
        var value = 0.0
        var comp = 0.0
        var mean = 0.0
        var count = 0.0
        var incremental = false
        var values: [Double] = []
        var dropName = false
    }

    private func aggregate(_ a: AggregateExpr, _ grouping: [String], _ param: Double, _ vec: [Elem]) -> [Elem] {
        var order: [Labels] = []
        var groups: [Labels: Group] = [:]
        for e in vec {
            let key = groupLabels(e.labels, a, grouping)
            let f = e.v
            guard var g = groups[key] else {
                var g = Group(labels: key, value: f, mean: f, count: 1, dropName: e.dropName)
                switch a.op {
                case .stddev, .stdvar: g.value = (f.isNaN || f.isInfinite) ? .nan : 0
                case .quantile: g.values = [f]
                case .group: g.value = 1
                default: break
                }
                order.append(key)
                groups[key] = g
                continue
            }
            if e.dropName { g.dropName = true }
            switch a.op {
            case .sum: (g.value, g.comp) = kahanInc(f, g.value, g.comp)
            case .avg:
                g.count += 1
                if !g.incremental {
                    let (ns, nc) = kahanInc(f, g.value, g.comp)
                    if !ns.isInfinite { g.value = ns; g.comp = nc; break }
                    g.incremental = true
                    g.mean = g.value / (g.count - 1)
                    g.comp /= (g.count - 1)
                }
                let q = (g.count - 1) / g.count
                (g.mean, g.comp) = kahanInc(f / g.count, q * g.mean, q * g.comp)
            case .max: if g.value < f || g.value.isNaN { g.value = f }
            case .min: if g.value > f || g.value.isNaN { g.value = f }
            case .count: g.count += 1
            case .stddev, .stdvar:
                g.count += 1
                let delta = f - g.mean
                g.mean += delta / g.count
                g.value += delta * (f - g.mean)
            case .quantile: g.values.append(f)
            default: break
            }
            groups[key] = g
        }
        return order.map { key in
            var g = groups[key]!
            var v = g.value
            switch a.op {
            case .avg: v = g.incremental ? g.mean + g.comp : g.value / g.count + g.comp / g.count
            case .count: v = g.count
            case .stdvar: v = g.value / g.count
            case .stddev: v = (g.value / g.count).squareRoot()
            case .quantile: v = RangeFunctions.quantile(param, &g.values)
            case .sum: v = g.value + g.comp
            default: break
            }
            return Elem(labels: key, v: v, dropName: g.dropName)
        }
    }

    private func aggregateK(_ a: AggregateExpr, _ param: Double, _ vec: [Elem]) throws -> [Elem] {
        let grouping = a.grouping.sorted()
        var order: [Labels] = []
        var groups: [Labels: [Elem]] = [:]
        for e in vec {
            let key = groupLabels(e.labels, a, grouping)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(e)
        }
        var out: [Elem] = []
        switch a.op {
        case .limit_ratio:
            if param == 0 { return [] }
            let r = min(1, max(-1, param))
            for key in order {
                for e in groups[key]! {
                    let offset = ratioOffset(e.labels)
                    if (r >= 0 && offset < r) || (r < 0 && offset >= 1 + r) { out.append(e) }
                }
            }
            return out
        default:
            let k = min(Int(param), vec.count)
            if k < 1 { return [] }
            for key in order {
                let members = groups[key]!
                switch a.op {
                case .limitk: out.append(contentsOf: members.prefix(k))
                default: out.append(contentsOf: selectK(members, k, top: a.op == .topk))
                }
            }
            return out
        }
    }

    /// topk/bottomk of one group with Prometheus's order among equal values: a binary heap of at most `k`
    /// elements built in input order (the smallest, for topk, at the root and replaced by a bigger newcomer),
    /// then sorted by value with a stable insertion sort.
    private func selectK(_ members: [Elem], _ k: Int, top: Bool) -> [Elem] {
        // Heap order: the root is the element to evict first. NaN always counts as lower.
        func below(_ a: Double, _ b: Double) -> Bool {
            if a.isNaN { return true }
            return top ? a < b : a > b
        }
        var heap: [Elem] = []
        func up(_ j0: Int) {
            var j = j0
            while j > 0 {
                let i = (j - 1) / 2
                if !below(heap[j].v, heap[i].v) { break }
                heap.swapAt(i, j)
                j = i
            }
        }
        func down(_ i0: Int) {
            var i = i0
            while true {
                let left = 2 * i + 1
                if left >= heap.count { break }
                var j = left
                if left + 1 < heap.count && below(heap[left + 1].v, heap[left].v) { j = left + 1 }
                if !below(heap[j].v, heap[i].v) { break }
                heap.swapAt(i, j)
                i = j
            }
        }
        for e in members {
            if heap.count < k {
                heap.append(e)
                up(heap.count - 1)
            } else if (top ? heap[0].v < e.v : heap[0].v > e.v) || (heap[0].v.isNaN && !e.v.isNaN) {
                heap[0] = e
                if k > 1 { down(0) }
            }
        }
        // Stable sort, best first.
        for i in 1..<max(1, heap.count) {
            var j = i
            while j > 0 && below(heap[j - 1].v, heap[j].v) {
                heap.swapAt(j, j - 1)
                j -= 1
            }
        }
        return heap
    }

    /// A series' position in [0, 1) for `limit_ratio`: the XXH64 hash of its label set (each name and value
    /// followed by 0xff), as Prometheus computes it, so the same series are chosen.
    private func ratioOffset(_ l: Labels) -> Double {
        var bytes: [UInt8] = []
        for label in l {
            bytes.append(contentsOf: label.name.utf8)
            bytes.append(0xff)
            bytes.append(contentsOf: label.value.utf8)
            bytes.append(0xff)
        }
        return Double(XXHash64.hash(bytes)) / Double(UInt64.max)
    }

    private func countValues(_ a: AggregateExpr, _ grouping: [String], _ labelName: String, _ vec: [Elem]) -> [Elem] {
        var order: [Labels] = []
        var counts: [Labels: Double] = [:]
        for e in vec {
            let value = formatPrometheusFloat(e.v)
            var key = groupLabels(e.labels, a, grouping)
            key = key.setting(labelName, value)
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        return order.map { Elem(labels: $0, v: counts[$0]!) }
    }
}
