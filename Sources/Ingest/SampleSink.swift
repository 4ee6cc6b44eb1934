import MetricStore
import OspreyCore

/// Where every ingest path (remote write, scrape, OTLP, push, host metrics) puts its samples.
/// One call is one atomic commit: durable per the store's WAL policy when it returns.
public protocol SampleSink: Sendable {
    /// Stores the batch. Samples the store refuses are reported in the result; the rest are stored.
    /// Throws `SampleSinkError.notReady` while the store is opening or shutting down.
    func write(_ batch: EncodedBatch) throws -> CommitResult
    /// True when batches go on to consumers that read series keys (forwarding). A writer holding store
    /// handles may then still leave keys out (`EncodedBatch.withKeysFilled()` restores them); this only says
    /// whether doing so saves work.
    var forwardsBatches: Bool { get }
}

extension SampleSink {
    public var forwardsBatches: Bool { false }
}

public enum SampleSinkError: Error, CustomStringConvertible, Sendable {
    case notReady
    public var description: String { "the metric store is not accepting writes (opening or shutting down)" }
}

/// Receives every batch after the store has committed it (remote-write forwarding).
/// `forward` must not block on the network; it queues.
public protocol BatchForwarder: Sendable {
    func forward(_ batch: EncodedBatch)
}

/// The sink the server uses: commits to the metric store, then hands the batch to each forwarder.
public final class StoreSink: SampleSink, @unchecked Sendable {
    private let store: @Sendable () -> MetricStoreDB?
    private let forwardersLock = NSLockLike()
    private var forwarders: [BatchForwarder] = []

    public init(store: @escaping @Sendable () -> MetricStoreDB?) {
        self.store = store
    }

    /// Replaces the forwarders (on start and on config reload).
    public func setForwarders(_ list: [BatchForwarder]) {
        forwardersLock.withLock { forwarders = list }
    }

    public func write(_ batch: EncodedBatch) throws -> CommitResult {
        guard let db = store() else { throw SampleSinkError.notReady }
        let app = db.appender()
        app.append(batch)
        let result = try app.commit()
        let targets = forwardersLock.withLock { forwarders }
        if !targets.isEmpty {
            let full = batch.withKeysFilled()
            for f in targets { f.forward(full) }
        }
        return result
    }

    public var forwardsBatches: Bool { forwardersLock.withLock { !forwarders.isEmpty } }
}
