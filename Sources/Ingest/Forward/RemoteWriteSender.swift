import Foundation
import Logging
import MetricStore
import OspreyCore

/// Reads the forward buffer in order, fills requests up to `max_samples_per_send` (or sends a partial one
/// after `batch_send_deadline`), posts them, retries with backoff, and advances the buffer's cursor only
/// past records the remote acknowledged or refused for good. One sender per remote, one request in flight:
/// requests arrive in buffer order, so each series' samples arrive in time order.
final class RemoteWriteSender: @unchecked Sendable {
    /// The buffer is read in steps of about this much.
    static let readBytesMax = 4 << 20
    /// With nothing to send, the buffer is checked for new records this often.
    static let idlePollMs: Int64 = 20
    /// Relabel results are cached per series key; the cache is emptied when it holds this many keys.
    static let relabelCacheEntriesMax = 200_000

    struct Options {
        var maxSamplesPerSend: Int
        var batchSendDeadlineMs: Int64
        var backoff: Backoff
        var retryOnHTTP429: Bool
    }

    enum Outcome { case sent, refused, cancelled }

    let remote: String
    private let buffer: ForwardBuffer
    private let transport: RemoteWriteTransport
    private let options: Options
    private let metrics: ForwardMetrics
    private let clock: Clock
    private let sleep: @Sendable (Int64) async throws -> Void
    private let jitter: @Sendable () -> Double
    private let filter: (@Sendable (Labels) -> Labels?)?
    private let logger: Logger

    private var records: ArraySlice<ForwardBufferRecord> = []
    /// The record being split across requests: which series and sample come next.
    private var current: (batch: EncodedBatch, series: Int, sample: Int, end: ForwardPosition)?
    private var request = RequestBatch()
    /// Where the cursor goes once `request` is done: the end of the last record wholly in it.
    private var requestAck: ForwardPosition?
    private var requestStartedMs: Int64?
    private var relabelCache: [[UInt8]: [UInt8]?] = [:]
    private var failing = false
    private var highestSentMs = Int64.min

    init(remote: String, buffer: ForwardBuffer, transport: RemoteWriteTransport, options: Options, metrics: ForwardMetrics,
         clock: Clock, sleep: @escaping @Sendable (Int64) async throws -> Void, jitter: @escaping @Sendable () -> Double,
         filter: (@Sendable (Labels) -> Labels?)?, logger: Logger) {
        self.remote = remote
        self.buffer = buffer
        self.transport = transport
        self.options = options
        self.metrics = metrics
        self.clock = clock
        self.sleep = sleep
        self.jitter = jitter
        self.filter = filter
        self.logger = logger
    }

    /// Sends until the task is cancelled, or (`untilDrained`, for tests) until everything buffered is sent.
    func run(untilDrained: Bool = false) async {
        while !Task.isCancelled {
            let progressed = fill()
            let now = clock.nowMs()
            let full = request.sampleCount >= options.maxSamplesPerSend
            let overdue = requestStartedMs.map { now - $0 >= options.batchSendDeadlineMs } ?? false
            let onlyAck = request.isEmpty && requestAck != nil
            if full || overdue || onlyAck || (untilDrained && !progressed && !request.isEmpty) {
                guard await send() else { return }
                continue
            }
            if progressed { continue }
            if untilDrained && request.isEmpty && current == nil && records.isEmpty { return }
            metrics.bufferBytes.record(buffer.bytes)
            let wait = requestStartedMs.map { max(1, options.batchSendDeadlineMs - (now - $0)) } ?? Self.idlePollMs
            do { try await sleep(min(wait, Self.idlePollMs)) } catch { return }
        }
    }

    /// Moves samples from the buffer into `request` until it is full or the buffer has nothing more.
    /// Returns whether anything was taken.
    private func fill() -> Bool {
        var progressed = false
        while request.sampleCount < options.maxSamplesPerSend {
            if current == nil {
                if records.isEmpty { records = buffer.read(bytesMax: Self.readBytesMax)[...] }
                guard let record = records.popFirst() else { break }
                progressed = true
                guard let batch = ForwardRecord.decode(record.payload) else {
                    logger.error("forward buffer: record does not decode, its samples are dropped",
                                 metadata: ["remote": "\(remote)", "end": "\(record.end)", "samples": "\(record.samples)"])
                    metrics.dropped.increment(by: Int64(record.samples))
                    requestAck = record.end
                    continue
                }
                current = (batch, 0, 0, record.end)
            }
            guard var c = current else { break }
            while c.series < c.batch.series.count && request.sampleCount < options.maxSamplesPerSend {
                let s = c.batch.series[c.series]
                let start = Int(s.sampleStart) + c.sample, end = Int(s.sampleEnd)
                let take = min(end - start, options.maxSamplesPerSend - request.sampleCount)
                if take > 0 {
                    request.add(key: c.batch.keyBytes[Int(s.keyStart)..<Int(s.keyEnd)],
                                timestamps: c.batch.timestamps[start..<start + take], values: c.batch.values[start..<start + take])
                    if requestStartedMs == nil { requestStartedMs = clock.nowMs() }
                    progressed = true
                }
                if start + take == end { c.series += 1; c.sample = 0 } else { c.sample += take }
            }
            if c.series == c.batch.series.count {
                requestAck = c.end
                current = nil
            } else {
                current = c
            }
        }
        return progressed
    }

