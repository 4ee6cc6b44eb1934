import Foundation
import Logging
import OspreyCore

/// The silences, with Alertmanager's rules for creating, updating and expiring them, kept durable in
/// `<data>/alerting/silences.log`: every change is fsynced before `set`/`expire` return, and the file is
/// reloaded at start (a torn tail is cut and reported). Expired silences are kept `retentionMs` after their
/// end, then `gc` drops them.
///
/// Thread-safe; changes are serialised.
public final class Silences: @unchecked Sendable {
    public struct Options: Sendable {
        /// How long an expired silence stays queryable (Alertmanager's `--data.retention`, 120h).
        public var retentionMs: Int64 = 120 * 3_600_000
        /// Silences held, expired ones included: ten times the 5,000-silence target load; `mutes` is linear in it.
        public var silencesMax = 50_000
        /// One silence's encoded size: a silence with a few matchers and a comment is well under 1 KiB.
        public var silenceBytesMax = 64 << 10

        public init() {}
    }

    struct Entry {
        var silence: Silence
        var compiled: [LabelMatcher]
    }

    private let lock = NSLock()
    private let clock: any Clock
    private let options: Options
    private let logger: Logger
    private let log: RecordLog?
    private var entries: [String: Entry] = [:]
    private var index = SilenceIndex()
    /// `mutes` answers by label set, valid while no silence changed (`version`) and none started or ended
    /// (`answersValidUntilMs`): the API asks about every alert at every read, the dispatcher at every flush.
    private var answers: [Labels: [String]] = [:]
    private var answersValidFromMs = Int64.max
    private var answersValidUntilMs = Int64.min
    /// Answers kept at most: ten times the 10,000-alert target load; beyond it the memo starts over.
    static let answersMax = 100_000

    /// Opens (or creates) the silences under `directory`, reloading what was there; `directory: nil` keeps
    /// them in memory only (tests). Throws when the file is unreadable or not a silences log.
    public init(directory: String?, clock: any Clock, options: Options = Options(), logger: Logger = Logger(label: "osprey.silences")) throws {
        self.clock = clock
        self.options = options
        self.logger = logger
        guard let directory else { log = nil; return }
        let log = RecordLog(path: directory + "/" + AlertingFiles.silences)
        self.log = log
        let loaded = try log.load()
        if loaded.truncatedBytes > 0 {
            logger.warning("silences: cut a torn tail from the log; the change being written at the crash was never acknowledged",
                           metadata: ["file": "\(log.path)", "bytes": "\(loaded.truncatedBytes)", "reason": "\(loaded.truncatedReason ?? "")"])
        }
        let decoder = JSONDecoder()
        for (i, payload) in loaded.records.enumerated() {
            guard let s = try? decoder.decode(Silence.self, from: Data(payload)), let compiled = try? s.matchers.map({ try $0.labelMatcher() }) else {
                throw SilenceError(.storage, "\(log.path): record \(i) is not a valid silence although its checksum is right; move the file away to start without silences")
            }
            replace(Entry(silence: s, compiled: compiled))
        }
        logger.info("silences loaded", metadata: ["count": "\(entries.count)", "file": "\(log.path)"])
    }

    public var count: Int { lock.withLock { entries.count } }

    public func get(id: String) -> Silence? { lock.withLock { entries[id]?.silence } }

    /// Creates or updates a silence and returns its id, with Alertmanager's rules:
    /// - a silence without an id (or with `""`) is new and gets a fresh UUID;
    /// - an id that is not stored is `notFound`;
    /// - a stored silence is updated in place only when its matchers stay the same and, if it is active, its
    ///   start stays and its new end is not in the past, or, if it is pending, its new start is not in the past;
    /// - otherwise (or when it has expired) a new silence with a new id is created, and the old one is expired
    ///   unless it already was.
    /// A start in the past becomes now. Checks: at least one matcher, valid names and regexes, not every matcher
    /// matching the empty string, `endsAt` after `startsAt` and not in the past.
    /// Returns once the change is on disk.
    @discardableResult
    public func set(_ input: Silence) throws -> String {
        try lock.withLock {
            let now = clock.nowMs()
            let compiled = try validate(input, now: now)
            var sil = input
            let prev = sil.id.isEmpty ? nil : entries[sil.id]
            if !sil.id.isEmpty && prev == nil {
                throw SilenceError(.notFound, field: "id", "silence \(sil.id) not found")
            }
            if let prev, Self.canUpdate(prev.silence, sil, now: now) {
                sil.updatedAtMs = now
                try store([Entry(silence: sil, compiled: compiled)])
                return sil.id
            }
            guard entries.count < options.silencesMax else {
                throw SilenceError(.limit, "too many silences: \(entries.count) stored, the limit silencesMax is \(options.silencesMax); expire silences or wait for expired ones to be collected")
            }
            sil.id = UUID().uuidString.lowercased()
            if sil.startsAtMs < now { sil.startsAtMs = now }
            sil.updatedAtMs = now
            // The new silence is framed first: a crash tearing this write leaves the old one running, never neither.
            var changes = [Entry(silence: sil, compiled: compiled)]
            if let prev, prev.silence.state(at: now) != .expired {
                changes.append(Entry(silence: Self.expired(prev.silence, now: now), compiled: prev.compiled))
            }
            try store(changes)
            return sil.id
        }
    }

