import Foundation
import Logging
import OspreyCore

/// Which notification an entry is about: one integration (the `index`-th config of kind `integration`, e.g.
/// `webhook` 0) of one receiver, for one alert group (the dispatcher's group key).
public struct NotificationLogKey: Hashable, Sendable, Codable {
    public var groupKey: String
    public var receiver: String
    public var integration: String
    public var index: Int

    public init(groupKey: String, receiver: String, integration: String, index: Int) {
        self.groupKey = groupKey
        self.receiver = receiver
        self.integration = integration
        self.index = index
    }
}

/// The last notification sent for a key: when, which alerts were firing and which resolved (as alert
/// fingerprints), and when the entry may be forgotten.
public struct NotificationLogEntry: Sendable, Equatable, Codable {
    public var key: NotificationLogKey
    public var timestampMs: Int64
    public var firing: [UInt64]
    public var resolved: [UInt64]
    public var expiresAtMs: Int64

    public init(key: NotificationLogKey, timestampMs: Int64, firing: [UInt64], resolved: [UInt64], expiresAtMs: Int64) {
        self.key = key
        self.timestampMs = timestampMs
        self.firing = firing
        self.resolved = resolved
        self.expiresAtMs = expiresAtMs
    }
}

/// Alertmanager's notification log: what was last sent per (group, receiver, integration), kept durable in
/// `<data>/alerting/nflog.log` (fsynced before `log` returns, reloaded at start), so a restart does not
/// send again what was already sent. Thread-safe.
public final class NotificationLog: @unchecked Sendable {
    public struct Options: Sendable {
        /// How long an entry is kept after its notification (Alertmanager's `--data.retention`, 120h); must
        /// be longer than the longest repeat_interval, or a quiet group would be notified again early.
        public var retentionMs: Int64 = 120 * 3_600_000
        /// Entries held: one per group × integration; 1,000 groups × a few integrations is far below this.
        public var entriesMax = 1_000_000

        public init() {}
    }

    private let lock = NSLock()
    private let options: Options
    private let log: RecordLog?
    private var entries: [NotificationLogKey: NotificationLogEntry] = [:]

    /// Opens (or creates) the log under `directory`; nil keeps it in memory only (tests).
    public init(directory: String?, options: Options = Options(), logger: Logger = Logger(label: "osprey.nflog")) throws {
        self.options = options
        guard let directory else { log = nil; return }
        let log = RecordLog(path: directory + "/" + AlertingFiles.notificationLog)
        self.log = log
        let loaded = try log.load()
        if loaded.truncatedBytes > 0 {
            logger.warning("notification log: cut a torn tail; the entry being written at the crash was never acknowledged",
                           metadata: ["file": "\(log.path)", "bytes": "\(loaded.truncatedBytes)", "reason": "\(loaded.truncatedReason ?? "")"])
        }
        let decoder = JSONDecoder()
        for (i, payload) in loaded.records.enumerated() {
            guard let e = try? decoder.decode(NotificationLogEntry.self, from: Data(payload)) else {
                throw RecordLogError("\(log.path): record \(i) is not a valid notification log entry although its checksum is right; move the file away to start with an empty log")
            }
            entries[e.key] = e
        }
        logger.info("notification log loaded", metadata: ["entries": "\(entries.count)", "file": "\(log.path)"])
    }

    public var count: Int { lock.withLock { entries.count } }

    public func entry(_ key: NotificationLogKey) -> NotificationLogEntry? { lock.withLock { entries[key] } }

    /// Entries of one group (and receiver, when given).
    public func query(groupKey: String, receiver: String? = nil) -> [NotificationLogEntry] {
        lock.withLock {
            entries.values.filter { $0.key.groupKey == groupKey && (receiver == nil || $0.key.receiver == receiver) }
                .sorted { ($0.key.receiver, $0.key.integration, $0.key.index) < ($1.key.receiver, $1.key.integration, $1.key.index) }
        }
    }

    /// Records that a notification for `key` was sent at `nowMs` with these alerts; returns once it is on disk.
    public func log(_ key: NotificationLogKey, firing: Set<UInt64>, resolved: Set<UInt64>, now nowMs: Int64) throws {
        try lock.withLock {
            guard entries[key] != nil || entries.count < options.entriesMax else {
                throw RecordLogError("notification log full: \(entries.count) entries, the limit entriesMax is \(options.entriesMax)")
            }
            let e = NotificationLogEntry(key: key, timestampMs: nowMs, firing: firing.sorted(), resolved: resolved.sorted(),
                                         expiresAtMs: nowMs + options.retentionMs)
            try log?.append([Self.encode(e)])
            entries[key] = e
            if let log, log.recordCount > 2 * entries.count + 1024 { try compact() }
        }
    }

    /// Alertmanager's dedup check for `key`: whether a notification with these firing and resolved alerts
    /// should go out now. See `NotificationLog.needsUpdate(entry:…)`.
    public func needsUpdate(_ key: NotificationLogKey, firing: Set<UInt64>, resolved: Set<UInt64>, sendResolved: Bool,
                            repeatIntervalMs: Int64, now nowMs: Int64) -> Bool {
        Self.needsUpdate(entry: entry(key), firing: firing, resolved: resolved, sendResolved: sendResolved,
                         repeatIntervalMs: repeatIntervalMs, now: nowMs)
    }

    /// Alertmanager's dedup rules: never notified → send if anything fires; a firing alert not in the last
    /// notification → send; nothing firing → send only if the last notification had firing alerts (all resolved
    /// now); with `sendResolved`, a newly resolved alert → send; otherwise send only when the last notification
    /// is at least `repeatIntervalMs` old.
    public static func needsUpdate(entry: NotificationLogEntry?, firing: Set<UInt64>, resolved: Set<UInt64>, sendResolved: Bool,
                                   repeatIntervalMs: Int64, now nowMs: Int64) -> Bool {
        guard let entry else { return !firing.isEmpty }
        if !firing.isSubset(of: Set(entry.firing)) { return true }
        if firing.isEmpty { return !entry.firing.isEmpty }
        if sendResolved && !resolved.isSubset(of: Set(entry.resolved)) { return true }
        return entry.timestampMs < nowMs - repeatIntervalMs
    }

    /// Drops entries whose expiry has passed and rewrites the file; returns how many went.
    @discardableResult
    public func gc(now nowMs: Int64) throws -> Int {
        try lock.withLock {
            let gone = entries.values.filter { $0.expiresAtMs <= nowMs }.map(\.key)
            guard !gone.isEmpty else { return 0 }
            for k in gone { entries[k] = nil }
            try compact()
            return gone.count
        }
    }

    private static func encode(_ e: NotificationLogEntry) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return [UInt8](try encoder.encode(e))
    }

    private func compact() throws {
        guard let log else { return }
        let ordered = entries.values.sorted { ($0.key.groupKey, $0.key.receiver, $0.key.integration, $0.key.index) < ($1.key.groupKey, $1.key.receiver, $1.key.integration, $1.key.index) }
        try log.rewrite(ordered.map(Self.encode))
    }
}
