import Foundation
import Logging
import MetricStore
import OspreyCore

/// Forwards everything the store commits to one Prometheus remote write v1 receiver (Prometheus, Mimir,
/// Thanos Receive, VictoriaMetrics) through a bounded on-disk buffer, at least once.
///
/// `forward` (called by `StoreSink` after each commit) only copies the batch into the buffer; `run()`
/// sends it. Install with `StoreSink.setForwarders` and run `run()` as a service:
///
/// ```swift
/// let forwarder = try RemoteWriteForwarder(config: config, directory: dataDir + "/forward/" + config.directoryName,
///                                          userAgent: "Osprey/0.1.0", logger: logger)
/// sink.setForwarders([forwarder])
/// await forwarder.run()   // until the task is cancelled; then the buffer's cursor is saved
/// ```
public final class RemoteWriteForwarder: BatchForwarder, @unchecked Sendable {
    public let config: RemoteWriteConfig
    let buffer: ForwardBuffer
    let sender: RemoteWriteSender
    private let transport: RemoteWriteTransport
    private let logger: Logger

    /// - Parameters:
    ///   - directory: the buffer's own directory (created if missing), e.g. `data/forward/<directoryName>`.
    ///   - userAgent: the `User-Agent` header, `Osprey/<version>`.
    ///   - filter: `write_relabel_configs`: maps each series' labels before sending; nil drops the series.
    /// - Throws: when the buffer directory cannot be created or the TLS files cannot be loaded.
    public convenience init(config: RemoteWriteConfig, directory: String, userAgent: String,
                            filter: (@Sendable (Labels) -> Labels?)? = nil, logger: Logger) throws {
        let transport = try HTTPRemoteWriteTransport(config: config, userAgent: userAgent)
        try self.init(config: config, directory: directory, transport: transport, clock: SystemClock(),
                      sleep: { try await Task.sleep(for: .milliseconds($0)) }, jitter: { Double.random(in: 0..<1) },
                      filter: filter, logger: logger)
    }

    init(config: RemoteWriteConfig, directory: String, transport: RemoteWriteTransport, clock: Clock,
         sleep: @escaping @Sendable (Int64) async throws -> Void, jitter: @escaping @Sendable () -> Double,
         filter: (@Sendable (Labels) -> Labels?)?, logger: Logger) throws {
        self.config = config
        self.transport = transport
        var logger = logger
        logger[metadataKey: "remote"] = "\(config.displayName)"
        self.logger = logger
        let metrics = ForwardMetrics(remote: config.displayName)
        buffer = try ForwardBuffer(directory: directory, bytesMax: config.bufferBytesMax, logger: logger) {
            metrics.dropped.increment(by: Int64($0))
        }
        metrics.bufferBytes.record(buffer.bytes)
        let q = config.queue
        sender = RemoteWriteSender(
            remote: config.displayName, buffer: buffer, transport: transport,
            options: .init(maxSamplesPerSend: q.maxSamplesPerSend, batchSendDeadlineMs: q.batchSendDeadlineMs,
                           backoff: Backoff(minMs: q.minBackoffMs, maxMs: q.maxBackoffMs), retryOnHTTP429: q.retryOnHTTP429),
            metrics: metrics, clock: clock, sleep: sleep, jitter: jitter, filter: filter, logger: logger)
    }

    /// Copies the batch into the on-disk buffer; never waits for the network.
    public func forward(_ batch: EncodedBatch) {
        guard !batch.series.isEmpty else { return }
        for record in ForwardRecord.encode(batch) { buffer.append(record) }
    }

    /// Sends buffered samples until the calling task is cancelled, then saves the buffer's cursor and
    /// closes the connection pool. Samples forwarded after that are not buffered.
    public func run() async {
        logger.info("remote write forwarding started", metadata: ["url": "\(config.url)", "buffer": "\(buffer.directory)"])
        await sender.run()
        buffer.close()
        await transport.shutdown()
        logger.info("remote write forwarding stopped; unsent samples stay buffered", metadata: ["buffer_bytes": "\(buffer.bytes)"])
    }
}
