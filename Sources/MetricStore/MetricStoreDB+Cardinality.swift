import OspreyCore

/// Cardinality of the head (the recent, in-memory series), in the shape of Prometheus's
/// `/api/v1/status/tsdb`: each list is sorted by count (highest first, then by name) and cut to the limit.
public struct HeadCardinality: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var value: Int
        public init(name: String, value: Int) {
            self.name = name
            self.value = value
        }
    }

    public var numSeries = 0
    /// Distinct `name=value` pairs over all head series.
    public var numLabelPairs = 0
    public var chunkCount = 0
    /// Oldest and newest sample time in the head (ms); 0 when the head is empty.
    public var minTime: Int64 = 0
    public var maxTime: Int64 = 0
    public var seriesCountByMetricName: [Entry] = []
    public var labelValueCountByLabelName: [Entry] = []
    /// Bytes of all distinct values of each label name (as Prometheus counts them: value lengths summed).
    public var memoryInBytesByLabelName: [Entry] = []
    /// Series per `name=value` pair.
    public var seriesCountByLabelValuePair: [Entry] = []
    public init() {}
}

extension MetricStoreDB {
    /// Counts the head's series by metric name, label name and label pair, keeping the `limit` largest of each.
    /// Walks every head series under the store lock: O(series × labels), meant for an operator's status page.
    public func headCardinality(limit: Int) -> HeadCardinality {
        var byMetric: [String: Int] = [:]
        var byPair: [Label: Int] = [:]
        var chunks = 0
        let (count, minT, maxT): (Int, Int64, Int64) = lock.withLock {
            for s in head.series.values {
                chunks += s.closed.count + (s.open.count > 0 ? 1 : 0)
                for l in s.labels {
                    byPair[l, default: 0] += 1
                    if l.name == Labels.metricNameLabel { byMetric[l.value, default: 0] += 1 }
                }
            }
            return (head.seriesCount, head.minT, head.maxT)
        }
        var valuesByName: [String: Int] = [:]
        var bytesByName: [String: Int] = [:]
        for pair in byPair.keys {
            valuesByName[pair.name, default: 0] += 1
            bytesByName[pair.name, default: 0] += pair.value.utf8.count
        }
        func top(_ d: [String: Int]) -> [HeadCardinality.Entry] {
            let sorted = d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            return sorted.prefix(max(0, limit)).map { HeadCardinality.Entry(name: $0.key, value: $0.value) }
        }
        var out = HeadCardinality()
        out.numSeries = count
        out.numLabelPairs = byPair.count
        out.chunkCount = chunks
        out.minTime = count == 0 ? 0 : minT
        out.maxTime = count == 0 ? 0 : maxT
        out.seriesCountByMetricName = top(byMetric)
        out.labelValueCountByLabelName = top(valuesByName)
        out.memoryInBytesByLabelName = top(bytesByName)
        var pairs: [String: Int] = [:]
        for (l, n) in byPair { pairs[l.name + "=" + l.value] = n }
        out.seriesCountByLabelValuePair = top(pairs)
        return out
    }
}
