import Foundation
import Logging
import Metrics
import OspreyCore

/// The metric store: an in-memory head protected by a WAL, and immutable blocks on disk.
/// All file names under its directory are its own (docs/format/). Thread safe.
///
/// ```swift
/// let db = try MetricStoreDB.open(directory: "data/metrics", options: .init(), logger: logger)
/// let app = db.appender()
/// app.append(Labels(["__name__": "up", "job": "node"]), 1_700_000_000_000, 1)
/// _ = try app.commit()
/// let series = try db.select([.equal("job", "node")], mint: 0, maxt: .max)
/// ```
public final class MetricStoreDB: @unchecked Sendable {
    public struct Options: Sendable {
        /// Width of a head-cut block; Prometheus's 2h.
        public var blockRangeMs: Int64 = 2 * 3_600_000
        /// Keep data this long before the newest sample; 0 disables. Prometheus's default 15d.
        public var retentionMs: Int64 = 15 * 86_400_000
        /// Keep blocks + WAL under this many bytes; 0 disables.
        public var retentionBytes: Int64 = 0
        public var fsync: FsyncPolicy = .batch(intervalMs: 1000)
        /// Samples more than this far ahead of the server clock are refused: clocks disagree by seconds,
        /// not a day, so such a timestamp is a unit mistake (ns or µs sent as ms) that would otherwise
        /// pull retention and head cuts into the far future and delete the real data.
        public var futureToleranceMs: Int64 = 86_400_000
        public var limits = StoreLimits()
        public init() {}
    }

    public let directory: String
    public let options: Options
    let clock: any Clock
    let logger: Logger
    let lock = NSLock()
    /// Serialises compaction, retention, deletion and snapshots; taken before `lock`.
    let compactionLock = NSLock()

    // Guarded by `lock`.
    var head = Head()
    var wal: WAL
    var blocks: [Block] = []
    var closed = false
    /// Held open (with an exclusive flock) while the store is open, so two servers never share a directory.
    var lockFD: Int32 = -1
    var lastSync: Int64 = 0
    var repairs: [String] = []
    /// While a head cut writes blocks outside the lock: the cut point, and samples older than it
    /// appended meanwhile (they must stay in the head when it is truncated).
    var cutInProgress: Int64?
    /// During replay: WAL series refs that name an already-live label set → that series' ref.
    var replayAliases: [UInt32: UInt32] = [:]
    var lateSamples: [(ref: UInt32, key: [UInt8], t: Int64, v: Double)] = []

    // Own metrics.
    let samplesIngested = Counter(label: "osprey_metric_store_samples_ingested_total")
    let samplesRejected = Counter(label: "osprey_metric_store_samples_rejected_total")
    let seriesCreated = Counter(label: "osprey_metric_store_series_created_total")
    let activeSeries = Gauge(label: "osprey_metric_store_active_series")
    let walFsyncs = Counter(label: "osprey_metric_store_wal_fsyncs_total")
    let compactions = Counter(label: "osprey_metric_store_compactions_total")
    let headCuts = Counter(label: "osprey_metric_store_head_cuts_total")
    let blocksGauge = Gauge(label: "osprey_metric_store_blocks")
    let blockBytesGauge = Gauge(label: "osprey_metric_store_block_bytes")
    let retentionDeletions = Counter(label: "osprey_metric_store_retention_block_deletions_total")
    var reportedFsyncs = 0

    var walDir: String { directory + "/wal" }
    var snapshotsDir: String { directory + "/snapshots" }

    private init(directory: String, options: Options, clock: any Clock, logger: Logger) {
        self.directory = directory
        self.options = options
        self.clock = clock
        self.logger = logger
        self.wal = WAL(dir: directory + "/wal", policy: options.fsync)
    }

    deinit {
        // Dropped without close() (a test simulating a crash): let the directory go all the same.
        DirectoryLock.release(lockFD)
    }

    /// Opens (or creates) the store in `directory`: loads blocks, replays checkpoint and WAL
    /// (repairing a torn or corrupt tail and logging what was dropped), and opens a fresh WAL segment.
    public static func open(directory: String, options: Options = Options(), clock: any Clock = SystemClock(), logger: Logger) throws -> MetricStoreDB {
        let db = MetricStoreDB(directory: directory, options: options, clock: clock, logger: logger)
        try FileIO.makeDirectory(directory)
        db.lockFD = try DirectoryLock.acquire(directory)
        db.head = Head(chunkFiles: try HeadChunkFiles(dir: directory + "/chunks_head", logger: logger))
        try db.loadBlocks()
        try db.replay()
        try db.wal.openForAppend()
        db.lastSync = clock.nowMs()
        db.activeSeries.record(db.head.seriesCount)
        db.updateBlockGauges()
        logger.info("metric store open", metadata: [
            "dir": "\(directory)", "series": "\(db.head.seriesCount)", "head_samples": "\(db.head.sampleCount)",
            "blocks": "\(db.blocks.count)", "wal_segment": "\(db.wal.segment)",
        ])
        return db
    }

    /// What the last open repaired in the WAL (file, offset, bytes dropped), for logs and tests.
    public var walRepairs: [String] { lock.withLock { repairs } }

