/// Built-in host metrics: reads /proc and /sys and answers with the metric names, labels, types
/// and HELP texts node_exporter 1.5 exposes for the same collectors, so dashboards made for
/// node_exporter work against a host that runs no exporter.
///
/// Each call to `collect()` runs every collector once, like one node_exporter scrape. A collector
/// that fails (file missing, unreadable or malformed) contributes nothing that scrape and reports
/// `node_scrape_collector_success{collector="…"} 0`; the others are unaffected.
///
/// ```swift
/// let host = HostCollector()
/// let body = host.collect()   // "# HELP node_boot_time_seconds Node boot time, in unixtime.\n…"
/// ```
///
/// Thread-safe: concurrent calls are allowed. The CPU collector keeps the last counters it saw,
/// as node_exporter does, so `node_cpu_seconds_total` never goes backwards between scrapes.
public final class HostCollector: Sendable {
    let procPath: String
    let sysPath: String
    let rootfsPath: String
    let udevDataPath: String
    let state = HostCollectorState()

    /// - Parameters:
    ///   - procPath: where procfs is mounted (node_exporter's `--path.procfs`).
    ///   - sysPath: where sysfs is mounted (`--path.sysfs`).
    ///   - rootfsPath: the host's root filesystem (`--path.rootfs`), for a collector running in a
    ///     container with the host's / mounted elsewhere; mount points are reported relative to it.
    public convenience init(procPath: String = "/proc", sysPath: String = "/sys", rootfsPath: String = "/") {
        self.init(procPath: procPath, sysPath: sysPath, rootfsPath: rootfsPath, udevDataPath: "/run/udev/data")
    }

    /// How long a statfs may take before its mount counts as stuck (`hostStatfsTimeoutSeconds` unless a test
    /// sets it).
    let statfsTimeoutSeconds: Int

    init(procPath: String, sysPath: String, rootfsPath: String, udevDataPath: String,
         statfsTimeoutSeconds: Int = hostStatfsTimeoutSeconds) {
        self.procPath = procPath
        self.sysPath = sysPath
        self.rootfsPath = rootfsPath
        self.udevDataPath = udevDataPath
        self.statfsTimeoutSeconds = statfsTimeoutSeconds
    }

    /// Runs every collector and returns the metrics as Prometheus text format 0.0.4.
    public func collect() -> String {
        collectReport().text
    }

    /// The collectors, by the names node_exporter gives them in `node_scrape_collector_*`.
    /// All are in node_exporter 1.5's default set on Linux.
    static let collectorNames: [String] = [
        "conntrack", "cpu", "diskstats", "entropy", "filefd", "filesystem", "loadavg", "meminfo",
        "netdev", "netstat", "os", "pressure", "sockstat", "softnet", "stat", "time", "uname", "vmstat",
    ]

    func run(_ name: String, into set: inout HostMetricSet) throws {
        switch name {
        case "conntrack": try collectConntrack(into: &set)
        case "cpu": try collectCPU(into: &set)
        case "diskstats": try collectDiskstats(into: &set)
        case "entropy": try collectEntropy(into: &set)
        case "filefd": try collectFilefd(into: &set)
        case "filesystem": try collectFilesystem(into: &set)
        case "loadavg": try collectLoadavg(into: &set)
        case "meminfo": try collectMeminfo(into: &set)
        case "netdev": try collectNetdev(into: &set)
        case "netstat": try collectNetstat(into: &set)
        case "os": try collectOS(into: &set)
        case "pressure": try collectPressure(into: &set)
        case "sockstat": try collectSockstat(into: &set)
        case "softnet": try collectSoftnet(into: &set)
        case "stat": try collectStat(into: &set)
        case "time": try collectTime(into: &set)
        case "uname": try collectUname(into: &set)
        case "vmstat": try collectVmstat(into: &set)
        default: preconditionFailure("BUG: unknown host collector \(name)")
        }
    }

    /// One scrape: the exposition text and, per failed collector, why it failed.
    func collectReport() -> (text: String, failures: [String: String]) {
        var all = HostMetricSet()
        var failures: [String: String] = [:]
        let clock = ContinuousClock()
        for name in Self.collectorNames {
            var own = HostMetricSet()
            let started = clock.now
            var success = 1.0
            do {
                try run(name, into: &own)
                all.merge(own)
            } catch {
                success = 0
                failures[name] = "\(error)"
            }
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            all.add(
                "node_scrape_collector_duration_seconds", .gauge, "node_exporter: Duration of a collector scrape.",
                seconds, [("collector", name)])
            all.add(
                "node_scrape_collector_success", .gauge, "node_exporter: Whether a collector succeeded.",
                success, [("collector", name)])
        }
        return (all.render(), failures)
    }

    func procFile(_ rest: String) -> String { joinHostPath(procPath, rest) }
    func sysFile(_ rest: String) -> String { joinHostPath(sysPath, rest) }
    func rootfsFile(_ rest: String) -> String { joinHostPath(rootfsPath, rest) }
}

/// What the collectors remember between scrapes, behind one lock.
final class HostCollectorState: @unchecked Sendable {  // all access under `lock`
    struct Mutable {
        /// Last CPU counters exposed, per CPU number (see `collectCPU`).
        var cpuStats: [HostCPUStat] = []
        /// Mount points whose statfs did not return within `hostStatfsTimeoutSeconds`; they are
        /// reported with `node_filesystem_device_error 1` until a statfs on them returns.
        var stuckMounts: Set<String> = []
    }
    private let lock = NSLockLike()
    private var mutable = Mutable()

    func withState<T>(_ body: (inout Mutable) throws -> T) rethrows -> T {
        try lock.withLock { try body(&mutable) }
    }
}
