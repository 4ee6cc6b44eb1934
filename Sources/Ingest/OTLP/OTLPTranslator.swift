import Foundation
import MetricStore
import OspreyCore

/// Metric metadata found in a request, for a `MetadataSink`.
public struct OTLPMetadata: Sendable, Equatable {
    public var job: String?
    public var instance: String?
    public var family: String
    public var type: MetricFamilyType
    public var help: String
    public var unit: String
}

/// What one request becomes: the samples to store, the metadata, and the points that were not translated.
public struct OTLPTranslation: Sendable {
    public var batch = EncodedBatch()
    public var metadata: [OTLPMetadata] = []
    /// Data points that produce no samples (exponential histograms, invalid points), with the first reasons.
    public var rejectedPoints = 0
    public var rejections: [String] = []
    var staging = OTLPDeltaTracker.Staging()

    /// Rejection reasons kept per request; the count says how many there were in all.
    public static let rejectionsKeptMax = 10

    public var sampleCount: Int { batch.timestamps.count }

    mutating func reject(_ points: Int, _ why: String) {
        rejectedPoints += points
        if rejections.count < Self.rejectionsKeptMax { rejections.append(why) }
    }

    mutating func add(_ labels: Labels, _ ms: Int64, _ value: Double) {
        let keyStart = Int32(batch.keyBytes.count)
        batch.keyBytes.append(contentsOf: labels.encoded)
        let s = Int32(batch.timestamps.count)
        batch.series.append(.init(keyStart: keyStart, keyEnd: Int32(batch.keyBytes.count), sampleStart: s, sampleEnd: s + 1))
        batch.timestamps.append(ms)
        batch.values.append(value)
    }
}

/// Translates OTLP metrics into Prometheus series the way Prometheus's OTLP receiver does:
///
/// - names: `OTLPNaming.metricName` (escaping, unit suffixes, `_total` for monotonic sums, `_ratio` for unit-1 gauges);
///   attribute keys become label names by `OTLPNaming.labelName`; keys that collide join their values with `;`.
/// - `job` is `service.namespace/service.name` (or `service.name`), `instance` is `service.instance.id`;
///   they override point attributes of the same name. Other resource attributes go on one `target_info`
///   gauge per resource (value 1, at the resource's latest point), only when there are any.
/// - gauge and sum → one series; histogram → `_bucket{le}` (cumulative, up to `le="+Inf"` = count), `_sum`
///   (when recorded), `_count`; summary → `{quantile}` series, `_sum`, `_count`.
/// - delta sums and histograms become cumulative through `OTLPDeltaTracker`; unspecified temporality is rejected.
/// - the no-recorded-value flag, an absent value or a non-finite number value store the staleness marker.
/// - exponential histograms are rejected per metric (native histograms are not stored yet); the rest of the request is kept.
/// - timestamps: nanoseconds → milliseconds, truncated.
public enum OTLPTranslator {
    public static func translate(_ request: OTLPMetricsRequest, deltas: OTLPDeltaTracker) -> OTLPTranslation {
        var out = OTLPTranslation()
        for resource in request.resourceMetrics {
            translate(resource, deltas: deltas, into: &out)
        }
        return out
    }

    static func translate(_ rm: OTLPResourceMetrics, deltas: OTLPDeltaTracker, into out: inout OTLPTranslation) {
        var attributes: [String: String] = [:]
        for kv in rm.resource { attributes[kv.key] = OTLPNaming.labelValue(kv.value) }
        var job = attributes["service.name"]
        if let name = job, let namespace = attributes["service.namespace"], !namespace.isEmpty { job = namespace + "/" + name }
        let instance = attributes["service.instance.id"]
        let target = Target(job: job, instance: instance)
        var latestMs: Int64?
        for scope in rm.scopeMetrics {
            for metric in scope.metrics {
                if let ms = translate(metric, target: target, deltas: deltas, into: &out) {
                    latestMs = max(latestMs ?? ms, ms)
                }
            }
        }
        let others = rm.resource.filter { !["service.name", "service.namespace", "service.instance.id"].contains($0.key) }
        if let latestMs, !others.isEmpty {
            var labels = target.labels(others)
            labels[Labels.metricNameLabel] = "target_info"
            out.add(Labels(labels), latestMs, 1)
            out.metadata.append(OTLPMetadata(job: job, instance: instance, family: "target_info", type: .gauge, help: "Target metadata", unit: ""))
        }
    }