    private func loadBlocks() throws {
        for name in FileIO.list(directory) {
            let path = directory + "/" + name
            if name.hasSuffix(".tmp") {
                logger.info("removing unfinished block", metadata: ["dir": "\(path)"])
                try FileIO.removeTree(path)
                continue
            }
            guard ULID.isValid(name) else { continue }
            do {
                blocks.append(try Block.open(path))
            } catch {
                let aside = directory + "/corrupt-" + name
                logger.error("block unreadable, moved aside", metadata: ["dir": "\(path)", "to": "\(aside)", "error": "\(error)"])
                try? FileManager.default.moveItem(atPath: path, toPath: aside)
            }
        }
        blocks.sort { ($0.minTime, $0.meta.ulid) < ($1.minTime, $1.meta.ulid) }
    }

    private func replay() throws {
        let reader = WALReader(logger: logger)
        try FileIO.makeDirectory(walDir)
        let names = FileIO.list(walDir)
        let checkpoints = names.filter { $0.hasPrefix("checkpoint.") && !$0.hasSuffix(".tmp") }.sorted()
        var firstSegment = 0
        var applied = (series: 0, samples: 0, unknownRef: 0)
        if let cp = checkpoints.last, let n = Int(cp.dropFirst("checkpoint.".count)) {
            firstSegment = n + 1
            let damage = try reader.read(walDir + "/" + cp) { type, payload in try apply(type, payload, &applied) }
            repairs += damage.map { "\($0)" }
        }
        for name in names where name.hasSuffix(".tmp") { unlink(walDir + "/" + name) }
        for seg in wal.segments() where seg >= firstSegment {
            let damage = try reader.read(walDir + "/" + WAL.segmentName(seg)) { type, payload in try apply(type, payload, &applied) }
            repairs += damage.map { "\($0)" }
        }
        head.rebuildIndex()
        head.recomputeBounds()
        if applied.unknownRef > 0 {
            logger.warning("WAL samples for series whose record was lost were dropped", metadata: ["samples": "\(applied.unknownRef)"])
            repairs.append("\(applied.unknownRef) samples dropped: their series record was lost")
        }
        logger.info("WAL replayed", metadata: ["series_records": "\(applied.series)", "samples": "\(applied.samples)", "repairs": "\(repairs.count)"])
    }

    private func apply(_ type: WALRecordType, _ payload: ArraySlice<UInt8>, _ applied: inout (series: Int, samples: Int, unknownRef: Int)) throws {
        // A series record whose labels already belong to a live series (possible after a lost
        // tombstone or checkpoint) becomes an alias, so one label set is never two series.
        func resolve(_ ref: UInt32) -> MemSeries? { head.series[ref] ?? replayAliases[ref].flatMap { head.series[$0] } }
        do {
            switch type {
            case .series:
                for (ref, key) in try WALRecords.decodeSeries(payload) where head.series[ref] == nil {
                    let hash = hashKey(key)
                    if let existing = key.withUnsafeBytes({ head.lookup(key: $0, hash: hash) }) {
                        replayAliases[ref] = existing.ref
                        continue
                    }
                    head.create(key: key, hash: hash, ref: ref)
                    applied.series += 1
                }
            case .samples:
                try WALRecords.decodeSamples(payload) { ref, t, v in
                    guard let s = resolve(ref) else { applied.unknownRef += 1; return }
                    if case .appended = s.append(t, v) { applied.samples += 1 }
                }
            case .chunk:
                let (ref, chunk) = try WALRecords.decodeChunk(payload)
                guard let s = resolve(ref) else { applied.unknownRef += chunk.chunk.count; return }
                for sample in chunk.chunk.samples() { _ = s.append(sample.t, sample.v) }
                applied.samples += chunk.chunk.count
            case .oooSamples:
                try WALRecords.decodeSamples(payload) { ref, t, v in
                    guard let s = resolve(ref) else { applied.unknownRef += 1; return }
                    _ = s.append(t, v)
                }
            case .tombstone:
                let (matchers, mint, maxt) = try WALRecords.decodeTombstone(payload)
                deleteFromHead(matchers, mint, maxt)
            }
        } catch {
            // The checksum matched, so this is a writer bug or an incompatible version; skip the record.
            logger.error("WAL record with a valid checksum failed to decode; skipped", metadata: ["type": "\(type)", "error": "\(error)"])
            repairs.append("a \(type) record with a valid checksum failed to decode and was skipped")
        }
    }

    /// Flushes and closes the WAL. Data stays in the WAL and is replayed on the next open.
    public func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            wal.close()
            noteFsyncs()
            DirectoryLock.release(lockFD)
            lockFD = -1
        }
        logger.info("metric store closed", metadata: ["dir": "\(directory)"])
    }

    func noteFsyncs() {
        let n = wal.fsyncCount
        if n > reportedFsyncs {
            walFsyncs.increment(by: n - reportedFsyncs)
            reportedFsyncs = n
        }
    }

    func updateBlockGauges() {
        blocksGauge.record(blocks.count)
        blockBytesGauge.record(blocks.reduce(0) { $0 + $1.diskBytes })
    }

    // MARK: statistics

    public struct Stats: Sendable {
        public var headSeries: Int
        public var headSamples: Int
        public var headMinT: Int64
        public var headMaxT: Int64
        public var blocks: Int
        public var blockBytes: Int64
        public var walSegment: Int
        public var walFsyncs: Int
    }

    public func stats() -> Stats {
        lock.withLock {
            Stats(headSeries: head.seriesCount, headSamples: head.sampleCount, headMinT: head.minT, headMaxT: head.maxT,
                  blocks: blocks.count, blockBytes: blocks.reduce(0) { $0 + $1.diskBytes }, walSegment: wal.segment, walFsyncs: wal.fsyncCount)
        }
    }
}
