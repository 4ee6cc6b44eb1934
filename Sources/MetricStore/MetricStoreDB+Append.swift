import OspreyCore

/// Series and samples in the canonical key form, as ingest decoders produce them without
/// building `Labels`. `keyBytes[keyStart..<keyEnd]` is a series key (`Labels.encoded`);
/// its samples are `timestamps/values[sampleStart..<sampleEnd]`.
public struct EncodedBatch: Sendable {
    /// Handles previous commits returned, kept by the caller (a scrape cache's table, as Prometheus keeps
    /// series references); `Series.handle` indexes it. With a live one the store skips hashing and looking up the
    /// key. The batch shares the caller's array: a caller that changes its table after the commit should empty
    /// this first, or the change copies the table.
    public var handleTable: [SeriesHandle?] = []
    /// Ask `commit` to return a handle per series in `CommitResult.handles`.
    public var collectHandles = false
    /// Samples no client waits on (scrapes): their WAL record may wait in memory briefly (at most until the
    /// next maintenance pass) instead of costing a write per commit; a process crash can lose that moment,
    /// as it can for a scrape that had not happened yet. Acknowledged writes (remote write, push) leave it false.
    public var deferWALWrite = false
    public struct Series: Sendable {
        public var keyStart: Int32, keyEnd: Int32, sampleStart: Int32, sampleEnd: Int32
        /// Index into `handleTable`, or -1.
        public var handle: Int32
        public init(keyStart: Int32, keyEnd: Int32, sampleStart: Int32, sampleEnd: Int32, handle: Int32 = -1) {
            self.keyStart = keyStart; self.keyEnd = keyEnd; self.sampleStart = sampleStart; self.sampleEnd = sampleEnd
            self.handle = handle
        }
    }

    /// The handle series `s` was given, if any.
    @inline(__always)
    public func handle(of s: Series) -> SeriesHandle? {
        s.handle >= 0 && Int(s.handle) < handleTable.count ? handleTable[Int(s.handle)] : nil
    }
    /// Series keys (`Labels.encoded`), back to back. A series with a handle may have an empty key range: the
    /// store takes its key from the handle.
    public var keyBytes: [UInt8] = []
    public var series: [Series] = []
    public var timestamps: [Int64] = []
    public var values: [Double] = []
    public init() {}
    public init(keyBytes: [UInt8], series: [Series], timestamps: [Int64], values: [Double]) {
        self.keyBytes = keyBytes; self.series = series; self.timestamps = timestamps; self.values = values
    }
}

extension EncodedBatch {
    /// The same batch with every series given by handle alone carrying its key bytes again (for consumers
    /// other than the store, such as remote-write forwarding).
    public func withKeysFilled() -> EncodedBatch {
        guard series.contains(where: { $0.keyStart == $0.keyEnd && handle(of: $0) != nil }) else {
            return self
        }
        var out = self
        out.keyBytes = []
        out.keyBytes.reserveCapacity(keyBytes.count + series.count * 64)
        for (i, s) in series.enumerated() {
            let start = Int32(out.keyBytes.count)
            if s.keyStart == s.keyEnd, let h = handle(of: s) {
                out.keyBytes.append(contentsOf: h.series.key)
            } else {
                out.keyBytes.append(contentsOf: keyBytes[Int(s.keyStart)..<Int(s.keyEnd)])
            }
            out.series[i].keyStart = start
            out.series[i].keyEnd = Int32(out.keyBytes.count)
        }
        return out
    }
}

/// A head series a commit resolved, for appending to it again without a lookup by key. Opaque; holding
/// one keeps nothing alive in the store that matters (a series that leaves the head makes it stale).
public struct SeriesHandle: @unchecked Sendable {
    let series: MemSeries
    init(_ series: MemSeries) { self.series = series }
}

/// Buffers samples for one commit to the head.
public final class HeadAppender: Appender {
    private let db: MetricStoreDB
    private var batch = EncodedBatch()
    private var invalid: [SampleRejection] = []
    private var invalidCount = 0

    init(db: MetricStoreDB) { self.db = db }

