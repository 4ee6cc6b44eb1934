import Foundation
import OspreyCore

/// The fixed data set the PromQL differential test loads into both servers: about fifty series over two
/// hours at a 15 s interval, built from a seed so every run (and every server) sees the same samples.
///
/// Shapes: counters with resets (`http_requests_total`), gauges crossing zero (`node_temperature_celsius`),
/// a gauge with a gap longer than the 5 m lookback, one with NaN samples and one random walk
/// (`queue_depth`), classic histograms with a shared reset (`request_duration_seconds_*`), `up`,
/// an info-style `build_info`, large values (`disk_free_bytes`), a label-less constant (`cluster_scale`),
/// and series that end with a staleness marker (`batch_job_last_run` for good, `batch_items_processed_total`
/// for half an hour, then it comes back).
///
/// Counters start (and come back) far above zero: how rate/increase extrapolate towards a counter's zero
/// point near the start of a series changed after Prometheus 2.42 (see the test's known differences).
///
/// No sample lies on a whole second: every series has its own scrape offset and per-sample jitter with a
/// non-zero millisecond part. The queries use whole-second times, so no range or lookback boundary ever
/// falls exactly on a sample (Prometheus 3 range windows are left-open, 2.42's are closed).
struct PromQLDiffData {
    /// The first sample interval starts here (ms since the epoch); a multiple of one hour.
    static let startMs: Int64 = 1_699_999_200_000
    static let intervalMs: Int64 = 15_000
    /// Two hours of samples.
    static let steps = 480
    static var endMs: Int64 { startMs + Int64(steps) * intervalMs }

