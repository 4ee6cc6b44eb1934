import MetricStore
import OspreyCore
import Pipeline

/// Why a scrape failed; recorded on the target (`lastError`) and in the log.
public struct ScrapeError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Limits a scrape's series must meet besides the job's own (`sample_limit`, `label_limit`, …):
/// the store's, so a scrape fails as a whole instead of being half-stored.
public struct ScrapeLimits: Sendable {
    public var labelNameBytesMax = 1024
    public var labelValueBytesMax = 16 * 1024
    public var labelsPerSeriesMax = 128
    /// A response larger than this fails the scrape, whatever `body_size_limit` says: it bounds the memory
    /// one scrape can take. 256 MiB is far above any real exporter (node_exporter is ~100 KiB).
    public var bodyBytesMax = 256 << 20
    public init() {}
}

/// What one scrape produced. (`package` for the benchmark, which times the append path alone.)
package struct ScrapeResult {
    package var batch = EncodedBatch()
    package var samplesScraped = 0
    package var samplesPostRelabel = 0
    package var seriesAdded = 0
    /// The cache entry of each of the batch's first series (the scraped ones; staleness and report series
    /// follow), to keep the handles the commit returns.
    var entryOfSeries: [Int32] = []
    var metadata: [(name: String, MetricMetadata)] = []
    var exemplars: [(Labels, Exemplar)] = []
    /// Cache entries this scrape stored a sample for without an explicit timestamp: the next scrape
    /// marks the ones it no longer sees as stale.
    var seen: [Int32] = []

    package init() { batch.collectHandles = true }

    /// An empty result that takes over `old`'s buffers, keeping their capacity.
    init(reusing old: inout ScrapeResult) {
        self.init()
        // Swapped, not copied, so the buffers stay uniquely referenced and are emptied in place.
        swap(&batch, &old.batch)
        swap(&entryOfSeries, &old.entryOfSeries)
        swap(&seen, &old.seen)
        batch.keyBytes.removeAll(keepingCapacity: true)
        batch.series.removeAll(keepingCapacity: true)
        batch.timestamps.removeAll(keepingCapacity: true)
        batch.values.removeAll(keepingCapacity: true)
        batch.handleTable = []
        batch.collectHandles = true
        batch.deferWALWrite = false
        entryOfSeries.removeAll(keepingCapacity: true)
        seen.removeAll(keepingCapacity: true)
    }
}