    public func append(_ labels: Labels, _ t: Int64, _ v: Double) {
        if let problem = db.validate(labels) {
            invalidCount += 1
            if invalid.count < CommitResult.rejectionsKeptMax { invalid.append(SampleRejection(labels: labels, t: t, reason: problem)) }
            return
        }
        let key = labels.encoded
        let keyStart = Int32(batch.keyBytes.count)
        batch.keyBytes.append(contentsOf: key)
        let s = Int32(batch.timestamps.count)
        batch.series.append(.init(keyStart: keyStart, keyEnd: Int32(batch.keyBytes.count), sampleStart: s, sampleEnd: s + 1))
        batch.timestamps.append(t)
        batch.values.append(v)
    }

    /// Buffers a whole decoded batch (the remote-write fast path). Keys must be valid canonical keys.
    public func append(_ encoded: EncodedBatch) {
        if batch.series.isEmpty {
            batch = encoded
            return
        }
        let keyBase = Int32(batch.keyBytes.count), sampleBase = Int32(batch.timestamps.count)
        batch.keyBytes.append(contentsOf: encoded.keyBytes)
        batch.timestamps.append(contentsOf: encoded.timestamps)
        batch.values.append(contentsOf: encoded.values)
        for s in encoded.series {
            batch.series.append(.init(keyStart: s.keyStart + keyBase, keyEnd: s.keyEnd + keyBase,
                                      sampleStart: s.sampleStart + sampleBase, sampleEnd: s.sampleEnd + sampleBase))
        }
    }

    public func commit() throws -> CommitResult {
        defer { batch = EncodedBatch(); invalid = []; invalidCount = 0 }
        var result = try db.commit(batch)
        result.rejectedCount += invalidCount
        result.rejected = Array((invalid + result.rejected).prefix(CommitResult.rejectionsKeptMax))
        return result
    }

    public func rollback() {
        batch = EncodedBatch()
        invalid = []
        invalidCount = 0
    }
}

extension MetricStoreDB {
    public func appender() -> HeadAppender { HeadAppender(db: self) }

    /// The oldest timestamp the store takes: far enough from Int64.min that every block-window and
    /// delta computation stays in range (about 73 million years before 1970).
    public static let timestampMin: Int64 = -(1 << 61)

    /// Why `labels` cannot be stored, or nil.
    func validate(_ labels: Labels) -> String? {
        let l = options.limits
        if labels.isEmpty { return "a series needs at least one label" }
        if labels.count > l.labelsPerSeriesMax { return "\(labels.count) labels, more than the limit of \(l.labelsPerSeriesMax)" }
        var previous: String?
        for label in labels {
            if label.name.isEmpty { return "empty label name" }
            if label.name == previous { return "label name \"\(label.name)\" appears twice" }
            previous = label.name
            if label.name.utf8.count > l.labelNameBytesMax { return "label name \"\(label.name.prefix(64))…\" is \(label.name.utf8.count) bytes, over the limit of \(l.labelNameBytesMax)" }
            if label.value.utf8.count > l.labelValueBytesMax { return "value of label \"\(label.name)\" is \(label.value.utf8.count) bytes, over the limit of \(l.labelValueBytesMax)" }
        }
        return nil
    }