    /// Expires a silence now: an active one ends now, a pending one starts and ends now. An unknown id is
    /// `notFound`; an expired one is `invalid` ("already expired"), as in Alertmanager.
    public func expire(id: String) throws {
        try lock.withLock {
            guard let entry = entries[id] else { throw SilenceError(.notFound, field: "id", "silence \(id) not found") }
            let now = clock.nowMs()
            guard entry.silence.state(at: now) != .expired else { throw SilenceError(.invalid, field: "id", "silence \(id) already expired") }
            try store([Entry(silence: Self.expired(entry.silence, now: now), compiled: entry.compiled)])
        }
    }

    /// Silences in `states` (all when nil) whose matchers, read as a label set (name → value), satisfy every
    /// `filter` matcher (Alertmanager's filter for `GET /api/v2/silences`), in Alertmanager's order: active by
    /// end, then pending by start, then expired by end, latest first.
    public func query(states: Set<SilenceState>? = nil, filter: [LabelMatcher] = [], now nowMs: Int64) -> [Silence] {
        let found = lock.withLock {
            entries.values.map(\.silence).filter { s in
                (states?.contains(s.state(at: nowMs)) ?? true) && Self.matchesFilter(s, filter)
            }
        }
        func rank(_ s: Silence) -> Int { [SilenceState.active: 0, .pending: 1, .expired: 2][s.state(at: nowMs)]! }
        return found.sorted { a, b in
            let ra = rank(a), rb = rank(b)
            if ra != rb { return ra < rb }
            switch ra {
            case 0: return a.endsAtMs != b.endsAtMs ? a.endsAtMs < b.endsAtMs : a.id < b.id
            case 1: return a.startsAtMs != b.startsAtMs ? a.startsAtMs < b.startsAtMs : a.id < b.id
            default: return a.endsAtMs != b.endsAtMs ? a.endsAtMs > b.endsAtMs : a.id < b.id
            }
        }
    }

    /// The ids (sorted) of the silences active at `nowMs` whose every matcher matches `labels`: the alert is
    /// silenced when this is not empty.
    public func mutes(_ labels: Labels, now nowMs: Int64) -> [String] {
        lock.withLock {
            if nowMs < answersValidFromMs || nowMs >= answersValidUntilMs || answers.count >= Self.answersMax {
                resetAnswers(at: nowMs)
            }
            if let known = answers[labels] { return known }
            let ids = index.candidates(labels).filter { id in
                guard let e = entries[id] else { return false }
                return e.silence.state(at: nowMs) == .active && e.compiled.allSatisfy { $0.matches(labels[$0.name] ?? "") }
            }.sorted()
            answers[labels] = ids
            return ids
        }
    }

    /// Starts the memo over at `nowMs`: its answers hold between the last time a silence started or ended
    /// and the next (the dispatcher and the API ask with slightly different times). Under the lock.
    private func resetAnswers(at nowMs: Int64) {
        answers.removeAll(keepingCapacity: true)
        var from = Int64.min, until = Int64.max
        for e in entries.values {
            for t in [e.silence.startsAtMs, e.silence.endsAtMs] {
                if t > nowMs { until = min(until, t) } else { from = max(from, t) }
            }
        }
        answersValidFromMs = from
        answersValidUntilMs = until
    }

    /// Stores an entry in memory, keeping the index in step; the memo of answers starts over.
    private func replace(_ entry: Entry) {
        if let old = entries[entry.silence.id] { index.remove(old.silence) }
        entries[entry.silence.id] = entry
        index.insert(entry.silence)
        answersValidUntilMs = .min
    }

