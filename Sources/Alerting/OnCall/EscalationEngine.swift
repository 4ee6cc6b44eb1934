import Foundation
import Logging
import OspreyCore

/// Opens incidents for firing alert groups and escalates them through their policy until someone
/// acknowledges: step 1 at the first `tick` after opening, each later step after the previous step's
/// wait, the whole policy `repeat` more times, then it gives up (`exhausted`). Acknowledging stops it,
/// resolving closes the incident, and a group firing again after resolution re-opens it at step 1.
///
/// Every change is in the `IncidentStore` (fsynced) before a call returns. A step is recorded before
/// its notifications go out and each notification after it went, so after a restart `tick` sends only
/// what was not sent and never runs a recorded step again.
public actor EscalationEngine {
    public nonisolated let store: IncidentStore
    public private(set) var config: OnCallConfig
    private let notifier: OnCallNotifier
    private let clock: Clock
    private let logger: Logger
    private var externalURL: String
    private var ticking = false
    /// Whether the dispatcher holds an alert group (group key, receiver); nil: incidents are never swept.
    private var groupExists: (@Sendable (String, String) -> Bool)?
    /// Open incidents whose alert group was missing at the last tick, and since when.
    private var missingSinceMs: [String: Int64] = [:]

    /// - Parameters:
    ///   - externalURL: where people reach Osprey; links in notifications start with it.
    ///   - groupExists: whether the dispatcher holds an alert group (group key, receiver). With it, `tick`
    ///     resolves (`via: gone`) incidents whose group has been missing for `missingGroupGraceMs`; incidents
    ///     opened through the API have no group and are left alone.
    public init(config: OnCallConfig, store: IncidentStore, notifier: OnCallNotifier, clock: Clock,
                externalURL: String, logger: Logger = Logger(label: "osprey.oncall"),
                groupExists: (@Sendable (_ groupKey: String, _ receiver: String) -> Bool)? = nil) {
        self.groupExists = groupExists
        self.config = config
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.logger = logger
        self.externalURL = config.externalURL ?? externalURL
    }

    /// Applies a reloaded configuration; running escalations continue with their policy's new steps.
    public func update(config: OnCallConfig) {
        self.config = config
        if let u = config.externalURL { externalURL = u }
    }

    public nonisolated var now: Int64 { clock.nowMs() }

    /// How long an incident opened by routing stays open after its alert group disappeared without
    /// resolving (a restart lost the alerts and their sender stopped sending): Prometheus re-sends firing
    /// alerts every minute and resolved ones for 15 minutes, so a group missing this long is not coming back.
    public static let missingGroupGraceMs: Int64 = 15 * 60_000

    /// The longest summary kept; pages are read on phones.
    public static let summaryBytesMax = 4096
    /// The longest group key accepted.
    public static let groupKeyBytesMax = 4096

    /// An alert group started firing. Opens an incident when an escalation policy applies (`policy`
    /// names one explicitly), re-opens the group's resolved incident, or returns the open one unchanged.
    /// Returns nil when no policy escalates this group.
    ///
    /// - Parameter firingSinceMs: when the newest of the group's firing alerts started, if known. An
    ///   incident a person resolved while its alerts still fired is re-opened only by an alert that started
    ///   after that resolution (someone closed it knowingly; the same alerts firing on must not page again).
    ///   One resolved because its alerts resolved re-opens whenever the group fires again.
    @discardableResult
    /// - Parameter via: `api` for an incident opened by hand (it has no alert group to follow).
    public func open(groupKey: String, receiver: String, labels: Labels, summary: String, at ms: Int64,
                     policy name: String? = nil, firingSinceMs: Int64? = nil, via: String? = nil) throws -> Incident? {
        let existing = store.incident(groupKey: groupKey, receiver: receiver)
        // An open incident stays the group's even when alerts joining it changed its common labels.
        if let existing, existing.state != .resolved { return existing }
        let policy: EscalationPolicy
        if let name {
            guard let p = config.policy(named: name) else { throw OnCallError.unknownPolicy(name) }
            policy = p
        } else {
            guard let p = config.policy(receiver: receiver, labels: labels) else { return nil }
            policy = p
        }
        let summary = String(decoding: summary.utf8.prefix(EscalationEngine.summaryBytesMax), as: UTF8.self)
        if let existing {
            if let since = firingSinceMs, let resolution = existing.timeline.last(where: { $0.kind == .resolved }),
               resolution.via != "alerts", since <= resolution.atMs {
                return existing
            }
            var e = TimelineEntry(.reopened, atMs: ms)
            e.labels = Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            e.summary = summary
            e.policy = policy.name
            logger.info("incident re-opened", metadata: ["incident": "\(existing.id)", "group": "\(groupKey)"])
            return try store.record(existing.id, e)
        }
        var e = TimelineEntry(.opened, atMs: ms)
        e.groupKey = groupKey
        e.receiver = receiver
        e.labels = Dictionary(labels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        e.summary = summary
        e.policy = policy.name
        e.via = via
        e.token = EscalationEngine.newToken()
        let id = store.nextID()
        logger.info("incident opened", metadata: ["incident": "\(id)", "group": "\(groupKey)", "policy": "\(policy.name)"])
        return try store.record(id, e)
    }

    /// The alert group's alerts all resolved: its open incident is resolved (`via: alerts`).
    @discardableResult
    public func alertsResolved(groupKey: String, receiver: String, at ms: Int64) throws -> Incident? {
        guard let i = store.incident(groupKey: groupKey, receiver: receiver), i.state != .resolved else { return nil }
        var e = TimelineEntry(.resolved, atMs: ms)
        e.via = "alerts"
        return try store.record(i.id, e)
    }

    /// The alert group's own notification went to its receiver (Alertmanager routing, not an escalation
    /// step): the open incident's timeline records where it went (a `notified` entry whose delivery target is
    /// `route`). Nothing happens without an incident.
    public func groupNotified(groupKey: String, receiver: String, attempts: [ContactAttempt], at ms: Int64) throws {
        guard let i = store.incident(groupKey: groupKey, receiver: receiver), !attempts.isEmpty else { return }
        var e = TimelineEntry(.notified, atMs: ms)
        e.delivery = Delivery(target: "route", name: receiver, person: nil)
        e.attempts = attempts
        if !attempts.contains(where: \.ok) { e.error = attempts.compactMap(\.error).first ?? "no integration of \(receiver) delivered" }
        try store.record(i.id, e)
    }

    /// The incident's alert group is gone without its alerts resolving (`via`: `reload` when a reload
    /// regrouped its alerts, `gone` when it disappeared): the incident resolves, saying why.
    @discardableResult
    public func groupGone(groupKey: String, receiver: String, via: String, reason: String, at ms: Int64) throws -> Incident? {
        guard let i = store.incident(groupKey: groupKey, receiver: receiver), i.state != .resolved else { return nil }
        var e = TimelineEntry(.resolved, atMs: ms)
        e.via = via
        e.error = reason
        logger.info("incident resolved: its alert group is gone", metadata: ["incident": "\(i.id)", "group": "\(groupKey)", "reason": "\(reason)"])
        return try store.record(i.id, e)
    }

    /// Someone acknowledged: escalation stops. Acknowledging an acknowledged incident changes nothing;
    /// a resolved one cannot be acknowledged.
    /// - Parameter via: `api` or `link`.
    public func acknowledge(id: String, by: String, via: String, at ms: Int64) throws -> Incident {
        guard let i = store.incident(id: id) else { throw OnCallError.notFound(id) }
        switch i.state {
        case .acknowledged: return i
        case .resolved: throw OnCallError.alreadyResolved(id)
        case .triggered:
            var e = TimelineEntry(.acknowledged, atMs: ms)
            e.by = by
            e.via = via
            logger.info("incident acknowledged", metadata: ["incident": "\(id)", "by": "\(by)"])
            return try store.record(id, e)
        }
    }

    /// Someone resolved the incident: it closes and escalation stops. Resolving twice changes nothing.
    public func resolve(id: String, by: String, via: String, at ms: Int64) throws -> Incident {
        guard let i = store.incident(id: id) else { throw OnCallError.notFound(id) }
        guard i.state != .resolved else { return i }
        var e = TimelineEntry(.resolved, atMs: ms)
        e.by = by
        e.via = via
        logger.info("incident resolved", metadata: ["incident": "\(id)", "by": "\(by)"])
        return try store.record(id, e)
    }

    /// Runs every escalation step due at `nowMs` and sends every delivery not yet sent. Tests call it
    /// directly; the service calls it every second with the clock's time.
    public func tick(_ nowMs: Int64) async {
        guard !ticking else { return }
        ticking = true
        defer { ticking = false }
        sweepMissingGroups(nowMs)
        for id in store.due(nowMs) {
            do { try await advance(id, nowMs) } catch {
                logger.error("escalation failed", metadata: ["incident": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// The acknowledge, resolve and incident links for an incident (`by` names who the link was sent to).
    public func links(_ incident: Incident, by person: String?) -> (acknowledge: String, resolve: String, incident: String) {
        let by = person.map { "&by=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let base = "\(externalURL)/oncall/incidents/\(incident.id)"
        return ("\(base)/ack?token=\(incident.token)\(by)", "\(base)/resolve?token=\(incident.token)\(by)",
                "\(externalURL)/api/oncall/incidents/\(incident.id)")
    }

    /// Resolves open incidents opened by routing whose alert group has been missing for `missingGroupGraceMs`.
    private func sweepMissingGroups(_ now: Int64) {
        guard let groupExists else { return }
        var stillMissing: [String: Int64] = [:]
        for i in store.incidents() where i.state != .resolved && i.timeline.first?.via != "api" {
            if groupExists(i.groupKey, i.receiver) { continue }
            let since = missingSinceMs[i.id] ?? now
            guard now - since >= Self.missingGroupGraceMs else {
                stillMissing[i.id] = since
                continue
            }
            do {
                try groupGone(groupKey: i.groupKey, receiver: i.receiver, via: "gone",
                              reason: "its alerts stopped arriving without resolving (no alert group for \(Self.missingGroupGraceMs / 60_000) minutes)", at: now)
            } catch {
                logger.error("incident of a missing alert group not resolved", metadata: ["incident": "\(i.id)", "error": "\(error)"])
                stillMissing[i.id] = since
            }
        }
        missingSinceMs = stillMissing
    }

    private func advance(_ id: String, _ now: Int64) async throws {
        while let i = store.incident(id: id), i.state == .triggered {
            if !i.pendingDeliveries.isEmpty {
                try await deliver(i, now)
                continue
            }
            guard let next = i.nextEscalation, next.atMs <= now else { return }
            guard let policy = config.policy(named: i.policy), let stepNumber = next.step, stepNumber <= policy.steps.count else {
                var e = TimelineEntry(.exhausted, atMs: now)
                if config.policy(named: i.policy) == nil { e.error = "escalation policy \"\(i.policy)\" is no longer configured" }
                try store.record(id, e)
                logger.warning("escalation ended without an acknowledgement", metadata: ["incident": "\(id)"])
                return
            }
            let step = policy.steps[stepNumber - 1]
            var e = TimelineEntry(.escalated, atMs: now)
            e.pass = next.pass
            e.step = stepNumber
            e.deliveries = step.targets.map { target in
                switch target {
                case .schedule(let s): return Delivery(target: "schedule", name: s, person: config.schedule(named: s)?.onCall(at: now))
                case .person(let p): return Delivery(target: "person", name: p, person: p)
                case .receiver(let r): return Delivery(target: "receiver", name: r, person: nil)
                }
            }
            let at = now + step.waitMs
            if stepNumber < policy.steps.count {
                e.next = EscalationPoint(pass: next.pass, step: stepNumber + 1, atMs: at)
            } else if next.pass <= policy.repeatCount {
                e.next = EscalationPoint(pass: next.pass + 1, step: 1, atMs: at)
            } else {
                e.next = EscalationPoint(pass: next.pass, step: nil, atMs: at)
            }
            try store.record(id, e)
        }
    }

    /// Sends the running step's unsent deliveries one by one, recording each; stops if the incident
    /// was acknowledged or resolved meanwhile.
    private func deliver(_ incident: Incident, _ now: Int64) async throws {
        let stepEntry = incident.timeline.last { $0.kind == .escalated }
        for index in incident.pendingDeliveries {
            guard let current = store.incident(id: incident.id), current.state == .triggered,
                  current.pendingDeliveries.contains(index) else { return }
            let d = current.currentDeliveries[index]
            let links = links(current, by: d.person)
            let notice = IncidentNotice(incidentID: current.id, summary: current.summary, labels: current.labels,
                                        groupKey: current.groupKey, receiver: current.receiver,
                                        step: stepEntry?.step ?? 1, pass: stepEntry?.pass ?? 1,
                                        acknowledgeURL: links.acknowledge, resolveURL: links.resolve, incidentURL: links.incident)
            var e = TimelineEntry(.notified, atMs: now)
            e.deliveryIndex = index
            e.delivery = d
            if d.target == "receiver" {
                e.attempts = await notifier.notify(receiver: d.name, about: notice)
            } else if let name = d.person, let person = config.person(named: name) {
                e.attempts = await notifier.page(person, about: notice)
            } else if d.person == nil {
                e.error = "nobody is on call in schedule \"\(d.name)\""
            } else {
                e.error = "person \"\(d.person!)\" is no longer configured"
            }
            if e.error == nil, !(e.attempts ?? []).contains(where: \.ok) {
                e.error = (e.attempts ?? []).compactMap(\.error).first ?? "no contact method reached \(d.person ?? d.name)"
            }
            try store.record(current.id, e)
        }
    }

    /// 128 random bits as hex: the secret of an incident's links.
    static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let s = String(g.next() as UInt32, radix: 16)
            return String(repeating: "0", count: 8 - s.count) + s
        }.joined()
    }
}

/// Why an on-call request was refused.
public enum OnCallError: Error, CustomStringConvertible, Equatable {
    case notFound(String)
    case alreadyResolved(String)
    case unknownPolicy(String)

    public var description: String {
        switch self {
        case .notFound(let id): return "no incident with id \"\(id)\""
        case .alreadyResolved(let id): return "incident \(id) is resolved; it cannot be acknowledged"
        case .unknownPolicy(let p): return "no escalation policy named \"\(p)\""
        }
    }
}