    func commit(_ batch: EncodedBatch) throws -> CommitResult {
        var result = CommitResult()
        guard !batch.series.isEmpty else { return result }
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw StoreError.closed }
        var newSeries: [(ref: UInt32, key: [UInt8])] = []
        var records: [(WALRecordType, [UInt8])] = []
        var samples = WALRecords.SamplesWriter(baseT: batch.timestamps.first ?? 0)
        var samplesAppended = 0
        var handles: [(series: Int32, handle: SeriesHandle)] = []
        /// Moves what is buffered into WAL records, series first, each under `WAL.recordBytesSoftMax`.
        func cutRecords() {
            if !newSeries.isEmpty { records.append((.series, WALRecords.encodeSeries(newSeries))); newSeries.removeAll() }
            if samples.count > 0 {
                records.append((.samples, samples.w.bytes))
                samplesAppended += samples.count
                samples = WALRecords.SamplesWriter(baseT: samples.baseT)
            }
        }
        let seriesMax = options.limits.seriesMax
        let latest = clock.nowMs() + options.futureToleranceMs
        // Read once: the lock is held, so neither changes during the commit.
        let cut = cutInProgress
        var appendedMin = Int64.max, appendedMax = Int64.min, appendedCount = 0
        batch.keyBytes.withUnsafeBytes { keys in
            batch.timestamps.withUnsafeBufferPointer { ts in
                batch.values.withUnsafeBufferPointer { vs in
                    /// Stores series `s` of the batch, whose key is `key`.
                    func store(_ si: Int, _ s: EncodedBatch.Series, key: UnsafeRawBufferPointer, given: SeriesHandle?, keyless: Bool) {
                        var series: MemSeries?
                        if let h = given, h.series.live {
                            assert(keyless || h.series.key.elementsEqual(key), "BUG: a series handle used for another series' key")
                            series = h.series
                        }
                        var hash: UInt64 = 0
                        if series == nil {
                            hash = hashKey(key)
                            series = head.lookup(key: key, hash: hash)
                            if batch.collectHandles, let found = series { handles.append((Int32(si), SeriesHandle(found))) }
                        }
                        if series == nil {
                            guard head.seriesCount < seriesMax else {
                                reject(&result, key, ts[Int(s.sampleStart)], "the store holds \(seriesMax) series, its limit; no new series are accepted", count: Int(s.sampleEnd - s.sampleStart))
                                return
                            }
                            let created = head.create(key: Array(key), hash: hash)
                            if batch.collectHandles { handles.append((Int32(si), SeriesHandle(created))) }
                            newSeries.append((created.ref, created.key))
                            result.seriesCreated += 1
                            series = created
                        }
                        let ms = series!
                        for i in Int(s.sampleStart)..<Int(s.sampleEnd) {
                            let t = ts[i], v = vs[i]
                            guard t <= latest, t >= MetricStoreDB.timestampMin else {
                                let why = t > latest
                                    ? "timestamp is more than \(options.futureToleranceMs / 3_600_000)h ahead of the server clock (\(clock.nowMs()) ms); timestamps are milliseconds since the epoch"
                                    : "timestamp is before \(MetricStoreDB.timestampMin), the oldest the store takes"
                                reject(&result, key, t, why, count: 1)
                                continue
                            }
                            switch ms.append(t, v) {
                            case .appended:
                                samples.add(ref: ms.ref, t, v)
                                if samples.w.bytes.count >= WAL.recordBytesSoftMax { cutRecords() }
                                appendedMin = min(appendedMin, t)
                                appendedMax = max(appendedMax, t)
                                appendedCount += 1
                                if let cut, t < cut { lateSamples.append((ms.ref, ms.key, t, v)) }
                            case .duplicate:
                                break
                            case .conflict(let existing):
                                reject(&result, key, t, "duplicate sample for timestamp: stored value \(existing), new value \(v)", count: 1)
                            }
                        }
                    }
                    for (si, s) in batch.series.enumerated() {
                        let given = batch.handle(of: s)
                        if s.keyStart == s.keyEnd, let h = given {
                            // Given by handle alone, without key bytes: the key is the handle's series'.
                            h.series.key.withUnsafeBytes { store(si, s, key: $0, given: h, keyless: true) }
                        } else {
                            store(si, s, key: UnsafeRawBufferPointer(rebasing: keys[Int(s.keyStart)..<Int(s.keyEnd)]), given: given, keyless: false)
                        }
                    }
                }
            }
        }
        if appendedCount > 0 { head.noteAppended(min: appendedMin, max: appendedMax, count: appendedCount) }
        cutRecords()
        if !records.isEmpty {
            do { try wal.log(records, deferred: batch.deferWALWrite) } catch {
                // The head already holds these samples but the WAL does not: refuse further writes
                // rather than acknowledge data a crash would lose.
                closed = true
                logger.critical("WAL write failed; metric store stops accepting writes", metadata: ["error": "\(error)"])
                throw error
            }
        }
        result.samplesAppended = samplesAppended
        result.handles = handles
        samplesIngested.increment(by: samplesAppended)
        if result.rejectedCount > 0 { samplesRejected.increment(by: result.rejectedCount) }
        if result.seriesCreated > 0 {
            seriesCreated.increment(by: result.seriesCreated)
            activeSeries.record(head.seriesCount)
        }
        if options.fsync == .always { noteFsyncs() }
        return result
    }

    private func reject(_ result: inout CommitResult, _ key: UnsafeRawBufferPointer, _ t: Int64, _ reason: String, count: Int) {
        result.rejectedCount += count
        if result.rejected.count < CommitResult.rejectionsKeptMax {
            let labels = Labels(encoded: Array(key)) ?? Labels([])
            result.rejected.append(SampleRejection(labels: labels, t: t, reason: reason))
        }
    }
}
