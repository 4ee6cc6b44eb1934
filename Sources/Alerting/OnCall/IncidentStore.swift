import Foundation
import Logging
import OspreyCore

/// The incidents, their timelines and acknowledgements, kept in `<data>/alerting/incidents.log` and
/// replayed at start. Every change is appended and fsynced before it is applied, so what a caller was
/// told happened survives `kill -9`. Thread-safe; reads never wait for the disk.
public final class IncidentStore: @unchecked Sendable {
    /// Guards the in-memory incidents.
    private let lock = NSLock()
    /// Serialises appends, so records reach the log in the order they are applied.
    private let writeLock = NSLock()
    private let log: IncidentLog
    private var incidents: [String: Incident] = [:]
    /// Latest incident id per "receiver\u{0}groupKey".
    private var byGroup: [String: String] = [:]
    private var lastID = 0
    /// What replay repaired at start (a torn tail cut off), for the log and the tests.
    public let repaired: String?

    /// Opens the store in `directory` (the alerting folder), replaying its log. Incidents resolved before
    /// `nowMs - retentionMs` are dropped, and the log is rewritten without them (the newest incident is
    /// always kept, so ids keep counting up).
    public init(directory: String, retentionMs: Int64 = IncidentStore.defaultRetentionMs, nowMs: Int64 = SystemClock().nowMs(),
                logger: Logger? = nil) throws {
        log = try IncidentLog(path: directory + "/" + AlertingFiles.incidentsLog)
        let replay = try log.replay()
        repaired = replay.repaired
        if let repaired { logger?.warning("incidents log repaired", metadata: ["repair": "\(repaired)"]) }
        for record in replay.records {
            if !apply(record.incident, record.entry) {
                logger?.error("incidents log record for an incident never opened; skipped", metadata: ["incident": "\(record.incident)"])
            }
        }
        let expired = Set(incidents.values.filter {
            $0.state == .resolved && $0.updatedAtMs < nowMs - retentionMs && Int($0.id) != lastID
        }.map(\.id))
        if !expired.isEmpty {
            try log.rewrite(replay.records.filter { !expired.contains($0.incident) })
            for id in expired {
                if let i = incidents.removeValue(forKey: id), byGroup[i.receiver + "\u{0}" + i.groupKey] == id {
                    byGroup[i.receiver + "\u{0}" + i.groupKey] = nil
                }
            }
            logger?.info("incidents past retention dropped", metadata: ["count": "\(expired.count)"])
        }
    }

    /// How long a resolved incident is kept for the review: 90 days, a quarter's worth of incidents.
    public static let defaultRetentionMs: Int64 = 90 * 86_400_000

    /// Every incident in `state` (all when nil), newest first.
    public func incidents(state: IncidentState? = nil) -> [Incident] {
        lock.withLock {
            incidents.values.filter { state == nil || $0.state == state }
                .sorted { (Int($0.id) ?? 0) > (Int($1.id) ?? 0) }
        }
    }

    public func incident(id: String) -> Incident? { lock.withLock { incidents[id] } }

    /// The latest incident of an alert group.
    public func incident(groupKey: String, receiver: String) -> Incident? {
        lock.withLock { byGroup[receiver + "\u{0}" + groupKey].flatMap { incidents[$0] } }
    }

    /// Whether `token` is the incident's link secret (compared in constant time).
    public func tokenMatches(id: String, token: String) -> Bool {
        guard let secret = lock.withLock({ incidents[id]?.token }) else { return false }
        let a = Array(secret.utf8), b = Array(token.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// Ids of triggered incidents with a step due at `nowMs` or deliveries not yet sent.
    func due(_ nowMs: Int64) -> [String] {
        lock.withLock {
            incidents.values.filter { i in
                i.state == .triggered && (!i.pendingDeliveries.isEmpty || (i.nextEscalation.map { $0.atMs <= nowMs } ?? false))
            }.map(\.id).sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        }
    }

    /// The earliest time a step is due, if any (the service loop may sleep until then).
    func nextDueMs() -> Int64? {
        lock.withLock { incidents.values.compactMap { $0.state == .triggered ? $0.nextEscalation?.atMs : nil }.min() }
    }

    func nextID() -> String { lock.withLock { String(lastID + 1) } }

    /// Writes `entry` to the log (fsynced), then applies it; returns the incident as it now is.
    @discardableResult
    func record(_ id: String, _ entry: TimelineEntry) throws -> Incident {
        // Writers queue on `writeLock` for the fsync; readers only ever wait for the in-memory apply.
        try writeLock.withLock {
            try log.append(IncidentLog.Record(incident: id, entry: entry))
            return try lock.withLock {
                guard applyLocked(id, entry), let i = incidents[id] else {
                    throw IncidentLogError("BUG: recorded \(entry.kind) for incident \(id), which was never opened")
                }
                return i
            }
        }
    }

    private func apply(_ id: String, _ entry: TimelineEntry) -> Bool { lock.withLock { applyLocked(id, entry) } }

    /// The one place an entry changes an incident, for replay and live changes alike.
    private func applyLocked(_ id: String, _ e: TimelineEntry) -> Bool {
        if e.kind == .opened {
            let labels = Labels(e.labels ?? [:])
            var i = Incident(id: id, groupKey: e.groupKey ?? "", receiver: e.receiver ?? "", labels: labels,
                             summary: e.summary ?? "", policy: e.policy ?? "", token: e.token ?? "", atMs: e.atMs)
            i.nextEscalation = EscalationPoint(pass: 1, step: 1, atMs: e.atMs)
            i.timeline = [e]
            incidents[id] = i
            byGroup[i.receiver + "\u{0}" + i.groupKey] = id
            lastID = max(lastID, Int(id) ?? 0)
            return true
        }
        guard var i = incidents[id] else { return false }
        i.timeline.append(e)
        i.updatedAtMs = e.atMs
        switch e.kind {
        case .opened: break
        case .reopened:
            i.state = .triggered
            i.acknowledgedBy = nil
            i.resolvedBy = nil
            if let l = e.labels { i.labels = Labels(l) }
            if let s = e.summary { i.summary = s }
            if let p = e.policy { i.policy = p }
            i.nextEscalation = EscalationPoint(pass: 1, step: 1, atMs: e.atMs)
            i.currentDeliveries = []
            i.pendingDeliveries = []
        case .escalated:
            i.currentDeliveries = e.deliveries ?? []
            i.pendingDeliveries = Array(i.currentDeliveries.indices)
            i.nextEscalation = e.next
        case .notified:
            if let d = e.deliveryIndex { i.pendingDeliveries.removeAll { $0 == d } }
        case .acknowledged:
            i.state = .acknowledged
            i.acknowledgedBy = e.by
            i.nextEscalation = nil
            i.pendingDeliveries = []
        case .resolved:
            i.state = .resolved
            i.resolvedBy = e.by
            i.nextEscalation = nil
            i.pendingDeliveries = []
        case .exhausted:
            i.nextEscalation = nil
            i.pendingDeliveries = []
        }
        incidents[id] = i
        return true
    }
}