    struct Target {
        let job: String?
        let instance: String?

        /// Label set of a point: its attributes (sanitized, colliding keys joined with `;` in key order), then job and instance.
        func labels(_ attributes: [OTLPKeyValue]) -> [String: String] {
            var out: [String: String] = [:]
            for kv in attributes.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                guard let name = OTLPNaming.labelName(kv.key) else { continue }
                let value = OTLPNaming.labelValue(kv.value)
                if let existing = out[name] { out[name] = existing + ";" + value } else { out[name] = value }
            }
            if let job { out["job"] = job }
            if let instance { out["instance"] = instance }
            return out
        }
    }

    static func ms(_ ns: UInt64) -> Int64 { Int64(ns / 1_000_000) }

    /// Translates one metric; returns its latest timestamp (ms) when it stored anything.
    static func translate(_ metric: OTLPMetric, target: Target, deltas: OTLPDeltaTracker, into out: inout OTLPTranslation) -> Int64? {
        let kind: OTLPNaming.Kind
        let type: MetricFamilyType
        var temporality = OTLPTemporality.cumulative
        switch metric.data {
        case .none: return nil
        case .gauge: (kind, type) = (.gauge, .gauge)
        case .sum(_, let t, let monotonic):
            (kind, type) = monotonic ? (.monotonicCounter, .counter) : (.nonMonotonicCounter, .gauge)
            temporality = t
        case .histogram(_, let t):
            (kind, type) = (.histogram, .histogram)
            temporality = t
        case .summary: (kind, type) = (.summary, .summary)
        case .exponentialHistogram(let n):
            out.reject(n, "metric \"\(metric.name)\": exponential histograms are not supported yet (they need native histograms); its \(n) data points were not stored, the rest of the request was")
            return nil
        }
        let points = metric.data.pointCount
        guard temporality != .unspecified else {
            out.reject(points, "metric \"\(metric.name)\": aggregation temporality is unspecified; send DELTA or CUMULATIVE")
            return nil
        }
        guard let family = OTLPNaming.metricName(metric.name, unit: metric.unit, kind: kind) else {
            out.reject(points, "metric \"\(metric.name)\": the name has no character left after escaping to [a-zA-Z0-9:_]")
            return nil
        }
        let delta = temporality == .delta
        out.metadata.append(OTLPMetadata(job: target.job, instance: target.instance, family: family, type: type,
                                         help: metric.description, unit: unitName(metric.unit)))
        var emit = Emitter(family: family, metricName: metric.name, delta: delta, deltas: deltas)
        switch metric.data {
        case .gauge(let ps), .sum(let ps, _, _):
            for p in ps {
                var labels = target.labels(p.attributes)
                emit.number(p, labels: &labels, into: &out)
            }
        case .histogram(let ps, _):
            for p in ps {
                var labels = target.labels(p.attributes)
                emit.histogram(p, labels: &labels, into: &out)
            }
        case .summary(let ps):
            for p in ps {
                var labels = target.labels(p.attributes)
                emit.summary(p, labels: &labels, into: &out)
            }
        case .none, .exponentialHistogram:
            break
        }
        return emit.latestMs
    }

    /// The Prometheus unit of an OTLP unit, for metadata: `By/s` → `bytes_per_second`, `1` → empty.
    static func unitName(_ unit: String) -> String {
        let (main, per) = OTLPNaming.unitSuffixes(unit)
        let m = OTLPNaming.cleanUnit(main), p = OTLPNaming.cleanUnit(per)
        var u = !m.isEmpty && !p.isEmpty ? m + "_" + p : m.isEmpty ? p : m
        if u.hasPrefix("_") { u.removeFirst() }
        if u.hasSuffix("_") { u.removeLast() }
        return u
    }
}
