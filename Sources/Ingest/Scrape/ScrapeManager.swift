import AsyncHTTPClient
import Foundation
import Logging
import OspreyCore
import ServiceLifecycle

/// Runs one scrape loop per target of every job, keeps targets in step with `file_sd_configs` files and
/// configuration reloads, and answers the targets and metadata APIs.
///
/// On reload a target whose labels, URL and job settings are unchanged keeps its loop (and so its series
/// cache and staleness tracking); a target that is gone gets staleness markers for everything it wrote.
public final class ScrapeManager: Service, @unchecked Sendable {
    /// In-process producers of the built-in targets' exposition text.
    public typealias LocalSource = @Sendable () async throws -> (body: [UInt8], contentType: String?)

    private let sink: SampleSink
    private let limits: ScrapeLimits
    private let clock: Clock
    private let logger: Logger
    private let userAgent: String
    public let exemplars: ExemplarStore
    private let builtIns: [BuiltInSource: LocalSource]

    private let lock = NSLock()
    private var jobs: [String: Job] = [:]
    private var jobOrder: [String] = []
    private var clients: [TLSSettings: HTTPClient] = [:]

    /// How often `file_sd_configs` files are checked for changes (Prometheus watches them; a cheap stat
    /// every few seconds gives the same effect without inotify).
    static let fileCheckIntervalMs: Int64 = 5_000

    private final class Job {
        var config: ScrapeConfig
        var files: [String: FileSD.FileState] = [:]
        var loops: [ScrapeTarget: (loop: ScrapeLoop, task: Task<Void, Never>)] = [:]
        var dropped: [DroppedTarget] = []
        var errors: [String] = []
        var lastFileRefreshMs: Int64 = 0
        init(config: ScrapeConfig) { self.config = config }
    }

    public init(sink: SampleSink, limits: ScrapeLimits = ScrapeLimits(), clock: Clock = SystemClock(), logger: Logger,
                userAgent: String, exemplars: ExemplarStore = ExemplarStore(), builtIns: [BuiltInSource: LocalSource] = [:]) {
        self.sink = sink
        self.limits = limits
        self.clock = clock
        self.logger = logger
        self.userAgent = userAgent
        self.exemplars = exemplars
        self.builtIns = builtIns
    }

