import OspreyCore

/// One scrape target: a node_exporter, scraped every interval at its own phase.
struct Target: Sendable {
    let instance: String
    /// Where in the scrape interval this target is scraped (Prometheus spreads targets by a hash).
    let offsetMs: Int64
}

/// A fleet of node_exporters: the series a Prometheus scraping them would remote-write.
struct Fleet: Sendable {
    let targets: [Target]
    let series: [SeriesSpec]

    /// Hosts of varied sizes (4–48 CPUs, 2–10 network devices, 1–4 disks, 5–8 file systems; about
    /// 1,000 series each) until there are at least `seriesMin` series. Same seed, same fleet.
    static func nodeExporters(seriesMin: Int, seed: UInt64, intervalMs: Int64) -> Fleet {
        var rng = SplitMix64(seed: SplitMix64.mix(seed, 0xF1EE7))
        var targets: [Target] = []
        var series: [SeriesSpec] = []
        let roles = ["web", "api", "db", "cache", "queue", "worker", "search", "lb", "k8s-node", "ci"]
        while series.count < seriesMin {
            let index = targets.count
            let host = "\(roles[index % roles.count])-\(index / roles.count + 1 < 10 ? "0" : "")\(index / roles.count + 1)"
            let instance = "\(host).prod.example.net:9100"
            targets.append(Target(instance: instance, offsetMs: 3 + rng.int(0...(intervalMs - 7))))
            var b = HostBuilder(target: Int32(index), host: host, instance: instance,
                                seed: SplitMix64.mix(seed, UInt64(index) &+ 1), firstIndex: series.count)
            b.build()
            series += b.out
        }
        return Fleet(targets: targets, series: series)
    }
}

/// Builds one host's node_exporter series, family by family, with plausible rates for its size.
struct HostBuilder {
    let target: Int32
    let host: String
    let base: [Label]
    let seriesSeed: UInt64
    let firstIndex: Int
    var rng: SplitMix64
    var out: [SeriesSpec] = []
    /// Scrapes since boot: counters start at about rate × uptime.
    let uptimeScrapes: Double
    let cpus: Int
    /// Busy fraction of the host's CPUs.
    let util: Double
    let memKiB: Int64

    init(target: Int32, host: String, instance: String, seed: UInt64, firstIndex: Int) {
        self.target = target
        self.host = host
        self.base = [Label("instance", instance), Label("job", "node")]
        self.seriesSeed = seed
        self.firstIndex = firstIndex
        var rng = SplitMix64(seed: seed)
        uptimeScrapes = Double(rng.int(1...400)) * 5760
        cpus = rng.pick([4, 8, 8, 16, 16, 32, 32, 48])
        util = rng.uniform(0.03, 0.6)
        memKiB = Int64(cpus) * rng.pick([2, 4, 8]) * 1_048_576
        self.rng = rng
    }

    // MARK: adding series

    mutating func add(_ name: String, _ extra: [(String, String)], _ shape: Shape, initial: Int64 = 0) {
        var labels = base
        labels.append(Label(Labels.metricNameLabel, name))
        for (k, v) in extra { labels.append(Label(k, v)) }
        let seed = SplitMix64.mix(seriesSeed, UInt64(out.count))
        out.append(SeriesSpec(labels: Labels(labels), target: target, shape: shape, initial: initial, seed: seed))
    }

    mutating func constant(_ name: String, _ extra: [(String, String)] = [], _ v: Double) {
        add(name, extra, .constant(v))
    }

    /// A counter growing by about `perScrape` units a scrape, started at that rate × uptime.
    mutating func counter(_ name: String, _ extra: [(String, String)] = [], perScrape: Double,
                          mul: Int64 = 1, div: Double = 1, cv: Double = 0.4, pIdle: Double = 0) {
        let start = Int64(perScrape * (1 - pIdle) * uptimeScrapes * rng.uniform(0.6, 1.4))
        add(name, extra, .counter(mul: mul, div: div, incMean: perScrape, cv: cv, pIdle: pIdle), initial: start)
    }

    /// A gauge wandering within ±`rel` of `center` units, by at most `stepRel` of it a scrape.
    mutating func gauge(_ name: String, _ extra: [(String, String)] = [], center: Double, rel: Double,
                        stepRel: Double, mul: Int64 = 1, div: Double = 1, pHold: Double = 0) {
        let lo = Int64(center * (1 - rel)), hi = max(lo, Int64(center * (1 + rel)))
        let step = max(1, Int64(center * stepRel))
        add(name, extra, .gauge(mul: mul, div: div, lo: lo, hi: hi, stepMax: step, pHold: pHold), initial: rng.int(lo...hi))
    }

    // MARK: the host

    mutating func build() {
        cpu()
        network()
        filesystems()
        disks()
        memory()
        kernel()
        netstat()
        exporterSelf()
    }
}
