import Foundation
import Logging
import OspreyCore
import ServiceLifecycle

extension Dispatcher {
    /// One flush through Alertmanager's notification stages, in its order: time intervals (muted by the
    /// route's `mute_time_intervals`, or outside its `active_time_intervals`), inhibition, silences, then every
    /// integration of the receiver at once. Succeeds when every integration succeeded or had nothing to send.
    func flush(_ job: FlushJob) async {
        var succeeded = true
        defer { finish(job, succeeded: succeeded) }
        let now = job.nowMs
        let allResolved = job.alerts.allSatisfy { $0.isResolved(at: now) }
        if job.routing.isMuted(job.route, at: now) {
            logger.debug("alert group muted by a time interval", metadata: ["group": "\(job.id.groupKey)", "route": "\(job.route.id)"])
            // A muted group opens no incident, but its end must still close one: the group goes away after
            // this flush.
            if allResolved, let escalation {
                _ = await escalation.flushing(GroupFlush(groupKey: job.id.groupKey, receiver: job.route.receiver, groupLabels: job.labels,
                                                         firing: [], allResolved: true, nowMs: now))
            }
            return
        }
        var alerts = job.alerts
        if let inhibitor = job.inhibitor { alerts.removeAll { inhibitor.isInhibited($0.labels) } }
        alerts.removeAll { !silences.mutes($0.labels, now: now).isEmpty }
        // Escalation hears of the flush before anything is sent, so the notification can carry the
        // incident's acknowledge link; a group whose alerts are all silenced opens no incident.
        var links: [String: String] = [:]
        if let escalation {
            let flush = GroupFlush(groupKey: job.id.groupKey, receiver: job.route.receiver, groupLabels: job.labels,
                                   firing: alerts.filter { !$0.isResolved(at: now) }, allResolved: allResolved, nowMs: now)
            links = await escalation.flushing(flush)
        }
        guard !alerts.isEmpty else { return }
        // As Alertmanager's flush does, a firing alert is sent without an end (Go's zero time), so a receiver
        // never sees it resolve by a future end time; notifiers show that for alerts marked `timeout`.
        for i in alerts.indices where !alerts[i].isResolved(at: now) { alerts[i].timeout = true }
        let notification = GroupNotification(receiver: job.route.receiver, groupKey: job.id.groupKey, groupLabels: job.labels,
                                             alerts: alerts, nowMs: now, externalURL: options.externalURL, links: links)
        let results = await withTaskGroup(of: DeliveryOutcome.self) { tasks in
            for integration in job.integrations {
                tasks.addTask { await self.deliver(notification, to: integration, route: job.route) }
            }
            var all: [DeliveryOutcome] = []
            for await outcome in tasks { all.append(outcome) }
            return all
        }
        succeeded = results.allSatisfy(\.ok)
        // An incident's timeline records where its group's notification went (when one was sent or tried).
        let attempted = results.filter(\.attempted).sorted { ($0.integration, $0.index) < ($1.integration, $1.index) }
        if !links.isEmpty, !attempted.isEmpty, let escalation {
            await escalation.notified(groupKey: job.id.groupKey, receiver: job.route.receiver, outcomes: attempted, at: clock.nowMs())
        }
    }