    /// Sends `request` (retrying until it is acknowledged or refused) and commits its records.
    /// Returns false when cancelled; the records stay in the buffer for the next run.
    private func send() async -> Bool {
        let relabelKey: (([UInt8]) -> [UInt8]?)? = filter == nil ? nil : { self.relabel($0) }
        let (series, filtered) = request.finish(relabel: relabelKey)
        if filtered > 0 { metrics.dropped.increment(by: Int64(filtered)) }
        let count = series.reduce(0) { $0 + $1.samples.count }
        if count > 0 {
            let body = Snappy.compress(RemoteWriteEncoder.encode(keyed: series))
            switch await deliver(body, samples: count) {
            case .cancelled: return false
            case .refused: metrics.failed.increment(by: Int64(count))
            case .sent:
                metrics.sent.increment(by: Int64(count))
                var newest = Int64.min
                for s in series { if let t = s.samples.last?.t, t > newest { newest = t } }
                if newest > highestSentMs {
                    highestSentMs = newest
                    metrics.highestSentTimestamp.record(Double(newest) / 1000)
                }
            }
        }
        if let ack = requestAck { buffer.commit(ack) }
        request = RequestBatch()
        requestAck = nil
        requestStartedMs = nil
        metrics.bufferBytes.record(buffer.bytes)
        return true
    }

    /// Posts one body until the remote answers 2xx or refuses it for good; waits between attempts.
    func deliver(_ body: [UInt8], samples: Int) async -> Outcome {
        var attempt = 0
        while !Task.isCancelled {
            let started = DispatchTime.now().uptimeNanoseconds
            var retryAfterMs: Int64?
            let problem: String
            do {
                let response = try await transport.post(body)
                metrics.sendDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
                switch response.status {
                case 200..<300:
                    if failing {
                        logger.notice("remote write recovered", metadata: ["remote": "\(remote)", "attempts": "\(attempt + 1)"])
                        failing = false
                    }
                    return .sent
                case 500..<600, 429 where options.retryOnHTTP429:
                    problem = "HTTP \(response.status): \(response.body.prefix(512))"
                    retryAfterMs = response.retryAfterMs
                default:
                    logger.error("remote write refused, samples dropped", metadata: [
                        "remote": "\(remote)", "status": "\(response.status)", "samples": "\(samples)",
                        "response": "\(response.body.prefix(1024))"])
                    return .refused
                }
            } catch {
                metrics.sendDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
                problem = "\(error)"
            }
            metrics.retried.increment(by: Int64(samples))
            let delay = max(options.backoff.delayMs(attempt: attempt, jitter: jitter()), min(retryAfterMs ?? 0, options.backoff.maxMs))
            if !failing {
                logger.warning("remote write failed, retrying with backoff", metadata: [
                    "remote": "\(remote)", "error": "\(problem)", "retry_in_ms": "\(delay)"])
                failing = true
            } else {
                logger.debug("remote write failed again", metadata: ["remote": "\(remote)", "error": "\(problem)", "attempt": "\(attempt + 1)"])
            }
            attempt += 1
            do { try await sleep(delay) } catch { return .cancelled }
        }
        return .cancelled
    }

    /// `filter` on a series key, cached: the labels it maps to in key form, or nil to drop the series.
    private func relabel(_ key: [UInt8]) -> [UInt8]? {
        if let hit = relabelCache[key] { return hit }
        guard let filter else { return key }
        let result = Labels(encoded: key).flatMap(filter).flatMap { $0.isEmpty ? nil : $0.encoded }
        if relabelCache.count >= Self.relabelCacheEntriesMax { relabelCache.removeAll(keepingCapacity: true) }
        relabelCache[key] = .some(result)
        return result
    }
}
