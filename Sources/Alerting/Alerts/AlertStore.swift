import Foundation
import OspreyCore

/// The alerts Osprey knows, keyed by fingerprint, with Alertmanager's semantics: a re-posted alert is merged
/// with the stored one, an alert posted without an end resolves `resolveTimeoutMs` after it was posted, and
/// resolved alerts stay until `gc` removes them. This is the one entry for alerts: `POST /api/v2/alerts` and the
/// in-process rule evaluator both call `put`.
///
/// Thread-safe. Alerts are not persisted: senders re-send firing alerts every evaluation, as with Alertmanager.
public final class AlertStore: @unchecked Sendable {
    public struct Options: Sendable {
        /// `global.resolve_timeout`: how long an alert posted without `endsAt` stays firing (Alertmanager's default 5m).
        public var resolveTimeoutMs: Int64 = 5 * 60_000
        /// Alerts held at once, resolved ones included until GC. Well above the 10,000-alert target load; an alert
        /// costs about 1 KiB, so this caps the store near 200 MiB.
        public var alertsMax = 200_000

        public init() {}
    }

    private let clock: any Clock
    private let lock = NSLock()
    /// Serialises `put` with its notifications, so subscribers see changes in store order.
    private let putLock = NSLock()
    private var options: Options
    private var byFingerprint: [Fingerprint: Alert] = [:]
    private var subscribers: [Int: @Sendable ([Alert]) -> Void] = [:]
    private var nextSubscriber = 0

    public init(clock: any Clock, options: Options = Options()) {
        self.clock = clock
        self.options = options
    }

    /// The resolve timeout in force; a reloaded configuration sets it (alerts already stored keep their end).
    public var resolveTimeoutMs: Int64 {
        get { lock.withLock { options.resolveTimeoutMs } }
        set { lock.withLock { options.resolveTimeoutMs = newValue } }
    }

    /// Validates the whole batch, then stores every alert of it (merged with a stored alert of the same
    /// fingerprint) and tells the subscribers. A batch with one invalid alert, or one that would take the store
    /// past `alertsMax`, stores nothing and throws `AlertInputError` naming the alert's index and field.
    @discardableResult
    public func put(_ batch: [PostableAlert]) throws -> [Alert] {
        try putLock.withLock {
            let now = clock.nowMs()
            let timeout = resolveTimeoutMs
            var incoming: [Alert] = []
            incoming.reserveCapacity(batch.count)
            for (i, p) in batch.enumerated() {
                try Self.validate(p, index: i)
                var endsAt = p.endsAtMs
                let startsAt = p.startsAtMs ?? endsAt ?? now
                var timedOut = false
                if endsAt == nil {
                    endsAt = now + timeout
                    timedOut = true
                }
                guard endsAt! >= startsAt else {
                    throw AlertInputError(index: i, field: "endsAt",
                                          message: "end time \(AlertTime.format(endsAt!)) is before startsAt \(AlertTime.format(startsAt))"
                                              + (timedOut ? " (an alert without endsAt ends resolve_timeout after it is posted)" : ""))
                }
                incoming.append(Alert(labels: p.labels, annotations: p.annotations, startsAtMs: startsAt, endsAtMs: endsAt!,
                                      updatedAtMs: now, generatorURL: p.generatorURL, timeout: timedOut))
            }
            let stored: [Alert] = try lock.withLock {
                let newCount = Set(incoming.map(\.fingerprint)).filter { byFingerprint[$0] == nil }.count
                guard byFingerprint.count + newCount <= options.alertsMax else {
                    throw AlertInputError(index: nil, field: "",
                                          message: "too many alerts: the store holds \(byFingerprint.count) and the limit alertsMax is \(options.alertsMax); resolve or silence alerts, or wait for resolved ones to be collected")
                }
                var out: [Alert] = []
                for var alert in incoming {
                    if let old = byFingerprint[alert.fingerprint], Self.overlaps(alert, old) {
                        alert = old.merged(with: alert, now: now)
                    }
                    byFingerprint[alert.fingerprint] = alert
                    out.append(alert)
                }
                return out
            }
            let listeners = lock.withLock { Array(subscribers.values) }
            for listener in listeners { listener(stored) }
            return stored
        }
    }

