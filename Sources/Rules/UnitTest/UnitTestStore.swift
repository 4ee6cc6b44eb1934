import Foundation
import MetricStore
import OspreyCore

/// The in-memory store one unit-test group runs against: input series and rule output, appended in time order
/// (so adding a sample and selecting a time range stay cheap over thousands of evaluation steps). Thread safe.
final class UnitTestStore: Querier, RuleSampleWriter, @unchecked Sendable {
    private let lock = NSLock()
    private var data: [Labels: [Sample]] = [:]

    /// Adds samples to a series; a sample at a timestamp the series already has replaces it.
    func add(_ labels: Labels, _ samples: [Sample]) {
        lock.withLock {
            var list = data[labels] ?? []
            for s in samples {
                if let last = list.last, last.t >= s.t {
                    let i = lowerBound(list, s.t)
                    if i < list.count, list[i].t == s.t { list[i] = s } else { list.insert(s, at: i) }
                } else {
                    list.append(s)
                }
            }
            data[labels] = list
        }
    }

    func write(_ samples: [RuleSample]) throws {
        var bySeries: [Labels: [Sample]] = [:]
        for s in samples { bySeries[s.labels, default: []].append(Sample(s.t, s.v)) }
        for (labels, list) in bySeries { add(labels, list) }
    }

    /// Index of the first sample at or after `t`.
    private func lowerBound(_ list: [Sample], _ t: Int64) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].t < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func select(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [SeriesSamples] {
        lock.withLock {
            var out: [SeriesSamples] = []
            for (labels, list) in data where matchers.allSatisfy({ $0.matches(labels[$0.name] ?? "") }) {
                let from = lowerBound(list, mint)
                let to = lowerBound(list, maxt == Int64.max ? maxt : maxt + 1)
                if from < to { out.append(SeriesSamples(labels: labels, samples: Array(list[from..<to]))) }
            }
            return out.sorted { $0.labels < $1.labels }
        }
    }

    func series(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [Labels] {
        try select(matchers, mint: mint, maxt: maxt).map(\.labels)
    }

    func labelNames(_ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        Array(Set(try series(matchers, mint: mint, maxt: maxt).flatMap { $0.map(\.name) })).sorted()
    }

    func labelValues(_ name: String, _ matchers: [LabelMatcher], mint: Int64, maxt: Int64) throws -> [String] {
        Array(Set(try series(matchers, mint: mint, maxt: maxt).compactMap { $0[name] })).sorted()
    }
}
