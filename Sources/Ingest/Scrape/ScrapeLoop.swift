import Foundation
import Logging
import MetricStore
import NIOCore
import NIOPosix
import OspreyCore

/// A target's state as the targets API shows it.
public struct TargetStatus: Sendable {
    public enum Health: String, Sendable { case unknown, up, down }
    public var target: ScrapeTarget
    public var health: Health = .unknown
    public var lastError = ""
    /// Start of the last scrape, ms.
    public var lastScrapeMs: Int64?
    public var lastScrapeDurationSeconds = 0.0
    public var metadata: [(name: String, MetricMetadata)] = []
}

/// Where a loop's bytes come from: HTTP for configured targets, in-process for the built-in ones.
public protocol ScrapeFetcher: Sendable {
    /// The body (decompressed) and its Content-Type. Throws `ScrapeError` naming what went wrong.
    /// `eventLoop` is the loop's own event loop, which `isolation` (the scrape loop) runs on: a fetcher that
    /// does its I/O there answers without waking another thread.
    func fetch(_ target: ScrapeTarget, timeoutMs: Int64, eventLoop: any EventLoop,
               isolation: isolated (any Actor)?) async throws -> (body: [UInt8], contentType: String?)
}

/// Scrapes one target every interval, at a fixed offset within the interval derived from the target's
/// labels (so many targets spread out instead of all firing at once), and writes each scrape as one commit:
/// the samples, staleness markers for vanished series, and the report series (`up`, …).
///
/// The loop runs on one event loop thread (its executor): the timer between scrapes, the HTTP exchange and
/// the parse and commit all happen there, so a scrape costs no thread hand-offs.
actor ScrapeLoop {
    nonisolated let target: ScrapeTarget
    nonisolated let eventLoop: any EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }
    nonisolated let config: ScrapeConfig
    private let fetcher: ScrapeFetcher
    private let sink: SampleSink
    private let limits: ScrapeLimits
    private let clock: Clock
    private let logger: Logger
    private let exemplars: ExemplarStore?

    // Actor state. A scrape's only suspension is the fetch; everything it changes here happens after it,
    // in one synchronous stretch, so a push-triggered scrape and the periodic one never interleave halfway.
    private var cache = SeriesCache()
    private var generation: UInt32 = 0
    private var prevSeen: [Int32] = []
    private var reportKeys: [[UInt8]] = []
    private var lastTimestamp: Int64 = 0
    /// The last scrape's buffers, emptied and refilled by the next one (no reallocation per scrape).
    private var spare = ScrapeResult()

    private nonisolated let statusBox: StatusBox
    nonisolated var status: TargetStatus { statusBox.get() }

    /// Scrapes are this many generations apart before an unseen cache entry is forgotten.
    static let cacheGenerationsKept: UInt32 = 10

    init(target: ScrapeTarget, config: ScrapeConfig, fetcher: ScrapeFetcher, sink: SampleSink, limits: ScrapeLimits,
         clock: Clock, logger: Logger, exemplars: ExemplarStore?,
         eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.target = target
        self.eventLoop = eventLoop
        self.config = config
        self.fetcher = fetcher
        self.sink = sink
        self.limits = limits
        self.clock = clock
        self.logger = logger
        self.exemplars = exemplars
        self.statusBox = StatusBox(TargetStatus(target: target))
        reportKeys = !config.writesReportSeries ? [] : ScrapeLoop.reportNames.map { target.labels.setting(Labels.metricNameLabel, $0).encoded }
    }

    static let reportNames = ["up", "scrape_duration_seconds", "scrape_samples_scraped",
                              "scrape_samples_post_metric_relabeling", "scrape_series_added"]

    /// This target's offset within the interval: the same target always scrapes at the same phase.
    nonisolated var offsetMs: Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in target.labels.encoded + Array(target.url.utf8) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int64(h % UInt64(target.intervalMs))
    }

    /// Runs until the task is cancelled.
    func run() async {
        let interval = target.intervalMs
        let now = clock.nowMs()
        var next = now - now % interval + offsetMs
        if next < now { next += interval }
        while !Task.isCancelled {
            let wait = next - clock.nowMs()
            if wait > 0 {
                do { try await sleep(ms: wait) } catch { return }
            }
            await scrapeOnce()
            next += interval
            let now = clock.nowMs()
            if next <= now { next = now - (now - next) % interval + interval }   // fell behind: skip missed slots
        }
    }

    /// Waits on the loop's event loop (a scheduled task there, not a timer on another thread).
    private func sleep(ms: Int64) async throws {
        let scheduled = eventLoop.scheduleTask(in: .milliseconds(ms)) {}
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation(isolation: self) { (c: CheckedContinuation<Void, Error>) in
                scheduled.futureResult.whenComplete { c.resume(with: $0) }
            }
        } onCancel: {
            scheduled.cancel()
        }
    }

    /// One scrape: fetch, parse, store. Public to the manager for push-triggered scrapes, which are
    /// `acknowledged`: their samples are written to the WAL file before this returns. A periodic scrape's
    /// WAL record may wait in memory for a moment (`EncodedBatch.deferWALWrite`).
    func scrapeOnce(acknowledged: Bool = false) async {
        let start = clock.nowMs()
        var result = ScrapeResult(reusing: &spare)
        var failure: String?
        var fetched: (body: [UInt8], contentType: String?)?
        do { fetched = try await fetcher.fetch(target, timeoutMs: target.timeoutMs, eventLoop: eventLoop, isolation: self) } catch is CancellationError {
            return
        } catch let e as ScrapeError {
            failure = e.message
        } catch {
            failure = "\(error)"
        }
        // No suspension from here to the end of the scrape.
        let ts = max(start, lastTimestamp + 1)
        lastTimestamp = ts
        generation &+= 1
        do {
            guard let (body, contentType) = fetched else { throw ScrapeError(failure ?? "no response") }
            let appender = ScrapeAppender(target: target, config: config, limits: limits, keyless: !sink.forwardsBatches)
            try appender.append(body, format: ExpositionFormat.from(contentType: contentType), timestamp: ts,
                                cache: &cache, generation: generation, into: &result)
        } catch let e as ScrapeError {
            failure = e.message
        } catch {
            failure = "\(error)"
        }
        let durationS = Double(clock.nowMs() - start) / 1000
        if failure != nil {
            let scraped = result.samplesScraped
            result = ScrapeResult(reusing: &result)
            result.samplesScraped = scraped
        }
        appendStaleness(&result.batch, seenNow: failure == nil ? result.seen : [], at: ts)
        appendReport(&result.batch, up: failure == nil, durationS: durationS, result: result, at: ts)
        result.batch.deferWALWrite = !acknowledged
        do {
            let commit = try sink.write(result.batch)
            result.batch.handleTable = []   // shares the cache's handles; let go before they change
            for (i, handle) in commit.handles where Int(i) < result.entryOfSeries.count {
                cache.setHandle(result.entryOfSeries[Int(i)], handle)
            }
            if commit.rejectedCount > 0, failure == nil {
                failure = "\(commit.rejectedCount) samples refused by the store; first: \(commit.rejected.first.map { "\($0)" } ?? "")"
            }
        } catch {
            failure = "storing the scrape failed: \(error)"
        }
        if failure == nil { swap(&prevSeen, &result.seen) } else { prevSeen = [] }
        if generation % ScrapeLoop.cacheGenerationsKept == 0 {
            cache.evict(unseenSince: generation &- ScrapeLoop.cacheGenerationsKept)
            prevSeen = cache.seenWithoutTimestamp(generation)
            if failure != nil { prevSeen = [] }
        }
        if let exemplars, !result.exemplars.isEmpty { exemplars.add(result.exemplars) }
        spare = ScrapeResult(reusing: &result)
        statusBox.update { s in
            s.health = failure == nil ? .up : .down
            s.lastError = failure ?? ""
            s.lastScrapeMs = start
            s.lastScrapeDurationSeconds = durationS
            if failure == nil { s.metadata = result.metadata }
        }
        if let failure {
            logger.debug("scrape failed", metadata: ["job": "\(config.jobName)", "target": "\(target.url)", "error": "\(failure)"])
        }
    }

    /// Staleness markers for every series the last successful scrape stored that `seenNow` lacks.
    private func appendStaleness(_ batch: inout EncodedBatch, seenNow: [Int32], at ts: Int64) {
        cache.appendStalenessMarkers(prevSeen, seenIn: seenNow.isEmpty ? nil : generation, at: ts, to: &batch)
    }

    private func appendReport(_ batch: inout EncodedBatch, up: Bool, durationS: Double, result: ScrapeResult, at ts: Int64) {
        let values: [Double] = [up ? 1 : 0, durationS, Double(result.samplesScraped),
                                Double(result.samplesPostRelabel), Double(result.seriesAdded)]
        for (key, v) in zip(reportKeys, values) { batch.add(key: key, t: ts, v: v) }
    }

    /// Marks everything this target wrote as stale: the target is gone (removed by discovery or config).
    func writeEndOfRunStaleness() {
        let ts = max(clock.nowMs(), lastTimestamp + 1)
        var batch = EncodedBatch()
        cache.appendStalenessMarkers(prevSeen, seenIn: nil, at: ts, to: &batch)
        if lastTimestamp > 0 {
            for key in reportKeys { batch.add(key: key, t: ts, v: StaleNaN.value) }
        }
        prevSeen = []
        do { _ = try sink.write(batch) } catch {
            logger.warning("writing staleness markers for a removed target failed", metadata: ["target": "\(target.url)", "error": "\(error)"])
        }
    }
}

/// The status the targets API reads while the loop runs.
final class StatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: TargetStatus
    init(_ value: TargetStatus) { self.value = value }
    func get() -> TargetStatus { lock.withLock { value } }
    func update(_ body: (inout TargetStatus) -> Void) { lock.withLock { body(&value) } }
}