    /// Alertmanager merges only when the new alert's activity overlaps the stored one's.
    private static func overlaps(_ new: Alert, _ old: Alert) -> Bool {
        (new.endsAtMs > old.startsAtMs && new.endsAtMs < old.endsAtMs) || (new.startsAtMs > old.startsAtMs && new.startsAtMs < old.endsAtMs)
    }

    public func get(_ fingerprint: Fingerprint) -> Alert? { lock.withLock { byFingerprint[fingerprint] } }

    /// Every stored alert, resolved ones included, ordered by fingerprint.
    public func all() -> [Alert] { lock.withLock { byFingerprint.values.sorted { $0.fingerprint < $1.fingerprint } } }

    public var count: Int { lock.withLock { byFingerprint.count } }

    /// Removes alerts resolved at `nowMs` and returns them. The dispatcher has had the resolved alert since
    /// it was stored; the GC service calls this every `AlertingGC.intervalMs`, as Alertmanager does every 30m.
    @discardableResult
    public func gc(now nowMs: Int64) -> [Alert] {
        lock.withLock {
            let gone = byFingerprint.values.filter { $0.isResolved(at: nowMs) }
            for a in gone { byFingerprint[a.fingerprint] = nil }
            return gone.sorted { $0.fingerprint < $1.fingerprint }
        }
    }

    /// Calls `onChange` with the alerts each `put` stored (after merging), in store order, on the caller's thread.
    /// It must return quickly and must not call `put`. The dispatcher subscribes here.
    public func subscribe(_ onChange: @escaping @Sendable ([Alert]) -> Void) -> AlertSubscription {
        lock.withLock {
            nextSubscriber += 1
            subscribers[nextSubscriber] = onChange
            return AlertSubscription(id: nextSubscriber)
        }
    }

    public func unsubscribe(_ subscription: AlertSubscription) {
        _ = lock.withLock { subscribers.removeValue(forKey: subscription.id) }
    }

    static func validate(_ p: PostableAlert, index: Int) throws {
        guard !p.labels.isEmpty else {
            throw AlertInputError(index: index, field: "labels", message: "at least one label pair is required")
        }
        for label in p.labels where !Alert.isValidLabelName(label.name) {
            throw AlertInputError(index: index, field: "labels", message: "invalid label name \"\(label.name)\": must match [a-zA-Z_][a-zA-Z0-9_]*")
        }
        for name in p.annotations.keys.sorted() where !Alert.isValidLabelName(name) {
            throw AlertInputError(index: index, field: "annotations", message: "invalid annotation name \"\(name)\": must match [a-zA-Z_][a-zA-Z0-9_]*")
        }
        if let s = p.startsAtMs, let e = p.endsAtMs, e < s {
            throw AlertInputError(index: index, field: "endsAt", message: "end time \(AlertTime.format(e)) is before startsAt \(AlertTime.format(s))")
        }
    }
}

/// A handle for `AlertStore.unsubscribe`.
public struct AlertSubscription: Sendable, Hashable {
    let id: Int
}

/// An alert batch that was refused: which alert (`index` in the batch; nil for the whole batch), which field, why.
public struct AlertInputError: Error, CustomStringConvertible, Sendable {
    public let index: Int?
    public let field: String
    public let message: String

    public init(index: Int?, field: String, message: String) {
        self.index = index
        self.field = field
        self.message = message
    }

    public var description: String {
        guard let index else { return message }
        return "alert \(index): \(field.isEmpty ? "" : field + ": ")\(message)"
    }
}

extension Alert {
    /// Alertmanager's (legacy) label name rule: `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
        return letter(first) && name.utf8.dropFirst().allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }
}
