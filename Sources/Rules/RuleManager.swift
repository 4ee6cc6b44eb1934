import ConfigReader
import Foundation
import Logging
import OspreyCore
import ServiceLifecycle

/// Runs rule groups on their intervals (a service), and takes new rule files on reload.
///
/// Each group runs in its own task at `aligned time + offset`, the offset a hash of the group's file and name
/// (as Prometheus spreads groups). `apply(files:)` on reload keeps unchanged groups running untouched, moves
/// the alert state of unchanged rules into changed groups, and marks the output of removed groups stale.
/// On shutdown the group tasks are cancelled and awaited.
///
///     let manager = RuleManager(environment: env, clock: SystemClock())
///     try manager.apply(files: ["rules/*.yml"])
///     // ServiceGroup runs manager.run()
public final class RuleManager: Service, @unchecked Sendable {
    public let evaluator: RuleEvaluator
    let clock: any OspreyCore.Clock
    private let lock = NSLock()
    private var states: [RuleGroupState] = []
    private var tasks: [String: Task<Void, Never>] = [:]
    private var running = false
    private var loadedOnce = false
    /// The interval of groups without their own (`global.evaluation_interval`); a reload may change it.
    private var defaultIntervalMs: Int64
    /// Serialises `update` calls (reloads) against each other.
    private let updates = UpdateQueue()

    public init(environment: RuleEnvironment, clock: any OspreyCore.Clock) {
        self.evaluator = RuleEvaluator(environment)
        self.clock = clock
        self.defaultIntervalMs = environment.defaultIntervalMs
    }

    /// The groups currently loaded, in file order.
    public var groups: [RuleGroupState] { lock.withLock { states } }

    /// Evaluates one group at `t` (ms): the deterministic entry point the service loop calls on each tick.
    public func evaluate(_ group: RuleGroupState, at t: Int64) async {
        await evaluator.evaluate(group, at: t)
    }

    /// Loads rule files (paths or globs, already resolved against the configuration directory) and every
    /// problem in them; throws `RuleFileErrors` (all problems of all files) and changes nothing when any is
    /// invalid, so a bad reload keeps the running rules. Groups without their own `query_offset` get
    /// `defaultQueryOffsetMs` (`global.rule_query_offset`).
    public static func load(files patterns: [String], defaultQueryOffsetMs: Int64 = 0) throws -> [RuleGroup] {
        var groups: [RuleGroup] = []
        var errors: [ConfigError] = []
        for path in Self.expandGlobs(patterns) {
            do { groups += try RuleFileParser.load(path: path).groups } catch let e as RuleFileErrors {
                errors += e.errors
            } catch let e as ConfigError {
                errors.append(e)
            }
        }
        if !errors.isEmpty { throw RuleFileErrors(errors: errors) }
        if defaultQueryOffsetMs != 0 {
            for i in groups.indices where groups[i].queryOffsetMs == nil { groups[i].queryOffsetMs = defaultQueryOffsetMs }
        }
        return groups
    }

    /// Sets the groups loaded at start-up, before the service runs; their pending and firing `for:` state is
    /// restored from `ALERTS_FOR_STATE` after their second evaluation.
    public func start(with groups: [RuleGroup]) {
        lock.withLock {
            states = groups.map { RuleGroupState($0, defaultIntervalMs: defaultIntervalMs, restoreForState: true) }
            loadedOnce = true
        }
    }

    /// Parses the files and, when all are valid, swaps them in (in the background; `update` does the work).
    /// `defaultIntervalMs`, when given, is the new `global.evaluation_interval`; `defaultQueryOffsetMs` the
    /// `global.rule_query_offset`.
    public func apply(files: [String], defaultIntervalMs: Int64? = nil, defaultQueryOffsetMs: Int64 = 0) throws {
        let groups = try Self.load(files: files, defaultQueryOffsetMs: defaultQueryOffsetMs)
        Task { await self.update(groups, defaultIntervalMs: defaultIntervalMs) }
    }

    /// Replaces the loaded groups: unchanged groups keep running as they are, changed ones take over the
    /// state of their previous version, removed ones stop and their series are marked stale.
    public func update(_ groups: [RuleGroup], defaultIntervalMs: Int64? = nil) async {
        await updates.run { await self.swap(groups, defaultIntervalMs: defaultIntervalMs) }
    }

