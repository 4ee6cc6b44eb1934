import Foundation
import Logging
import Metrics
import OspreyCore
import ServiceLifecycle

/// Alertmanager's dispatcher: routes every alert of the alert store through the route tree (every matching
/// route, `continue` included) into aggregation groups keyed by route and `group_by` labels, flushes each
/// group `group_wait` after it appears and then every `group_interval`, and runs each flush through the
/// notification pipeline (time mutes, inhibition, silences, then per integration: dedup against the
/// notification log, send with retries, record). Resolved alerts are removed from a group once a flush that
/// carried them succeeded; an empty group goes away.
///
/// Time comes from the injected clock and flushing happens only in `tick(now:)`, so tests drive it with a
/// `ManualClock`; `DispatcherService` calls `tick` in production. Thread-safe.
///
/// ```swift
/// let dispatcher = Dispatcher(routing: config, integrations: provider, alerts: store, silences: silences,
///                             notificationLog: nflog, clock: clock, logger: logger)
/// dispatcher.start()                      // subscribes to the store, replaying what it holds
/// await dispatcher.tick(now: clock.nowMs())
/// ```
public final class Dispatcher: @unchecked Sendable {
    public struct Options: Sendable {
        /// Osprey's external URL, passed to notifications for links back.
        public var externalURL = ""
        /// Aggregation groups held at once (Alertmanager's `--dispatch.max-aggregation-groups` idea): ten
        /// times the 1,000-group target load; an alert that would open a group beyond it is logged and not
        /// grouped, so a label explosion cannot exhaust memory.
        public var groupsMax = 10_000
        public var retry = RetryPolicy()

        public init() {}
    }

    /// How failed sends are retried: exponential backoff from `initialBackoffMs`, growing by `multiplier` up
    /// to `backoffMsMax`, until the next `group_interval` (at least `timeoutMsMin`) has passed since the flush.
    public struct RetryPolicy: Sendable {
        /// Alertmanager's backoff starts at 500 ms and grows by 1.5 up to a minute.
        public var initialBackoffMs: Int64 = 500
        public var multiplier = 1.5
        public var backoffMsMax: Int64 = 60_000
        /// Alertmanager's minimum notification timeout (10 s), for groups with a very short `group_interval`.
        public var timeoutMsMin: Int64 = 10_000

        public init() {}
    }

    let alertStore: AlertStore
    let silences: Silences
    let notificationLog: NotificationLog
    let clock: any Clock
    let options: Options
    let sleep: @Sendable (Int64) async throws -> Void
    let metrics: NotificationMetrics
    let logger: Logger

    private let lock = NSLock()
    private var routing: AlertmanagerConfig
    private var integrations: any IntegrationProvider
    private var groups: [GroupID: AggregationGroup] = [:]
    private var subscription: AlertSubscription?
    private var droppedForLimit = 0
    private var groupEscalation: (any GroupEscalation)?