    /// Makes the running jobs those of `configs`: new jobs start, removed ones stop (with staleness markers),
    /// changed ones are rebuilt. Throws (changing nothing) when a job's TLS files cannot be loaded.
    public func apply(_ configs: [ScrapeConfig]) throws {
        var newClients: [TLSSettings: HTTPClient] = [:]
        for c in configs where c.builtIn == nil {
            if lock.withLock({ clients[c.tls] }) == nil, newClients[c.tls] == nil {
                do { newClients[c.tls] = try HTTPFetcher.makeClient(tls: c.tls) } catch {
                    for client in newClients.values { try? client.syncShutdown() }
                    throw ScrapeError("scrape job \(c.jobName): tls_config: \(error)")
                }
            }
        }
        lock.withLock {
            clients.merge(newClients) { a, _ in a }
            let names = Set(configs.map(\.jobName))
            for (name, job) in jobs where !names.contains(name) {
                for (_, entry) in job.loops { stop(entry, staleness: true) }
                jobs[name] = nil
            }
            for c in configs {
                if let job = jobs[c.jobName] {
                    job.config = c
                    job.lastFileRefreshMs = 0
                } else {
                    jobs[c.jobName] = Job(config: c)
                }
            }
            jobOrder = configs.map(\.jobName)
        }
        for c in configs { refreshTargets(job: c.jobName, force: true) }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try? await Task.sleep(nanoseconds: UInt64(ScrapeManager.fileCheckIntervalMs) * 1_000_000)
                for name in lock.withLock({ jobOrder }) { refreshTargets(job: name, force: false) }
            }
        } onGracefulShutdown: {}
        await stopAll()
    }

    /// Stops every loop without staleness markers (shutdown: the series are not gone, Osprey is) and
    /// closes the HTTP clients.
    public func stopAll() async {
        let (tasks, cs): ([Task<Void, Never>], [HTTPClient]) = lock.withLock {
            let t = jobs.values.flatMap { $0.loops.values.map(\.task) }
            let c = Array(clients.values)
            jobs = [:]; jobOrder = []; clients = [:]
            return (t, c)
        }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
        for c in cs { try? await c.shutdown() }
    }

    /// Scrapes the targets of `job` now, outside their schedule (after a push, so what was pushed is
    /// stored before the push is acknowledged).
    public func scrapeNow(job: String) async {
        let loops = lock.withLock { jobs[job].map { Array($0.loops.values.map(\.loop)) } ?? [] }
        for loop in loops { await loop.scrapeOnce(acknowledged: true) }
    }

    // MARK: - Targets

    private func refreshTargets(job name: String, force: Bool) {
        guard let (config, oldFiles, lastRefresh) = lock.withLock({ jobs[name].map { ($0.config, $0.files, $0.lastFileRefreshMs) } }) else { return }
        let now = clock.nowMs()
        var files = oldFiles
        var changed = force
        var errors: [String] = []
        if !config.fileSDConfigs.isEmpty {
            let full = force || now - lastRefresh >= config.fileSDConfigs.map(\.refreshIntervalMs).min()!
            var seen = Set<String>()
            for sd in config.fileSDConfigs {
                for path in sd.files.flatMap(FileSD.expand) {
                    seen.insert(path)
                    let attrs = try? FileManager.default.attributesOfItem(atPath: path)
                    let mtime = attrs?[.modificationDate] as? Date
                    let size = (attrs?[.size] as? NSNumber)?.intValue ?? -1
                    var state = files[path] ?? FileSD.FileState()
                    if !full, state.modified == mtime, state.size == size, state.error == nil { continue }
                    state.modified = mtime; state.size = size
                    do {
                        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                            throw ScrapeError("\(path): cannot read the file")
                        }
                        let groups = try FileSD.parse(text, file: path)
                        if groups != state.groups { changed = true }
                        state.groups = groups
                        state.error = nil
                    } catch {
                        state.error = "\(error)"
                        logger.warning("file_sd: reading a targets file failed; keeping its previous targets",
                                       metadata: ["job": "\(name)", "error": "\(error)"])
                    }
                    files[path] = state
                }
            }
            for path in files.keys where !seen.contains(path) { files[path] = nil; changed = true }
            errors = files.values.compactMap(\.error)
        }
        if !changed {
            lock.withLock { jobs[name]?.files = files; jobs[name]?.errors = errors }
            return
        }
        var groups = config.staticConfigs
        for path in files.keys.sorted() { groups += files[path]!.groups }
        var targets: [ScrapeTarget] = []
        var dropped: [DroppedTarget] = []
        for outcome in TargetBuilder.build(config, groups) {
            switch outcome {
            case .target(let t): if !targets.contains(t) { targets.append(t) }
            case .dropped(let d): dropped.append(d)
            case .invalid(let m): errors.append(m); logger.warning("invalid scrape target", metadata: ["job": "\(name)", "error": "\(m)"])
            }
        }
        lock.withLock {
            guard let job = jobs[name] else { return }
            job.files = files
            job.dropped = dropped
            job.errors = errors
            job.lastFileRefreshMs = now
            let wanted = Set(targets)
            for (t, entry) in job.loops where !wanted.contains(t) || entry.loop.config.jobSettingsKey != config.jobSettingsKey {
                job.loops[t] = nil
                stop(entry, staleness: !wanted.contains(t))
            }
            for t in targets where job.loops[t] == nil {
                guard let fetcher = makeFetcher(config) else { continue }
                let loop = ScrapeLoop(target: t, config: config, fetcher: fetcher, sink: sink, limits: limits,
                                      clock: clock, logger: logger, exemplars: exemplars)
                job.loops[t] = (loop, Task { await loop.run() })
            }
        }
    }

    private func makeFetcher(_ config: ScrapeConfig) -> ScrapeFetcher? {
        if let builtIn = config.builtIn {
            guard let produce = builtIns[builtIn] else { return nil }
            return LocalFetcher(produce: produce)
        }
        guard let client = clients[config.tls] else { return nil }
        let bodyMax = config.bodySizeLimitBytes > 0 ? min(config.bodySizeLimitBytes, limits.bodyBytesMax) : limits.bodyBytesMax
        return HTTPFetcher(client: client, auth: config.auth, bodyBytesMax: bodyMax, userAgent: userAgent)
    }

    private func stop(_ entry: (loop: ScrapeLoop, task: Task<Void, Never>), staleness: Bool) {
        entry.task.cancel()
        Task {
            await entry.task.value
            if staleness { await entry.loop.writeEndOfRunStaleness() }
        }
    }

    // MARK: - Status

    /// Active targets of every job, in configuration order, each job's sorted by labels.
    public func activeTargets() -> [(job: String, status: TargetStatus)] {
        lock.withLock {
            jobOrder.flatMap { name -> [(job: String, status: TargetStatus)] in
                guard let job = jobs[name] else { return [] }
                return job.loops.values.map { (name, $0.loop.status) }.sorted { $0.status.target.labels < $1.status.target.labels }
            }
        }
    }

    public func droppedTargets() -> [DroppedTarget] {
        lock.withLock { jobOrder.flatMap { jobs[$0]?.dropped ?? [] } }
    }

    /// Discovery errors per job (unreadable file_sd files, invalid targets).
    public func discoveryErrors() -> [(job: String, error: String)] {
        lock.withLock { jobOrder.flatMap { name in (jobs[name]?.errors ?? []).map { (name, $0) } } }
    }

    public var jobNames: [String] { lock.withLock { jobOrder } }
}

extension ScrapeConfig {
    /// What must be equal for a target's loop to survive a reload.
    var jobSettingsKey: String {
        "\(fingerprint)|\(scrapeIntervalMs)|\(scrapeTimeoutMs)|\(honorLabels)|\(honorTimestamps)|\(sampleLimit)|\(labelLimit)|\(bodySizeLimitBytes)"
    }
}
