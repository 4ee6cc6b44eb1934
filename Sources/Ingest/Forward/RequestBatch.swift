import OspreyCore

/// Samples gathered for one remote write request, one entry per series key.
struct RequestBatch {
    private var index: [[UInt8]: Int] = [:]
    private(set) var series: [(key: [UInt8], samples: [Sample])] = []
    private(set) var sampleCount = 0

    var isEmpty: Bool { sampleCount == 0 }

    mutating func add(key: ArraySlice<UInt8>, timestamps: ArraySlice<Int64>, values: ArraySlice<Double>) {
        let k = Array(key)
        let i: Int
        if let existing = index[k] { i = existing } else {
            i = series.count
            index[k] = i
            series.append((k, []))
        }
        var v = values.startIndex
        for t in timestamps {
            series[i].samples.append(Sample(t, values[v]))
            v += 1
        }
        sampleCount += timestamps.count
    }

    /// The request's series: each key mapped by `relabel` (nil drops the series), series that end up with
    /// the same key merged, samples sorted by time with repeated timestamps dropped (the first one wins,
    /// as in the store). Also returns how many samples `relabel` dropped.
    func finish(relabel: (([UInt8]) -> [UInt8]?)?) -> (series: [(key: [UInt8], samples: [Sample])], dropped: Int) {
        var out = series
        var dropped = 0
        if let relabel {
            var merged: [[UInt8]: Int] = [:]
            out = []
            for s in series {
                guard let key = relabel(s.key) else { dropped += s.samples.count; continue }
                if let i = merged[key] { out[i].samples += s.samples } else {
                    merged[key] = out.count
                    out.append((key, s.samples))
                }
            }
        }
        for i in out.indices where !Self.isStrictlyIncreasing(out[i].samples) {
            // Stable sort keeps arrival order among equal timestamps, so the first one stays.
            let sorted = out[i].samples.enumerated().sorted { ($0.element.t, $0.offset) < ($1.element.t, $1.offset) }.map(\.element)
            var unique: [Sample] = []
            unique.reserveCapacity(sorted.count)
            for s in sorted where unique.last?.t != s.t { unique.append(s) }
            out[i].samples = unique
        }
        return (out, dropped)
    }

    private static func isStrictlyIncreasing(_ samples: [Sample]) -> Bool {
        var i = 1
        while i < samples.count {
            if samples[i].t <= samples[i - 1].t { return false }
            i += 1
        }
        return true
    }
}