    /// One integration's share of a flush: Alertmanager's dedup, retry and log stages. Not `ok` when the
    /// notification was needed and did not get through (or could not be recorded).
    func deliver(_ notification: GroupNotification, to integration: any Integration, route: Route) async -> DeliveryOutcome {
        func outcome(attempted: Bool, _ ok: Bool, _ error: String? = nil) -> DeliveryOutcome {
            DeliveryOutcome(integration: integration.name, index: integration.index, attempted: attempted, ok: ok, error: error)
        }
        let now = notification.nowMs
        var firing = Set<UInt64>(), resolved = Set<UInt64>()
        for a in notification.alerts {
            if a.isResolved(at: now) { resolved.insert(a.fingerprint.value) } else { firing.insert(a.fingerprint.value) }
        }
        let key = NotificationLogKey(groupKey: notification.groupKey, receiver: notification.receiver,
                                     integration: integration.name, index: integration.index)
        guard notificationLog.needsUpdate(key, firing: firing, resolved: resolved, sendResolved: integration.sendResolved,
                                          repeatIntervalMs: route.repeatIntervalMs, now: now) else { return outcome(attempted: false, true) }
        metrics.notified(integration.name)
        var sent = notification
        if !integration.sendResolved {
            // Only resolved alerts and the integration does not want them: nothing to send, but the log must
            // learn that the firing ones are gone, or the next firing alert would look like a repeat.
            if firing.isEmpty { return outcome(attempted: false, record(key, firing: firing, resolved: resolved, now: now)) }
            sent.alerts = notification.alerts.filter { !$0.isResolved(at: now) }
        }
        let deadline = now + max(route.groupIntervalMs, options.retry.timeoutMsMin)
        var backoff = options.retry.initialBackoffMs
        var attempt = 0
        while true {
            attempt += 1
            let started = ContinuousClock.now
            let result = await integration.notify(sent)
            metrics.attempted(integration.name, seconds: started.duration(to: .now))
            let failure: (reason: String, retry: Bool)
            switch result {
            case .delivered:
                if attempt > 1 {
                    logger.info("notification delivered after retries", metadata: meta(key, attempt))
                }
                let recorded = record(key, firing: firing, resolved: resolved, now: now)
                return outcome(attempted: true, recorded, recorded ? nil : "delivered, but not recorded in the notification log")
            case .failed(let reason, let retry):
                failure = (reason, retry)
            }
            metrics.attemptFailed(integration.name)
            if !failure.retry {
                return fail(key, attempt, reason: failure.reason, label: NotificationMetrics.reasonLabel(failure.reason, retry: false))
            }
            if Task.isCancelled || Task.isShuttingDownGracefully {
                return fail(key, attempt, reason: "stopped while retrying after: \(failure.reason)", label: "contextCanceled")
            }
            let wait = backoff
            guard clock.nowMs() + wait < deadline else {
                return fail(key, attempt, reason: "gave up at the next group_interval after: \(failure.reason)", label: "contextDeadlineExceeded")
            }
            if attempt == 1 {
                logger.warning("notification failed, will retry", metadata: meta(key, attempt).merging(["error": "\(failure.reason)"]) { a, _ in a })
            }
            do { try await sleep(wait) } catch {
                return fail(key, attempt, reason: "stopped while retrying after: \(failure.reason)", label: "contextCanceled")
            }
            backoff = min(Int64(Double(backoff) * options.retry.multiplier), options.retry.backoffMsMax)
        }
    }

    private func record(_ key: NotificationLogKey, firing: Set<UInt64>, resolved: Set<UInt64>, now: Int64) -> Bool {
        do {
            try notificationLog.log(key, firing: firing, resolved: resolved, now: now)
            return true
        } catch {
            logger.error("notification sent but not recorded in the notification log; it may be sent again",
                         metadata: meta(key, 0).merging(["error": "\(error)"]) { a, _ in a })
            return false
        }
    }

    private func fail(_ key: NotificationLogKey, _ attempts: Int, reason: String, label: String) -> DeliveryOutcome {
        metrics.failed(key.integration, reason: label)
        logger.error("notification failed", metadata: meta(key, attempts).merging(["error": "\(reason)"]) { a, _ in a })
        return DeliveryOutcome(integration: key.integration, index: key.index, attempted: true, ok: false, error: reason)
    }

    private func meta(_ key: NotificationLogKey, _ attempts: Int) -> Logger.Metadata {
        ["receiver": "\(key.receiver)", "integration": "\(key.integration)[\(key.index)]", "group": "\(key.groupKey)", "attempts": "\(attempts)"]
    }
}

/// What one integration did with one flush.
public struct DeliveryOutcome: Sendable, Equatable {
    /// The integration's name (`webhook`, `slack`…) and its index among the receiver's of that kind.
    public var integration: String
    public var index: Int
    /// A send was tried (false: the notification log said nothing new needed sending).
    public var attempted: Bool
    /// Delivered and recorded, or nothing needed sending.
    public var ok: Bool
    /// Why it failed, after retries.
    public var error: String?
}