    private func swap(_ groups: [RuleGroup], defaultIntervalMs newDefault: Int64?) async {
        let (old, restore, defaultInterval) = lock.withLock { () -> ([String: RuleGroupState], Bool, Int64) in
            defer { loadedOnce = true }
            if let newDefault { defaultIntervalMs = newDefault }
            return (Dictionary(states.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }), !loadedOnce, defaultIntervalMs)
        }
        var next: [RuleGroupState] = []
        var stopped: [(RuleGroupState, Task<Void, Never>?)] = []
        var started: [RuleGroupState] = []
        var kept = Set<String>()
        for g in groups {
            let key = g.file + ";" + g.name
            if let previous = old[key], previous.group == g, previous.intervalMs == (g.intervalMs ?? defaultInterval), !kept.contains(key) {
                next.append(previous)
                kept.insert(key)
                continue
            }
            let state = RuleGroupState(g, defaultIntervalMs: defaultInterval, restoreForState: restore)
            if let previous = old[key], !kept.contains(key) {
                let task = lock.withLock { tasks.removeValue(forKey: key) }
                task?.cancel()
                await task?.value
                state.copyState(from: previous)
                kept.insert(key)
            }
            next.append(state)
            started.append(state)
        }
        for (key, state) in old where !kept.contains(key) {
            stopped.append((state, lock.withLock { tasks.removeValue(forKey: key) }))
        }
        for (_, task) in stopped { task?.cancel() }
        for (state, task) in stopped {
            await task?.value
            let series = state.allPreviousSeries()
            if !series.isEmpty {
                let t = clock.nowMs() - (state.group.queryOffsetMs ?? 0)
                try? evaluator.env.writer.write(series.map { RuleSample(labels: $0, t: t, v: StaleNaN.value) })
            }
        }
        lock.withLock {
            states = next
            if running { for s in started { tasks[s.key] = startTask(s) } }
        }
    }

    public func run() async throws {
        lock.withLock {
            running = true
            for s in states where tasks[s.key] == nil { tasks[s.key] = startTask(s) }
        }
        try? await gracefulShutdown()
        let all = lock.withLock { () -> [Task<Void, Never>] in
            running = false
            defer { tasks = [:] }
            return Array(tasks.values)
        }
        for t in all { t.cancel() }
        for t in all { await t.value }
    }

    private func startTask(_ state: RuleGroupState) -> Task<Void, Never> {
        Task { [self] in await loop(state) }
    }

    /// The first evaluation time after `now` for a group: aligned to the interval, shifted by the group's offset.
    static func firstEvaluation(_ state: RuleGroupState, now: Int64) -> Int64 {
        let interval = state.intervalMs
        let offset = Int64(fnv1a64(state.group.name + ";" + state.group.file) % UInt64(interval))
        let adjusted = now - offset
        let base = adjusted - ((adjusted % interval) + interval) % interval
        return base + offset + interval
    }

    private func loop(_ state: RuleGroupState) async {
        let interval = state.intervalMs
        var next = Self.firstEvaluation(state, now: clock.nowMs())
        while !Task.isCancelled {
            let wait = next - clock.nowMs()
            if wait > 0 {
                do { try await Task.sleep(for: .milliseconds(wait)) } catch { return }
            }
            await evaluate(state, at: next)
            next += interval
            let now = clock.nowMs()
            if now >= next + interval {
                let missed = (now - next) / interval
                evaluator.env.logger.warning("rule group missed evaluations", metadata: ["group": "\(state.group.name)", "missed": "\(missed)"])
                next += missed * interval
            }
        }
    }
}

/// Runs async blocks one at a time.
private actor UpdateQueue {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run(_ body: @Sendable () async -> Void) async {
        while busy { await withCheckedContinuation { waiters.append($0) } }
        busy = true
        await body()
        busy = false
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}

func fnv1a64(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01B3
    }
    return h
}

extension RuleManager {
    /// Expands `*`, `?` and `[…]` (Go's filepath.Glob rules); a pattern without them is kept as it is so a
    /// missing file is reported as such. Results are sorted per pattern, as Go's are.
    public static func expandGlobs(_ patterns: [String]) -> [String] {
        var out: [String] = []
        for p in patterns {
            guard p.contains(where: { "*?[".contains($0) }) else {
                out.append(p)
                continue
            }
            var g = glob_t()
            defer { globfree(&g) }
            guard glob(p, 0, nil, &g) == 0 else { continue }
            out += (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
        }
        return out
    }
}