    /// Drops silences that expired more than `retentionMs` before `nowMs` and rewrites the file without them.
    /// Returns how many went.
    @discardableResult
    public func gc(now nowMs: Int64) throws -> Int {
        try lock.withLock {
            let gone = entries.values.filter { $0.silence.endsAtMs + options.retentionMs <= nowMs }.map(\.silence.id)
            guard !gone.isEmpty else { return 0 }
            for id in gone { index.remove(entries.removeValue(forKey: id)!.silence) }
            answersValidUntilMs = .min
            try compact()
            return gone.count
        }
    }

    // MARK: - internals

    private func validate(_ s: Silence, now: Int64) throws -> [LabelMatcher] {
        guard !s.matchers.isEmpty else { throw SilenceError(.invalid, field: "matchers", "at least one matcher is required") }
        var compiled: [LabelMatcher] = []
        for (i, m) in s.matchers.enumerated() {
            guard Alert.isValidLabelName(m.name) else {
                throw SilenceError(.invalid, field: "matchers[\(i)].name", "invalid label name \"\(m.name)\": must match [a-zA-Z_][a-zA-Z0-9_]*")
            }
            do { compiled.append(try m.labelMatcher()) } catch {
                throw SilenceError(.invalid, field: "matchers[\(i)].value", "\(error)")
            }
        }
        guard !compiled.allSatisfy(\.matchesEmpty) else {
            throw SilenceError(.invalid, field: "matchers", "at least one matcher must not match the empty string (a silence matching every alert is refused)")
        }
        guard s.endsAtMs > s.startsAtMs else {
            throw SilenceError(.invalid, field: "endsAt", "end time \(AlertTime.format(s.endsAtMs)) must be after startsAt \(AlertTime.format(s.startsAtMs))")
        }
        guard s.endsAtMs >= now else {
            throw SilenceError(.invalid, field: "endsAt", "end time \(AlertTime.format(s.endsAtMs)) is in the past")
        }
        return compiled
    }

    static func canUpdate(_ old: Silence, _ new: Silence, now: Int64) -> Bool {
        guard old.matchers == new.matchers else { return false }
        switch old.state(at: now) {
        case .active: return new.startsAtMs == old.startsAtMs && new.endsAtMs >= now
        case .pending: return new.startsAtMs >= now
        case .expired: return false
        }
    }

    static func expired(_ s: Silence, now: Int64) -> Silence {
        var s = s
        if s.state(at: now) == .pending { s.startsAtMs = now }
        s.endsAtMs = now
        s.updatedAtMs = now
        return s
    }

    static func matchesFilter(_ s: Silence, _ filter: [LabelMatcher]) -> Bool {
        var values: [String: String] = [:]
        for m in s.matchers { values[m.name] = m.value }
        return filterMatches(filter, values)
    }

    /// Writes the changes durably, then applies them in memory; compacts the file when superseded records
    /// outnumber live ones.
    private func store(_ changes: [Entry]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var payloads: [[UInt8]] = []
        for c in changes {
            let bytes = [UInt8](try encoder.encode(c.silence))
            guard bytes.count <= options.silenceBytesMax else {
                throw SilenceError(.limit, "silence is \(bytes.count) bytes encoded, over the limit silenceBytesMax \(options.silenceBytesMax); use fewer matchers or a shorter comment")
            }
            payloads.append(bytes)
        }
        do { try log?.append(payloads) } catch {
            throw SilenceError(.storage, "writing the silence failed, nothing changed: \(error)")
        }
        for c in changes { replace(c) }
        if let log, log.recordCount > 2 * entries.count + 1024 { try compact() }
    }

    private func compact() throws {
        guard let log else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payloads = try entries.keys.sorted().map { [UInt8](try encoder.encode(entries[$0]!.silence)) }
        do { try log.rewrite(payloads) } catch {
            throw SilenceError(.storage, "compacting the silences file failed: \(error)")
        }
    }
}

/// Alertmanager's filter match over a name → value map (the API's `filter` on alerts and silences): a
/// matcher with an empty value is skipped for names present (negative kinds) or absent (positive kinds);
/// otherwise the value (empty when absent) must match.
public func filterMatches(_ filter: [LabelMatcher], _ values: [String: String]) -> Bool {
    for m in filter {
        let v = values[m.name]
        switch m.kind {
        case .notEqual, .regexNoMatch:
            if m.value.isEmpty && v != nil { continue }
        case .equal, .regexMatch:
            if m.value.isEmpty && v == nil { continue }
        }
        if !m.matches(v ?? "") { return false }
    }
    return true
}