    /// - Parameters:
    ///   - sleep: waits the given milliseconds between retries; tests pass one that advances their clock.
    ///   - metricsFactory: where the notification metrics go (`MetricsSystem.factory` in the server).
    public init(routing: AlertmanagerConfig, integrations: any IntegrationProvider, alerts: AlertStore, silences: Silences,
                notificationLog: NotificationLog, clock: any Clock, options: Options = Options(),
                sleep: @escaping @Sendable (Int64) async throws -> Void = { ms in try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(ms)) } },
                metricsFactory: any MetricsFactory = MetricsSystem.factory, logger: Logger) {
        self.routing = routing
        self.integrations = integrations
        self.alertStore = alerts
        self.silences = silences
        self.notificationLog = notificationLog
        self.clock = clock
        self.options = options
        self.sleep = sleep
        self.metrics = NotificationMetrics(factory: metricsFactory)
        self.logger = logger
    }

    /// Connects escalation: every flush tells it about the group first, and the notification carries the
    /// links it returns. Nil disconnects it.
    public func setEscalation(_ escalation: (any GroupEscalation)?) {
        lock.withLock { groupEscalation = escalation }
    }

    var escalation: (any GroupEscalation)? { lock.withLock { groupEscalation } }

    /// The integrations of the configuration in force.
    public var integrationProvider: any IntegrationProvider { lock.withLock { integrations } }

    /// The group of `receiver` with this group key as it is now (alerts in notification order), nil when it is
    /// gone. Escalation uses it so a page shows the alerts firing when the page goes out.
    public func group(key: String, receiver: String) -> AlertGroupSnapshot? {
        lock.withLock {
            groups.first { $0.key.groupKey == key && $0.value.route.receiver == receiver }.map {
                AlertGroupSnapshot(labels: $0.value.labels, receiver: receiver, alerts: $0.value.sortedAlerts)
            }
        }
    }

    /// Subscribes to the alert store, first taking every alert it holds. Idempotent.
    public func start() {
        guard lock.withLock({ subscription == nil }) else { return }
        let s = alertStore.subscribe(replayingCurrent: true) { [weak self] alerts in self?.receive(alerts) }
        lock.withLock { subscription = s }
    }

    /// Stops taking alerts from the store; groups stay as they are.
    public func stop() {
        guard let s = lock.withLock({ () -> AlertSubscription? in defer { subscription = nil }; return subscription }) else { return }
        alertStore.unsubscribe(s)
    }

    /// Takes a reloaded configuration. Alerts are routed again through the new tree; a group whose route ID
    /// and group key still exist keeps its timing (whether it flushed, when it flushes next), so a reload
    /// neither delays nor repeats its notifications; other groups start anew with `group_wait`. What was
    /// already sent stays in the notification log either way.
    public func apply(routing next: AlertmanagerConfig, integrations provider: any IntegrationProvider) {
        let (gone, escalation, now): ([GroupRef], (any GroupEscalation)?, Int64) = lock.withLock {
            let now = clock.nowMs()
            var latest: [Fingerprint: Alert] = [:]
            for g in groups.values {
                for a in g.alerts.values where (latest[a.fingerprint]?.updatedAtMs ?? .min) < a.updatedAtMs { latest[a.fingerprint] = a }
            }
            let old = groups
            routing = next
            integrations = provider
            groups = [:]
            for alert in latest.values.sorted(by: { $0.fingerprint < $1.fingerprint }) { route(alert, now: now) }
            for (id, g) in groups {
                guard let before = old[id] else { continue }
                g.hasFlushed = before.hasFlushed
                g.flushing = before.flushing
                g.nextFlushMs = before.hasFlushed ? before.nextFlushMs : min(g.nextFlushMs, before.nextFlushMs)
            }
            let kept = Set(groups.values.map { GroupRef(groupKey: $0.key, receiver: $0.route.receiver) })
            let gone = Set(old.values.map { GroupRef(groupKey: $0.key, receiver: $0.route.receiver) }).subtracting(kept)
            return (gone.sorted { ($0.groupKey, $0.receiver) < ($1.groupKey, $1.receiver) }, groupEscalation, now)
        }
        // Groups the new routing no longer makes (another group_by, route or receiver) never flush again:
        // escalation closes what it had open for them; the regrouped alerts open their own incidents.
        if let escalation, !gone.isEmpty {
            Task { await escalation.groupsRemoved(gone, at: now) }
        }
    }

    /// The alerts each `put` stored, from the store's subscription.
    func receive(_ alerts: [Alert]) {
        lock.withLock {
            let now = clock.nowMs()
            for alert in alerts { route(alert, now: now) }
        }
    }

    /// Puts an alert into the group of every route it matches, making groups as needed. Under the lock.
    private func route(_ alert: Alert, now nowMs: Int64) {
        for r in routing.route.match(alert.labels) {
            let id = GroupID(routeID: r.id, groupKey: r.groupKey(alert.labels))
            if let g = groups[id] {
                g.insert(alert, now: nowMs)
                continue
            }
            guard groups.count < options.groupsMax else {
                droppedForLimit += 1
                if droppedForLimit == 1 || droppedForLimit % 1000 == 0 {
                    logger.error("too many alert groups; alert not grouped, so not notified",
                                 metadata: ["groups": "\(groups.count)", "limit": "\(options.groupsMax)", "group": "\(id.groupKey)",
                                            "dropped": "\(droppedForLimit)", "fix": "group by fewer labels, or silence the noisy alerts"])
                }
                continue
            }
            let g = AggregationGroup(route: r, key: id.groupKey, labels: r.groupLabels(alert.labels), now: nowMs)
            g.insert(alert, now: nowMs)
            groups[id] = g
        }
    }

    /// Flushes every group due at `nowMs` through the notification pipeline, all at once, and returns when their
    /// notifications are done (sent, deduplicated, or failed after their retries).
    public func tick(now nowMs: Int64) async {
        let jobs = takeDue(now: nowMs)
        await withTaskGroup(of: Void.self) { tasks in
            for job in jobs { tasks.addTask { await self.flush(job) } }
        }
    }

    /// When the next group is due, or nil without groups waiting (flushing groups excluded).
    public var nextFlushMs: Int64? {
        lock.withLock { groups.values.filter { !$0.flushing }.map(\.nextFlushMs).min() }
    }

    /// The current groups with the alerts not resolved at `nowMs`, for `GET /api/v2/alerts/groups`, ordered by
    /// group labels and receiver as Alertmanager lists them. Groups with only resolved alerts are left out.
    public func groupSnapshots(now nowMs: Int64) -> [AlertGroupSnapshot] {
        lock.withLock {
            groups.values.compactMap { g -> AlertGroupSnapshot? in
                let alerts = g.sortedAlerts.filter { !$0.isResolved(at: nowMs) }
                return alerts.isEmpty ? nil : AlertGroupSnapshot(labels: g.labels, receiver: g.route.receiver, alerts: alerts)
            }
        }.sorted(by: AlertOrder.groupBefore)
    }

    /// Number of aggregation groups.
    public var groupCount: Int { lock.withLock { groups.count } }

    /// Marks the due groups as flushing and takes what their flushes need. Under the lock only for the groups;
    /// the inhibitor is built outside it from the store's firing alerts.
    func takeDue(now nowMs: Int64) -> [FlushJob] {
        let (due, routing, provider): ([(GroupID, AggregationGroup, [Alert])], AlertmanagerConfig, any IntegrationProvider) = lock.withLock {
            var due: [(GroupID, AggregationGroup, [Alert])] = []
            for (id, g) in groups where !g.flushing && g.nextFlushMs <= nowMs {
                g.flushing = true
                g.hasFlushed = true
                g.nextFlushMs = nowMs + g.route.groupIntervalMs
                due.append((id, g, g.sortedAlerts))
            }
            return (due, self.routing, self.integrations)
        }
        guard !due.isEmpty else { return [] }
        let inhibitor: Inhibitor? = routing.inhibitRules.isEmpty ? nil
            : Inhibitor(rules: routing.inhibitRules, firing: alertStore.all().filter { !$0.isResolved(at: nowMs) }.map(\.labels))
        var byReceiver: [String: [any Integration]] = [:]
        return due.sorted { $0.0.groupKey < $1.0.groupKey }.map { id, g, alerts in
            let receiver = g.route.receiver
            if byReceiver[receiver] == nil { byReceiver[receiver] = provider.integrations(forReceiver: receiver) }
            return FlushJob(id: id, route: g.route, labels: g.labels, alerts: alerts, nowMs: nowMs, routing: routing,
                            integrations: byReceiver[receiver]!, inhibitor: inhibitor)
        }
    }

    /// Ends a flush: after a successful one, drops the resolved alerts it carried (unless they changed since)
    /// and the group when nothing is left.
    func finish(_ job: FlushJob, succeeded: Bool) {
        lock.withLock {
            guard let g = groups[job.id] else { return }
            g.flushing = false
            guard succeeded else { return }
            for a in job.alerts where a.isResolved(at: job.nowMs) && g.alerts[a.fingerprint] == a {
                g.alerts[a.fingerprint] = nil
            }
            if g.alerts.isEmpty { groups[job.id] = nil }
        }
    }
}