/// Builds the batch one scrape stores: series from the cache (or parsed, labelled and relabeled when new),
/// then staleness markers for series the previous scrape had and this one has not.
package struct ScrapeAppender {
    let target: ScrapeTarget
    let config: ScrapeConfig
    let limits: ScrapeLimits
    /// Leave out the key bytes of series the store gave a handle for (nobody but the store reads this batch).
    let keyless: Bool

    package init(target: ScrapeTarget, config: ScrapeConfig, limits: ScrapeLimits, keyless: Bool = false) {
        self.target = target
        self.config = config
        self.limits = limits
        self.keyless = keyless
    }

    /// Parses `bytes` and fills `result`. Throws on anything that must fail the whole scrape (the caller then
    /// stores none of `result`). `generation` is unique per scrape attempt; it finds duplicates.
    package func append(_ bytes: [UInt8], format: ExpositionFormat, timestamp ts: Int64, cache: inout SeriesCache,
                generation: UInt32, into result: inout ScrapeResult) throws {
        var parser = ExpositionParser(bytes, format: format, previousMetadata: cache.metadata)
        let predicted = cache.orderFormat == format ? cache.order : []
        cache.beginOrder()
        let sampleLimit = config.sampleLimit, honorTimestamps = config.honorTimestamps, keyless = self.keyless
        try bytes.withUnsafeBufferPointer { buf in
            var ordinal = 0
            while true {
                let more: Bool
                let expected: Int32 = ordinal < predicted.count ? predicted[ordinal] : -1
                ordinal += 1
                do {
                    if expected >= 0 {
                        more = try cache.withRaw(expected) { try parser.next(expecting: $0, nameCount: $1) }
                    } else {
                        more = try parser.next()
                    }
                } catch { throw ScrapeError("parsing the response failed at \(error)") }
                guard more else { break }
                result.samplesScraped += 1
                let index: Int32
                if parser.matchedExpected {
                    index = expected
                } else {
                    let range = parser.seriesRange
                    let h = SeriesCache.hash(buf, range)
                    if let i = cache.find(buf, range, hash: h) {
                        index = i
                    } else {
                        let key = try seriesKey(parser)
                        index = cache.insert(.init(raw: Array(buf[range]), nameCount: Int32(parser.nameRange.count), key: key,
                                                   lastSeen: 0, explicitTimestamp: false), hash: h)
                        if !key.isEmpty { result.seriesAdded += 1 }
                    }
                }
                if cache.lastSeen(index) == generation {
                    throw ScrapeError("line \(parser.line): duplicate series \(String(decoding: buf[parser.seriesRange], as: UTF8.self)) in one scrape")
                }
                cache.noteInOrder(index)
                cache.markSeen(index, generation)
                if cache.isDropped(index) { continue }
                result.samplesPostRelabel += 1
                if sampleLimit > 0, result.samplesPostRelabel > sampleLimit {
                    throw ScrapeError("sample_limit exceeded: more than \(sampleLimit) samples after metric relabeling")
                }
                var t = ts
                if honorTimestamps, let own = parser.timestamp {
                    t = own
                    cache.setExplicitTimestamp(index, true)
                } else {
                    cache.setExplicitTimestamp(index, false)
                    result.seen.append(index)
                }
                cache.addSample(index, t: t, v: parser.value, to: &result.batch, keyless: keyless)
                result.entryOfSeries.append(index)
                if var ex = parser.exemplar, let labels = Labels(encoded: cache.key(index)) {
                    if ex.timestamp == nil { ex.timestamp = t }
                    result.exemplars.append((labels, ex))
                }
            }
        }
        cache.commitOrder(format)
        // Series refer to the cache's handles by index (set after the loop, whose inserts grow the table); the
        // caller empties this before it updates the cache.
        result.batch.handleTable = cache.handles
        let metadata = parser.metadata
        if metadata.count == cache.metadata.count, zip(metadata, cache.metadata).allSatisfy({ $0.name == $1.name && $0.1 == $1.1 }) {
            result.metadata = cache.metadata   // unchanged: the target status keeps sharing the same array
        } else {
            result.metadata = metadata
            cache.metadata = metadata
        }
    }

    /// Labels of a sample not seen before: target labels merged as `honor_labels` says, metric relabeling,
    /// limits. Empty when relabeling drops it.
    func seriesKey(_ parser: ExpositionParser) throws -> [UInt8] {
        let scraped: Labels
        do { scraped = try parser.labels() } catch { throw ScrapeError("parsing the response failed at \(error)") }
        let merged = ScrapeAppender.merge(scraped, target: target.labels, honorLabels: config.honorLabels)
        guard let labels = Relabeling.process(merged, config.metricRelabelConfigs) else { return [] }
        guard let name = labels.metricName, !name.isEmpty else {
            throw ScrapeError("line \(parser.line): series \(merged) has no metric name after metric relabeling")
        }
        if config.labelLimit > 0, labels.count > config.labelLimit {
            throw ScrapeError("label_limit exceeded (metric: \(name), number of labels: \(labels.count), limit: \(config.labelLimit))")
        }
        if labels.count > limits.labelsPerSeriesMax {
            throw ScrapeError("series \(name) has \(labels.count) labels, over the store's limit of \(limits.labelsPerSeriesMax)")
        }
        for l in labels {
            let n = l.name.utf8.count, v = l.value.utf8.count
            if config.labelNameLengthLimit > 0, n > config.labelNameLengthLimit {
                throw ScrapeError("label_name_length_limit exceeded (metric: \(name), label name: \(l.name.prefix(64)), length: \(n), limit: \(config.labelNameLengthLimit))")
            }
            if config.labelValueLengthLimit > 0, v > config.labelValueLengthLimit {
                throw ScrapeError("label_value_length_limit exceeded (metric: \(name), label name: \(l.name), value length: \(v), limit: \(config.labelValueLengthLimit))")
            }
            if n > limits.labelNameBytesMax {
                throw ScrapeError("line \(parser.line): label name \"\(l.name.prefix(64))…\" of \(name) is \(n) bytes, over the limit of \(limits.labelNameBytesMax)")
            }
            if v > limits.labelValueBytesMax {
                throw ScrapeError("line \(parser.line): value of label \"\(l.name)\" of \(name) is \(v) bytes, over the limit of \(limits.labelValueBytesMax)")
            }
        }
        return labels.encoded
    }

    /// Adds the target's labels to a scraped series. With `honor_labels` the scraped value wins; without,
    /// the target's wins and a clashing scraped label is kept as `exported_<name>`. Empty values are removed.
    static func merge(_ scraped: Labels, target: Labels, honorLabels: Bool) -> Labels {
        var out: [String: String] = [:]
        for l in scraped { out[l.name] = l.value }
        if honorLabels {
            for t in target where out[t.name] == nil { out[t.name] = t.value }
            return Labels(out)
        }
        var conflicts: [Label] = []
        for t in target {
            if let existing = out[t.name], !existing.isEmpty { conflicts.append(Label(t.name, existing)) }
            out[t.name] = t.value
        }
        // As Prometheus resolves them: shortest names first, each to the first free exported_… name.
        for c in conflicts.sorted(by: { $0.name.utf8.count < $1.name.utf8.count }) {
            var name = c.name
            repeat { name = "exported_" + name } while !(out[name] ?? "").isEmpty
            out[name] = c.value
        }
        return Labels(out)
    }
}

extension EncodedBatch {
    /// Appends one sample of the series with canonical key `key` (and `handleTable[handle]`, if not -1).
    mutating func add(key: [UInt8], t: Int64, v: Double, handle: Int32 = -1) {
        let keyStart = Int32(keyBytes.count)
        keyBytes.append(contentsOf: key)
        let s = Int32(timestamps.count)
        series.append(.init(keyStart: keyStart, keyEnd: Int32(keyBytes.count), sampleStart: s, sampleEnd: s + 1, handle: handle))
        timestamps.append(t)
        values.append(v)
    }

    /// Appends one sample of the series `handleTable[handle]`, without its key.
    mutating func add(t: Int64, v: Double, handle: Int32) {
        let k = Int32(keyBytes.count)
        let s = Int32(timestamps.count)
        series.append(.init(keyStart: k, keyEnd: k, sampleStart: s, sampleEnd: s + 1, handle: handle))
        timestamps.append(t)
        values.append(v)
    }
}
