import Logging
import OspreyCore

/// Connects the dispatcher to on-call: a flush of a firing alert group whose receiver and labels an
/// escalation policy covers opens the group's incident (or keeps it), a flush with every alert resolved
/// resolves it, and the notification carries the incident's links: acknowledge and resolve while it
/// escalates, the incident page always.
public struct OnCallEscalation: GroupEscalation {
    let engine: EscalationEngine
    let logger: Logger

    public init(engine: EscalationEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    public func flushing(_ flush: GroupFlush) async -> [String: String] {
        do {
            if flush.allResolved {
                // Already resolved by its alerts: a retried resolved notification still links the incident.
                let incident = try await engine.alertsResolved(groupKey: flush.groupKey, receiver: flush.receiver, at: flush.nowMs)
                    ?? engine.store.incident(groupKey: flush.groupKey, receiver: flush.receiver).flatMap {
                        $0.state == .resolved && $0.timeline.last { $0.kind == .resolved }?.via == "alerts" ? $0 : nil
                    }
                guard let incident else { return [:] }
                return [NotificationData.incidentLink: await engine.links(incident, by: nil).incident]
            }
            guard !flush.firing.isEmpty,
                  let incident = try await engine.open(groupKey: flush.groupKey, receiver: flush.receiver, labels: flush.commonLabels,
                                                       summary: Self.summary(flush), at: flush.nowMs,
                                                       firingSinceMs: flush.firing.map(\.startsAtMs).max())
            else { return [:] }
            let links = await engine.links(incident, by: nil)
            switch incident.state {
            case .triggered:
                return [NotificationData.acknowledgeLink: links.acknowledge, NotificationData.resolveLink: links.resolve,
                        NotificationData.incidentLink: links.incident]
            case .acknowledged:
                return [NotificationData.resolveLink: links.resolve, NotificationData.incidentLink: links.incident]
            case .resolved:
                return [NotificationData.incidentLink: links.incident]
            }
        } catch {
            // The notification still goes out; only its incident is missing, and the log says why.
            logger.error("alert group not escalated: the incident could not be recorded",
                         metadata: ["group": "\(flush.groupKey)", "receiver": "\(flush.receiver)", "error": "\(error)"])
            return [:]
        }
    }

    public func notified(groupKey: String, receiver: String, outcomes: [DeliveryOutcome], at nowMs: Int64) async {
        // The n-th integration of a kind (from 0) is `webhook[1]`…, as Alertmanager's logs name them.
        let attempts = outcomes.map {
            ContactAttempt(channel: $0.index == 0 ? $0.integration : "\($0.integration)[\($0.index)]", address: receiver, ok: $0.ok, error: $0.error)
        }
        do { try await engine.groupNotified(groupKey: groupKey, receiver: receiver, attempts: attempts, at: nowMs) } catch {
            logger.error("incident timeline not updated with the group's notification",
                         metadata: ["group": "\(groupKey)", "receiver": "\(receiver)", "error": "\(error)"])
        }
    }

    public func groupsRemoved(_ groups: [GroupRef], at nowMs: Int64) async {
        for g in groups {
            do {
                try await engine.groupGone(groupKey: g.groupKey, receiver: g.receiver, via: "reload",
                                           reason: "a reload regrouped its alerts; they continue in a group of the new routing", at: nowMs)
            } catch {
                logger.error("incident of a regrouped alert group not resolved", metadata: ["group": "\(g.groupKey)", "error": "\(error)"])
            }
        }
    }

    /// One line for a page: `[FIRING:2] HighErrorRate api: Error rate above 5% on api` (the group label values,
    /// then the first alert's `summary`, or else its `description`).
    static func summary(_ flush: GroupFlush) -> String {
        var s = "[FIRING:\(flush.firing.count)]"
        let values = flush.groupLabels.map(\.value).filter { !$0.isEmpty }
        if !values.isEmpty { s += " " + values.joined(separator: " ") }
        if let text = flush.firing.lazy.compactMap({ $0.annotations["summary"] ?? $0.annotations["description"] }).first {
            s += ": " + text
        } else if values.isEmpty, let name = flush.firing.first?.labels["alertname"] {
            s += " " + name
        }
        return s
    }
}
