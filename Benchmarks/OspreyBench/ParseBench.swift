import Foundation
import Ingest
import OspreyCore

/// Samples handled and the benchmark thread's CPU seconds for one way of reading a payload.
struct ParseFigure {
    let name: String
    let samples: Int
    let cpuSeconds: Double
    var samplesPerCPUSecond: Double { Double(samples) / cpuSeconds }
    var nsPerSample: Double { cpuSeconds / Double(samples) * 1e9 }
}

/// Exposition parsing throughput on one `seriesCount`-series payload (`ScrapePayload`, shard 0), in this
/// process, single-threaded, no I/O. Four figures:
/// - parser, cold: `next()` and `labels()` for every sample: a target's first scrape, every series new;
/// - parser, warm: `next()` only: what the parser does once a scrape cache knows the series;
/// - scrape append, cold: `ScrapeAppender.append` with an empty `SeriesCache` (parse, labels, target
///   labels merged, relabeling, cache insert, batch built);
/// - scrape append, warm: the same with the cache filled by earlier scrapes, as every later scrape runs.
/// Warm rounds read payloads rendered at different times, so values differ between rounds as between
/// scrapes. Nothing here includes HTTP or the store; the scrape benchmark measures those end to end.
func runParseBenchmark(seriesCount: Int, rounds: Int) throws -> [ParseFigure] {
    let payload = ScrapePayload(shard: 0, seriesCount: seriesCount)
    let bodies = (0..<8).map { payload.render(at: 15 * Double($0)) }
    var checksum = 0.0
    var figures: [ParseFigure] = []

    func timed(_ name: String, rounds: Int, _ body: (Int) throws -> Int) rethrows {
        var samples = 0
        let cpu0 = threadCPUSeconds()
        for r in 0..<rounds { samples += try body(r) }
        figures.append(ParseFigure(name: name, samples: samples, cpuSeconds: threadCPUSeconds() - cpu0))
    }

    try timed("parser, cold: next() + labels()", rounds: max(1, rounds / 4)) { r in
        var p = ExpositionParser(bodies[r % bodies.count], format: .prometheusText)
        var n = 0
        while try p.next() {
            checksum += Double(try p.labels().count) + p.value
            n += 1
        }
        return n
    }
    try timed("parser, warm: next()", rounds: rounds) { r in
        var p = ExpositionParser(bodies[r % bodies.count], format: .prometheusText)
        var n = 0
        while try p.next() {
            checksum += p.value
            n += 1
        }
        return n
    }

    var config = ScrapeConfig(jobName: "bench", global: GlobalScrapeSettings())
    config.scrapeIntervalMs = 15_000
    guard case .target(let target) = TargetBuilder.build(config, address: "127.0.0.1:9100", groupLabels: [Label("shard", "0")]) else {
        throw HTTPError(description: "BUG: the parse benchmark's target was not built")
    }
    let appender = ScrapeAppender(target: target, config: config, limits: ScrapeLimits())
    var cache = SeriesCache()
    var generation: UInt32 = 0
    func scrape(_ body: [UInt8], _ cache: inout SeriesCache) throws -> Int {
        generation &+= 1
        var result = ScrapeResult()
        try appender.append(body, format: .prometheusText, timestamp: Int64(generation) * 15_000, cache: &cache,
                            generation: generation, into: &result)
        guard result.samplesPostRelabel == seriesCount, result.batch.values.count == seriesCount else {
            throw HTTPError(description: "BUG: the scrape append stored \(result.batch.values.count) of \(seriesCount) samples")
        }
        checksum += result.batch.values[0]
        return result.samplesScraped
    }
    try timed("scrape append, cold: empty series cache", rounds: max(1, rounds / 4)) { r in
        cache = SeriesCache()
        return try scrape(bodies[r % bodies.count], &cache)
    }
    guard cache.count == seriesCount else { throw HTTPError(description: "BUG: series cache holds \(cache.count) of \(seriesCount)") }
    try timed("scrape append, warm: series cache filled", rounds: rounds) { r in
        try scrape(bodies[(r + 1) % bodies.count], &cache)
    }
    if checksum.isNaN { print("(checksum \(checksum))") }  // keeps the loops' results alive
    return figures
}

/// CPU seconds of the calling thread (the benchmark runs the parse rounds on one thread).
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