    /// Label values the expression generator draws matchers from.
    static let labelValues: [String: [String]] = [
        "job": ["api", "web", "node", "worker", "batch", "nonexistent"],
        "instance": ["a:80", "b:80", "c:80", "n1:9100", "n2:9100", "w1", "w2", "w3", "cron", "x:1"],
        "method": ["get", "post", "put"],
        "code": ["200", "500", "404"],
        "sensor": ["cpu", "gpu"],
        "le": ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "10", "+Inf"],
        "version": ["1.2.3", "1.3.0"],
        "device": ["sda", "sdb"],
    ]

    /// Metric names with the labels their series carry (besides `__name__`), and whether they are counters.
    static let metrics: [(name: String, labels: [String], counter: Bool)] = [
        ("http_requests_total", ["job", "instance", "method", "code"], true),
        ("request_duration_seconds_bucket", ["job", "instance", "le"], true),
        ("request_duration_seconds_sum", ["job", "instance"], true),
        ("request_duration_seconds_count", ["job", "instance"], true),
        ("batch_items_processed_total", ["job", "instance"], true),
        ("node_temperature_celsius", ["job", "instance", "sensor"], false),
        ("queue_depth", ["job", "instance"], false),
        ("up", ["job", "instance"], false),
        ("build_info", ["job", "instance", "version"], false),
        ("batch_job_last_run", ["job", "instance"], false),
        ("disk_free_bytes", ["job", "instance", "device"], false),
        ("cluster_scale", [], false),
    ]

    let series: [(labels: Labels, samples: [Sample])]

    init(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var out: [(labels: Labels, samples: [Sample])] = []

        // Scrape times of one series: its own offset plus jitter, never on a whole second.
        func times(_ rng: inout SplitMix64) -> [Int64] {
            let offset = Int64(rng.next() % 13_000) + 1_000
            return (0..<Self.steps).map { i in
                var t = Self.startMs + Int64(i) * Self.intervalMs + offset + Int64(rng.next() % 400) - 200
                if t % 1000 == 0 { t += 7 }
                return t
            }
        }
        func uniform(_ rng: inout SplitMix64) -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        func add(_ labels: KeyValuePairs<String, String>, _ samples: [Sample]) { out.append((Labels(labels), samples)) }

        // Counters: steady increments, one or two resets.
        for (job, instances) in [("api", ["a:80", "b:80"]), ("web", ["c:80"])] {
            for instance in instances {
                for method in ["get", "post"] {
                    for code in ["200", "500"] {
                        let ts = times(&rng)
                        let perStep = code == "200" ? 5 + uniform(&rng) * 20 : uniform(&rng) * 2
                        let resets = Set((0..<Int(rng.next() % 3)).map { _ in Int(rng.next() % UInt64(Self.steps)) })
                        var v = Double(10_000 + rng.next() % 1000)
                        var samples: [Sample] = []
                        for (i, t) in ts.enumerated() {
                            if resets.contains(i) { v = Double(rng.next() % 500) } else { v += (perStep * (0.5 + uniform(&rng))).rounded() }
                            samples.append(Sample(t, v))
                        }
                        add(["__name__": "http_requests_total", "job": job, "instance": instance, "method": method, "code": code], samples)
                    }
                }
            }
        }

        // Classic histograms: cumulative buckets, `_sum`, `_count`; instance b resets all of them at once.
        let bounds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]
        let leText = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "10", "+Inf"]
        for instance in ["a:80", "b:80"] {
            let ts = times(&rng)
            let resetAt = instance == "b:80" ? Self.steps / 2 + 17 : -1
            // The counters had been running before the data starts.
            var buckets = (0...bounds.count).map { 1_000 * Double($0 + 1) }
            var sum = 900.0
            var series = [[Sample]](repeating: [], count: bounds.count + 3)
            for (i, t) in ts.enumerated() {
                if i == resetAt {
                    buckets = buckets.map { _ in 0 }
                    sum = 0
                }
                for _ in 0..<Int(rng.next() % 12) {
                    // Latencies mostly fast, with a tail; slower in the second hour.
                    let latency = -log(max(uniform(&rng), 1e-9)) * (i < Self.steps / 2 ? 0.2 : 0.6)
                    sum += latency
                    for (b, bound) in bounds.enumerated() where latency <= bound { buckets[b] += 1 }
                    buckets[bounds.count] += 1
                }
                for b in 0...bounds.count { series[b].append(Sample(t, buckets[b])) }
                series[bounds.count + 1].append(Sample(t, sum))
                series[bounds.count + 2].append(Sample(t, buckets[bounds.count]))
            }
            for b in 0...bounds.count {
                add(["__name__": "request_duration_seconds_bucket", "job": "api", "instance": instance, "le": leText[b]], series[b])
            }
            add(["__name__": "request_duration_seconds_sum", "job": "api", "instance": instance], series[bounds.count + 1])
            add(["__name__": "request_duration_seconds_count", "job": "api", "instance": instance], series[bounds.count + 2])
        }

        // Gauges crossing zero.
        for instance in ["n1:9100", "n2:9100"] {
            for sensor in ["cpu", "gpu"] {
                let ts = times(&rng)
                let phase = uniform(&rng) * 6, mean = uniform(&rng) * 10 - 2
                let samples = ts.enumerated().map { i, t in
                    Sample(t, ((mean + 25 * sin(Double(i) / 40 + phase) + uniform(&rng) * 2) * 100).rounded() / 100)
                }
                add(["__name__": "node_temperature_celsius", "job": "node", "instance": instance, "sensor": sensor], samples)
            }
            let ts = times(&rng)
            for device in ["sda", "sdb"] {
                var v = 4e11 + uniform(&rng) * 1e12
                add(["__name__": "disk_free_bytes", "job": "node", "instance": instance, "device": device], ts.map { t in
                    v -= (uniform(&rng) * 4e7).rounded()
                    return Sample(t, v)
                })
            }
        }

        // queue_depth: w1 a random walk below and above zero, w2 with a 15 m gap, w3 with NaN samples.
        for instance in ["w1", "w2", "w3"] {
            let ts = times(&rng)
            var v = 3.0
            var samples: [Sample] = []
            for (i, t) in ts.enumerated() {
                v += Double(Int(rng.next() % 7) - 3)
                if instance == "w2" && (160..<220).contains(i) { continue }
                samples.append(Sample(t, instance == "w3" && i % 37 == 5 ? .nan : v))
            }
            add(["__name__": "queue_depth", "job": "worker", "instance": instance], samples)
        }

        // up: 1, except b:80 down for ten minutes; build_info: 1 with a version label.
        for (job, instance) in [("api", "a:80"), ("api", "b:80"), ("web", "c:80"), ("node", "n1:9100"), ("node", "n2:9100")] {
            let ts = times(&rng)
            add(["__name__": "up", "job": job, "instance": instance], ts.enumerated().map { i, t in
                Sample(t, instance == "b:80" && (300..<340).contains(i) ? 0 : 1)
            })
        }
        for (job, instance, version) in [("api", "a:80", "1.2.3"), ("api", "b:80", "1.3.0"), ("web", "c:80", "1.2.3")] {
            add(["__name__": "build_info", "job": job, "instance": instance, "version": version], times(&rng).map { Sample($0, 1) })
        }

        // Series that go stale: a batch job's last-run gauge ends at 70 m with a staleness marker;
        // its counter is stale from 50 m to 80 m and then restarts from 0.
        do {
            let ts = times(&rng)
            var samples = ts.prefix(280).map { Sample($0, Double(Self.startMs / 1000 + ($0 - Self.startMs) / 60_000 * 60)) }
            samples.append(Sample(ts[280], StaleNaN.value))
            add(["__name__": "batch_job_last_run", "job": "batch", "instance": "cron"], samples)
        }
        do {
            let ts = times(&rng)
            var samples: [Sample] = []
            var v = 100.0
            for (i, t) in ts.enumerated() {
                if i == 200 { samples.append(Sample(t, StaleNaN.value)) }
                if i == 320 { v = 5_000 }
                if (200..<320).contains(i) { continue }
                v += Double(rng.next() % 50)
                samples.append(Sample(t, v))
            }
            add(["__name__": "batch_items_processed_total", "job": "batch", "instance": "cron"], samples)
        }

        add(["__name__": "cluster_scale"], times(&rng).map { Sample($0, 2.5) })
        series = out
    }

    /// The samples with time in `[fromMs, toMs)`, series by series, for loading in time order.
    func window(fromMs: Int64, toMs: Int64) -> [(labels: Labels, samples: [Sample])] {
        series.compactMap { s in
            let part = s.samples.filter { $0.t >= fromMs && $0.t < toMs }
            return part.isEmpty ? nil : (s.labels, part)
        }
    }
}
