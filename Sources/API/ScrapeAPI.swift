import Foundation
import Hummingbird
import Ingest
import OspreyCore

/// `/api/v1/targets`, `/api/v1/targets/metadata` and `/api/v1/metadata`, in Prometheus's shapes.
public struct ScrapeAPI: Sendable {
    let manager: ScrapeManager

    public init(manager: ScrapeManager) { self.manager = manager }

    public func register(_ router: Router<BasicRequestContext>) {
        router.get("/api/v1/targets") { r, _ in self.answer(r, self.targets) }
        router.get("/api/v1/targets/metadata") { r, _ in self.answer(r, self.targetMetadata) }
        router.get("/api/v1/metadata") { r, _ in self.answer(r, self.metadata) }
    }

    func answer(_ request: Request, _ body: (Params) throws -> String) -> Response {
        var p = Params()
        if let q = request.uri.query { p.add(query: q) }
        do { return json("{\"status\":\"success\",\"data\":" + (try body(p)) + "}") } catch let e as APIError {
            return errorResponse(e)
        } catch {
            return errorResponse(.badData("\(error)"))
        }
    }

    func targets(_ p: Params) throws -> String {
        let state = p.all("state").first?.lowercased() ?? "any"
        guard ["any", "active", "dropped", ""].contains(state) else {
            throw APIError.badData("invalid parameter \"state\": must be active, dropped or any")
        }
        let pool = p.all("scrapePool").first
        var w = JSONWriter(capacity: 4096)
        w.raw("{\"activeTargets\":[")
        if state != "dropped" {
            var first = true
            for (job, s) in manager.activeTargets() where pool == nil || pool == job {
                if !first { w.raw(",") }
                first = false
                w.raw("{\"discoveredLabels\":"); w.labels(s.target.discoveredLabels)
                w.raw(",\"labels\":"); w.labels(s.target.labels)
                w.raw(",\"scrapePool\":"); w.string(job)
                w.raw(",\"scrapeUrl\":"); w.string(s.target.url)
                w.raw(",\"globalUrl\":"); w.string(s.target.url)
                w.raw(",\"lastError\":"); w.string(s.lastError)
                w.raw(",\"lastScrape\":"); w.string(ScrapeAPI.rfc3339(s.lastScrapeMs))
                w.raw(",\"lastScrapeDuration\":\(s.lastScrapeDurationSeconds)")
                w.raw(",\"health\":"); w.string(s.health.rawValue)
                w.raw(",\"scrapeInterval\":"); w.string(OspreyCore.Duration.format(s.target.intervalMs))
                w.raw(",\"scrapeTimeout\":"); w.string(OspreyCore.Duration.format(s.target.timeoutMs))
                w.raw("}")
            }
        }
        w.raw("],\"droppedTargets\":[")
        var counts: [String: Int] = [:]
        for name in manager.jobNames { counts[name] = 0 }
        let dropped = manager.droppedTargets()
        for d in dropped { counts[d.job, default: 0] += 1 }
        if state != "active" {
            var first = true
            for d in dropped where pool == nil || pool == d.job {
                if !first { w.raw(",") }
                first = false
                w.raw("{\"discoveredLabels\":"); w.labels(d.discoveredLabels); w.raw("}")
            }
        }
        w.raw("],\"droppedTargetCounts\":{")
        for (i, name) in counts.keys.sorted().enumerated() {
            if i > 0 { w.raw(",") }
            w.string(name); w.raw(":\(counts[name]!)")
        }
        w.raw("}}")
        return w.out
    }

    func targetMetadata(_ p: Params) throws -> String {
        var matchers: [LabelMatcher] = []
        if let sel = p.all("match_target").first, !sel.isEmpty {
            do { matchers = try SeriesSelector.parse(sel) } catch {
                throw APIError.badData("invalid parameter \"match_target\": \(error)")
            }
        }
        let metric = p.all("metric").first
        let limit = try p.limit()
        var w = JSONWriter(capacity: 4096)
        w.raw("[")
        var n = 0
        outer: for (_, s) in manager.activeTargets() {
            guard matchers.allSatisfy({ $0.matches(s.target.labels[$0.name] ?? "") }) else { continue }
            for (name, meta) in s.metadata where metric == nil || metric == name {
                if let limit, n >= limit { break outer }
                if n > 0 { w.raw(",") }
                n += 1
                w.raw("{\"target\":"); w.labels(s.target.labels)
                w.raw(",\"metric\":"); w.string(name)
                w.raw(",\"type\":"); w.string(meta.type.rawValue)
                w.raw(",\"help\":"); w.string(meta.help)
                w.raw(",\"unit\":"); w.string(meta.unit)
                w.raw("}")
            }
        }
        w.raw("]")
        return w.out
    }

    func metadata(_ p: Params) throws -> String {
        let metric = p.all("metric").first
        let limit = try p.limit()
        var perMetric: Int?
        if let s = p.all("limit_per_metric").first, !s.isEmpty {
            guard let n = Int(s) else { throw APIError.badData("invalid parameter \"limit_per_metric\": not a number") }
            perMetric = n > 0 ? n : nil
        }
        var byName: [String: [MetricMetadata]] = [:]
        var order: [String] = []
        for (_, s) in manager.activeTargets() {
            for (name, meta) in s.metadata where metric == nil || metric == name {
                if byName[name] == nil { order.append(name); byName[name] = [] }
                if !byName[name]!.contains(meta) { byName[name]!.append(meta) }
            }
        }
        var w = JSONWriter(capacity: 4096)
        w.raw("{")
        for (i, name) in order.enumerated() {
            if let limit, i >= limit { break }
            if i > 0 { w.raw(",") }
            w.string(name); w.raw(":[")
            for (j, m) in byName[name]!.enumerated() {
                if let perMetric, j >= perMetric { break }
                if j > 0 { w.raw(",") }
                w.raw("{\"type\":"); w.string(m.type.rawValue)
                w.raw(",\"help\":"); w.string(m.help)
                w.raw(",\"unit\":"); w.string(m.unit); w.raw("}")
            }
            w.raw("]")
        }
        w.raw("}")
        return w.out
    }

    /// RFC 3339 with nanoseconds in UTC; Go's zero time when the target was never scraped.
    static func rfc3339(_ ms: Int64?) -> String {
        guard let ms else { return "0001-01-01T00:00:00Z" }
        var t = time_t(ms / 1000)
        var tm = tm()
        gmtime_r(&t, &tm)
        let nanos = Int(ms % 1000) * 1_000_000
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), nanos)
    }
}
