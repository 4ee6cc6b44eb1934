import Foundation
import Ingest
import OspreyCore
import Testing

/// Durability under crashes: what osprey acknowledged with a 2xx survives SIGKILL at any moment
/// (and SIGTERM under load), and nothing appears that was never sent.
@Suite(.serialized)
struct CrashRecoveryTests {
    static let killsCount = 24
    /// After every this many kills, one cycle ends with SIGTERM instead: under load, the server must
    /// drain, answer only 2xx or 503, and exit 0.
    static let termEveryKills = 6
    static let writersCount = 3
    /// Each cycle writes for a random 0...writingMsMax ms, then kills the server mid-stream.
    static let writingMsMax = 300
    /// Every this many cycles, the writers go on until the server has cut its head into blocks and
    /// checkpointed the WAL, so kills also hit a store with fresh blocks and a checkpoint (a cut in
    /// a debug build can take longer than writingMsMax, so it would otherwise rarely finish).
    static let cutEveryCycles = 4
    static let seed = TestEnvironment.seed(default: 0x05_9E7_C4A5)

    @Test("SIGKILL (or SIGTERM) while writing loses no acknowledged sample and invents none")
    func acknowledgedWritesSurviveSIGKILL() throws {
        try withTemporaryDirectory("crash") { dir in
            let workload = CrashWorkload(seed: Self.seed)
            var rng = SplitMix64(seed: Self.seed ^ 0xC0FFEE)
            let started = Date()
            var cutsCompleted = 0
            let cycles = Self.killsCount + Self.killsCount / Self.termEveryKills
            for cycle in 0..<cycles {
                let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-\(cycle).log")
                workload.queueRetries(using: &rng)
                let graceful = cycle % (Self.termEveryKills + 1) == Self.termEveryKills
                let stop = Locked(false), shuttingDown = Locked(false)
                let client = HTTPClient(port: server.port, timeoutSeconds: 10)
                // Each writer stops at its first unanswered request or 503: the server is gone or going.
                let writers = ThreadGroup(count: Self.writersCount, name: "crash-writer") { _ in
                    while !stop.current, let batch = workload.next() {
                        let response = try? client.remoteWrite(body: batch.body)
                        workload.record(batch, response, shuttingDown: shuttingDown.current)
                        guard let response, response.status != 503 else { return }
                    }
                }
                if cycle % Self.cutEveryCycles == Self.cutEveryCycles - 1 {
                    // Backfilled batches make a cut due within a maintenance round or two. Not an assertion:
                    // what is due depends on what the kills left in the head.
                    if poll(timeoutSeconds: 20, intervalMs: 50, { (try? server.client.metricValue("osprey_metric_store_head_cuts_total")) ?? 0 > 0 }) {
                        cutsCompleted += 1
                    }
                }
                usleep(useconds_t(Int.random(in: 0...Self.writingMsMax, using: &rng) * 1000))
                if graceful {
                    shuttingDown.withLock { $0 = true }
                    let ended = server.stop(timeoutSeconds: 60)
                    #expect(ended == .exited(0), "SIGTERM under load (cycle \(cycle)): \(ended.map { "\($0)" } ?? "no exit in 60 s")\n\(server.logTail())")
                    #expect(server.log.contains("osprey stopped cleanly"), "cycle \(cycle)\n\(server.logTail())")
                } else {
                    server.kill()
                }
                stop.withLock { $0 = true }
                #expect(writers.join(), "writers did not stop after the server did (cycle \(cycle))")
            }

            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-final.log")
            defer { server.stop() }
            let selector = "{__name__=\"\(CrashWorkload.metric)\"}"
            let stored = try server.client.rawSamples(selector)
            let problems = workload.check(stored: stored, seriesListed: try server.client.seriesSet(selector))
            let stats = workload.stats
            print("crash test: seed \(Self.seed), \(Self.killsCount) kills, \(cycles - Self.killsCount) SIGTERMs, \(cutsCompleted) head cuts before a kill, \(stats) in \(Int(Date().timeIntervalSince(started))) s")
            #expect(stats.acknowledgedBatches >= Self.killsCount, "too few writes were acknowledged to mean anything: \(stats)")
            #expect(cutsCompleted > 0, "no head cut finished before a kill, so no kill hit a store with blocks and a checkpoint")
            #expect(stats.failedRequests > 0, "no request was cut off by a kill, so the kills tested nothing: \(stats)")
            #expect(problems.isEmpty, """
                \(problems.count) problems after \(Self.killsCount) SIGKILLs (seed \(Self.seed); OSPREY_E2E_SEED replays the workload, \
                OSPREY_E2E_KEEP=1 keeps the data and logs), first ones:
                \(problems.prefix(20).joined(separator: "\n"))
                \(server.logTail(15))
                """)
            #expect(workload.unexpectedResponses.isEmpty, """
                answers other than 204 (or 503 while shutting down) to valid writes:
                \(workload.unexpectedResponses.prefix(10).joined(separator: "\n"))
                """)
        }
    }
}

/// The writes of the crash test: a few series, mostly increasing timestamps, some batches of
/// backfilled old timestamps (t = 0 among them). Every (series, timestamp) is sent with one value
/// only, so a sample read back either is exactly what was sent or is wrong. Thread safe.
final class CrashWorkload: @unchecked Sendable {
    static let metric = "osprey_e2e_crash"
    static let seriesCount = 8
    /// In-order samples are this far apart; the store cuts its head every 2 h of data, so the
    /// test crosses many head cuts, checkpoints and compactions.
    static let stepMs: Int64 = 5_000
    /// Where in-order timestamps start: far enough from 0 for backfill, close enough that
    /// 15-day retention (counted from the newest sample) keeps the backfilled samples.
    static let firstMs: Int64 = 86_400_000

    struct Batch: Sendable {
        let id: Int
        /// (series index, samples)
        let series: [(index: Int, samples: [Sample])]
        let body: [UInt8]
    }

    struct Stats: CustomStringConvertible {
        var acknowledgedBatches = 0
        var unacknowledgedBatches = 0
        /// Requests that got no answer (or a 503): cut off by a kill, refused, or turned away while stopping.
        var failedRequests = 0
        var acknowledgedSamples = 0
        var storedSamples = 0
        var description: String {
            "\(acknowledgedBatches) batches acknowledged (\(acknowledgedSamples) samples), \(failedRequests) requests failed, "
                + "\(unacknowledgedBatches) batches never acknowledged, \(storedSamples) samples read back"
        }
    }

    private let lock = NSLock()
    private var rng: SplitMix64
    let labels: [Labels] = (0..<CrashWorkload.seriesCount).map {
        Labels(["__name__": CrashWorkload.metric, "series": "s\($0)", "job": "crash"])
    }
    private var nextInOrder = [Int64](repeating: CrashWorkload.firstMs, count: CrashWorkload.seriesCount)
    /// Every value ever sent: series index → timestamp → value bits.
    private var sent = [[Int64: UInt64]](repeating: [:], count: CrashWorkload.seriesCount)
    private var batches: [Batch] = []
    private var acknowledged = Set<Int>()
    /// Batches whose request failed (connection refused, reset, cut off); retried or left as they are.
    private var failed: [Int] = []
    private var retryQueue: [Int] = []
    private(set) var unexpectedResponses: [String] = []
    private(set) var stats = Stats()

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// After a restart, resends about half of the failed batches unchanged, as a remote-write client would.
    func queueRetries(using rng: inout SplitMix64) {
        lock.withLock {
            var keep: [Int] = []
            for id in failed { if Bool.random(using: &rng) { retryQueue.append(id) } else { keep.append(id) } }
            failed = keep
        }
    }

    /// The next request to send: a queued retry, else a new batch.
    func next() -> Batch? {
        lock.withLock {
            if !retryQueue.isEmpty { return batches[retryQueue.removeFirst()] }
            let batch = makeBatch(id: batches.count)
            batches.append(batch)
            return batch
        }
    }

    /// Notes how a request ended: nil when it got no answer (the server died, or refused the connection).
    /// A 503 is expected only while the server shuts down; it stores nothing.
    func record(_ batch: Batch, _ response: HTTPResponse?, shuttingDown: Bool) {
        lock.withLock {
            if let response, (200..<300).contains(response.status) {
                acknowledged.insert(batch.id)
                return
            }
            if let response, !(response.status == 503 && shuttingDown) {
                unexpectedResponses.append("batch \(batch.id): HTTP \(response.status): \(response.text)")
            }
            stats.failedRequests += 1
            if !acknowledged.contains(batch.id) { failed.append(batch.id) }
        }
    }

    private func makeBatch(id: Int) -> Batch {
        let backfill = Int.random(in: 0..<4, using: &rng) == 0
        let chosen = Array((0..<CrashWorkload.seriesCount).shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng)))
        var series: [(index: Int, samples: [Sample])] = []
        for index in chosen {
            var samples: [Sample] = []
            let count = Int.random(in: 1...40, using: &rng)
            if backfill {
                if sent[index][0] == nil { samples.append(Sample(0, randomValue())) }
                for _ in 0..<count {
                    let t = Int64.random(in: 0..<nextInOrder[index], using: &rng)
                    guard sent[index][t] == nil, !samples.contains(where: { $0.t == t }) else { continue }
                    samples.append(Sample(t, randomValue()))
                }
                samples.shuffle(using: &rng)
            } else {
                for _ in 0..<count {
                    samples.append(Sample(nextInOrder[index], randomValue()))
                    nextInOrder[index] += CrashWorkload.stepMs
                }
            }
            for s in samples { sent[index][s.t] = s.v.bitPattern }
            if !samples.isEmpty { series.append((index, samples)) }
        }
        let body = RemoteWriteEncoder.encodeSnappy(series.map { (labels: labels[$0.index], samples: $0.samples) })
        return Batch(id: id, series: series, body: body)
    }

    /// Counter-like integers, arbitrary doubles, and arbitrary bit patterns (±0, ±Inf, subnormals); never NaN.
    private func randomValue() -> Double {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<4: return Double(Int.random(in: 0...1_000_000, using: &rng))
        case 4..<8: return Double.random(in: -1e12...1e12, using: &rng)
        default:
            while true {
                let v = Double(bitPattern: rng.next())
                if !v.isNaN { return v }
            }
        }
    }

    /// Compares what the server holds with what was sent and acknowledged; returns the problems.
    func check(stored: [Labels: [ReadSample]], seriesListed: Set<Labels>) -> [String] {
        lock.withLock {
            var problems: [String] = []
            var mustHave = [[Int64: UInt64]](repeating: [:], count: CrashWorkload.seriesCount)
            for id in acknowledged {
                for (index, samples) in batches[id].series {
                    for s in samples { mustHave[index][s.t] = s.v.bitPattern }
                }
            }
            stats.acknowledgedBatches = acknowledged.count
            stats.unacknowledgedBatches = batches.count - acknowledged.count
            stats.acknowledgedSamples = mustHave.reduce(0) { $0 + $1.count }
            stats.storedSamples = stored.values.reduce(0) { $0 + $1.count }

            for unknown in Set(stored.keys).subtracting(labels) { problems.append("series \(unknown) was never written") }
            for unknown in seriesListed.subtracting(labels) { problems.append("/api/v1/series lists \(unknown), never written") }
            for (index, l) in labels.enumerated() {
                let got = stored[l] ?? []
                if !mustHave[index].isEmpty && !seriesListed.contains(l) { problems.append("/api/v1/series does not list \(l)") }
                for (a, b) in zip(got, got.dropFirst()) where a.t >= b.t {
                    problems.append("\(l): samples out of order or repeated: \(a) then \(b)")
                }
                var byTime: [Int64: ReadSample] = [:]
                for s in got {
                    byTime[s.t] = s
                    guard let sentBits = sent[index][s.t] else {
                        problems.append("\(l) @\(s.t): \(s.value) was never sent")
                        continue
                    }
                    if s.double?.bitPattern != sentBits {
                        problems.append("\(l) @\(s.t): read \(s.value), sent \(Double(bitPattern: sentBits)) (bits \(String(sentBits, radix: 16)))")
                    }
                }
                for (t, bits) in mustHave[index].sorted(by: { $0.key < $1.key }) where byTime[t] == nil {
                    problems.append("\(l) @\(t): acknowledged sample \(Double(bitPattern: bits)) is missing")
                }
            }
            return problems
        }
    }
}
