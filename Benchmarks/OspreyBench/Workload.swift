import Foundation
import Ingest
import OspreyCore

/// A data set: a fleet scraped `scrapes` times every `intervalMs`, ending near "now", encoded once
/// into remote write request bodies so both servers receive byte-identical requests.
///
/// The first scrape is on a 2h boundary (`alignMs`, the head block range of both servers) and the last
/// is at most 2h before now. Unaligned, the block layout would depend on the hour the benchmark runs:
/// a 2h set would straddle a boundary and Osprey (which cuts the head at aligned(newest − 1h)) would
/// move part of it to a block, while Prometheus (which waits for 3h in the head) keeps it all in
/// memory, so RSS per series would compare different things.
///
/// Series are split into groups of at most `batchSeriesMax` (shuffled, as Prometheus shards series by
/// hash); each request holds one sample of every series of one group, and a group is always sent over
/// the same connection, so each series arrives in time order whatever the interleaving.
final class Workload: Sendable {
    let name: String
    let fleet: Fleet
    let scrapes: Int
    let intervalMs: Int64
    /// The tick of scrape 0; target offsets and jitter are added to it.
    let startMs: Int64
    let seed: UInt64
    /// Series indices of each group, ascending.
    let groups: [[Int32]]
    /// `requests[g][k]`: group `g`'s samples of scrape `k`, snappy-compressed protobuf.
    let requests: [[[UInt8]]]
    let encodeSeconds: Double

    var seriesCount: Int { fleet.series.count }
    var sampleCount: Int { seriesCount * scrapes }
    var requestCount: Int { groups.count * scrapes }
    var bodyBytes: Int { requests.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } } }
    var firstMs: Int64 { startMs }
    var lastMs: Int64 { startMs + Int64(scrapes) * intervalMs }

    /// Prometheus's scrape loop keeps a target's phase but its ticks land a few ms off; ±2 ms here,
    /// a pure function of target and scrape so any series can be regenerated alone.
    static func timestamp(startMs: Int64, intervalMs: Int64, seed: UInt64, target: Target, targetIndex: Int32, scrape: Int) -> Int64 {
        let jitter = Int64(SplitMix64.mix(seed ^ UInt64(targetIndex), UInt64(scrape)) % 5) - 2
        return startMs + Int64(scrape) * intervalMs + target.offsetMs + jitter
    }

    func timestamp(target: Int32, scrape: Int) -> Int64 {
        Workload.timestamp(startMs: startMs, intervalMs: intervalMs, seed: seed, target: fleet.targets[Int(target)], targetIndex: target, scrape: scrape)
    }

    /// Every sample series `index` is sent, regenerated from its own seed.
    func expectedSamples(_ index: Int) -> [Sample] {
        let spec = fleet.series[index]
        var state = SeriesState(spec)
        return (0..<scrapes).map { k in
            let t = timestamp(target: spec.target, scrape: k)
            return Sample(t, state.next(spec.shape, t: t, first: k == 0))
        }
    }

    private init(name: String, fleet: Fleet, scrapes: Int, intervalMs: Int64, startMs: Int64, seed: UInt64,
                 groups: [[Int32]], requests: [[[UInt8]]], encodeSeconds: Double) {
        self.name = name
        self.fleet = fleet
        self.scrapes = scrapes
        self.intervalMs = intervalMs
        self.startMs = startMs
        self.seed = seed
        self.groups = groups
        self.requests = requests
        self.encodeSeconds = encodeSeconds
    }

    /// Builds the fleet and encodes every request, on all cores (before any server is started).
    static func make(name: String, seriesMin: Int, hours: Double, seed: UInt64, batchSeriesMax: Int,
                     connections: Int, intervalMs: Int64 = 15_000, alignMs: Int64 = 7_200_000, nowMs: Int64) -> Workload {
        let fleet = Fleet.nodeExporters(seriesMin: seriesMin, seed: seed, intervalMs: intervalMs)
        let unique = Set(fleet.series.map(\.labels))
        precondition(unique.count == fleet.series.count, "BUG: fleet has \(fleet.series.count - unique.count) duplicate series")
        let scrapes = Int((hours * 3_600_000 / Double(intervalMs)).rounded())
        precondition(scrapes > 0, "--hours gives no scrapes")
        let spanMs = Int64(scrapes) * intervalMs
        let startMs = (nowMs - spanMs) / alignMs * alignMs
        precondition(startMs % intervalMs == 0, "BUG: the block range must be a multiple of the scrape interval")

        // Group count: enough for batchSeriesMax, a multiple of `connections` so each gets the same share.
        let needed = (fleet.series.count + batchSeriesMax - 1) / batchSeriesMax
        let groupCount = (needed + connections - 1) / connections * connections
        var order = (0..<Int32(fleet.series.count)).map { $0 }
        var rng = SplitMix64(seed: SplitMix64.mix(seed, 0x5AA4D))
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(0...i)) }
        let n = order.count
        let groups = (0..<groupCount).map { g in Array(order[(g * n / groupCount)..<((g + 1) * n / groupCount)]).sorted() }

        let started = Date()
        let targets = fleet.targets
        let out = Locked([[[UInt8]]](repeating: [], count: groupCount))
        let next = Locked(0)
        runThreads(ProcessInfo.processInfo.activeProcessorCount) { _ in
            while true {
                let g = next.withLock { v -> Int in defer { v += 1 }; return v }
                guard g < groupCount else { return }
                let members = groups[g]
                var states = members.map { SeriesState(fleet.series[Int($0)]) }
                var batch: [(labels: Labels, samples: [Sample])] = members.map { (fleet.series[Int($0)].labels, [Sample(0, 0)]) }
                var bodies: [[UInt8]] = []
                bodies.reserveCapacity(scrapes)
                var times = [Int64](repeating: 0, count: targets.count)
                for k in 0..<scrapes {
                    for (i, t) in targets.enumerated() {
                        times[i] = timestamp(startMs: startMs, intervalMs: intervalMs, seed: seed, target: t, targetIndex: Int32(i), scrape: k)
                    }
                    for j in 0..<members.count {
                        let spec = fleet.series[Int(members[j])]
                        let t = times[Int(spec.target)]
                        batch[j].samples[0] = Sample(t, states[j].next(spec.shape, t: t, first: k == 0))
                    }
                    bodies.append(RemoteWriteEncoder.encodeSnappy(batch))
                }
                out.withLock { $0[g] = bodies }
            }
        }
        return Workload(name: name, fleet: fleet, scrapes: scrapes, intervalMs: intervalMs, startMs: startMs, seed: seed,
                        groups: groups, requests: out.withLock { $0 }, encodeSeconds: Date().timeIntervalSince(started))
    }
}

/// A value shared between threads, touched only under its lock.
final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()

    init(_ value: T) {
        self.value = value
    }

    func withLock<R>(_ body: (inout T) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Runs `body(0..<count)` on `count` threads and waits for all of them.
func runThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    group.wait()
}
