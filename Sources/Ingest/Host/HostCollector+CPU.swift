/// The ten per-CPU times of a /proc/stat `cpuN` line, in seconds.
struct HostCPUStat: Sendable, Equatable {
    var user = 0.0, nice = 0.0, system = 0.0, idle = 0.0, iowait = 0.0
    var irq = 0.0, softirq = 0.0, steal = 0.0, guest = 0.0, guestNice = 0.0

    /// Fields in /proc/stat order; a short line (old kernels have 4, 7 or 8 columns) leaves the rest 0.
    init(fields: ArraySlice<Substring>) {
        var values = [Double](repeating: 0, count: 10)
        for (i, field) in fields.prefix(10).enumerated() {
            values[i] = (Double(field) ?? 0) / hostUserHz
        }
        (user, nice, system, idle, iowait) = (values[0], values[1], values[2], values[3], values[4])
        (irq, softirq, steal, guest, guestNice) = (values[5], values[6], values[7], values[8], values[9])
    }

    init() {}
}

/// Clock ticks per second of /proc/stat's CPU times. USER_HZ is 100 on every Linux architecture
/// Osprey runs on (the kernel fixes it for user space); node_exporter's procfs assumes the same.
let hostUserHz = 100.0

/// An idle counter that drops by this many seconds or more means the CPU went offline and came
/// back (hotplug): its remembered counters restart from the new values. node_exporter uses 3 s.
let hostCPUIdleJumpBackSeconds = 3.0

/// The parts of /proc/stat the cpu and stat collectors use.
struct HostProcStat {
    var cpus: [HostCPUStat] = []
    var intr: Double?
    var ctxt: Double?
    var btime: Double?
    var processes: Double?
    var procsRunning: Double?
    var procsBlocked: Double?
}

extension HostCollector {
    func readProcStat() throws -> HostProcStat {
        let path = procFile("stat")
        let text = try readHostFile(path)
        var stat = HostProcStat()
        for line in hostLines(text) {
            let fields = hostFields(line)
            guard let key = fields.first else { continue }
            if key.hasPrefix("cpu") {
                guard fields.count >= 2 else {
                    throw HostCollectorError(path: path, message: "cpu line without values: \(line)")
                }
                if key == "cpu" { continue }
                guard let id = Int(key.dropFirst(3)), id >= 0, id < hostCPUCountMax else {
                    throw HostCollectorError(path: path, message: "cannot read the CPU number of \(key)")
                }
                while stat.cpus.count <= id { stat.cpus.append(HostCPUStat()) }
                stat.cpus[id] = HostCPUStat(fields: fields.dropFirst())
                continue
            }
            guard fields.count >= 2 else { continue }
            let value = { () throws -> Double in
                guard let v = Double(fields[1]) else {
                    throw HostCollectorError(path: path, message: "\(key) is not a number: \(fields[1])")
                }
                return v
            }
            switch key {
            case "intr": stat.intr = try value()
            case "ctxt": stat.ctxt = try value()
            case "btime": stat.btime = try value()
            case "processes": stat.processes = try value()
            case "procs_running": stat.procsRunning = try value()
            case "procs_blocked": stat.procsBlocked = try value()
            default: continue
            }
        }
        return stat
    }

    /// node_cpu_seconds_total and node_cpu_guest_seconds_total from /proc/stat, plus the thermal
    /// throttle counters sysfs has on x86.
    func collectCPU(into set: inout HostMetricSet) throws {
        let current = try readProcStat().cpus
        let exposed = state.withState { state -> [HostCPUStat] in
            state.cpuStats = Self.monotonicCPUStats(previous: state.cpuStats, current: current)
            return state.cpuStats
        }
        let help = "Seconds the CPUs spent in each mode."
        let guestHelp = "Seconds the CPUs spent in guests (VMs) for each mode."
        for (id, s) in exposed.enumerated() {
            let cpu = String(id)
            for (mode, v) in [
                ("user", s.user), ("nice", s.nice), ("system", s.system), ("idle", s.idle),
                ("iowait", s.iowait), ("irq", s.irq), ("softirq", s.softirq), ("steal", s.steal),
            ] {
                set.add("node_cpu_seconds_total", .counter, help, v, [("cpu", cpu), ("mode", mode)])
            }
            set.add("node_cpu_guest_seconds_total", .counter, guestHelp, s.guest, [("cpu", cpu), ("mode", "user")])
            set.add("node_cpu_guest_seconds_total", .counter, guestHelp, s.guestNice, [("cpu", cpu), ("mode", "nice")])
        }
        collectThermalThrottle(into: &set)
    }

    /// Keeps each counter from going backwards, the way node_exporter does: a value lower than the
    /// last one exposed is ignored, except that an idle drop of `hostCPUIdleJumpBackSeconds` or
    /// more (CPU hotplug) restarts that CPU from the new values. A changed CPU count starts afresh.
    static func monotonicCPUStats(previous: [HostCPUStat], current: [HostCPUStat]) -> [HostCPUStat] {
        var result = previous.count == current.count ? previous : [HostCPUStat](repeating: HostCPUStat(), count: current.count)
        for (i, n) in current.enumerated() {
            if result[i].idle - n.idle >= hostCPUIdleJumpBackSeconds { result[i] = HostCPUStat() }
            var r = result[i]
            r.idle = max(r.idle, n.idle)
            r.user = max(r.user, n.user)
            r.nice = max(r.nice, n.nice)
            r.system = max(r.system, n.system)
            r.iowait = max(r.iowait, n.iowait)
            r.irq = max(r.irq, n.irq)
            r.softirq = max(r.softirq, n.softirq)
            r.steal = max(r.steal, n.steal)
            r.guest = max(r.guest, n.guest)
            r.guestNice = max(r.guestNice, n.guestNice)
            result[i] = r
        }
        return result
    }

    /// node_cpu_core_throttles_total and node_cpu_package_throttles_total from
    /// /sys/devices/system/cpu/cpuN/thermal_throttle; CPUs without topology or counters are skipped.
    func collectThermalThrottle(into set: inout HostMetricSet) {
        let base = sysFile("devices/system/cpu")
        var packages: [String: Double] = [:]
        var cores: [String: [String: Double]] = [:]
        for name in listHostDirectory(base) where isCPUDirectory(name) {
            let dir = base + "/" + name
            guard let pkg = readUIntFile(dir + "/topology/physical_package_id"),
                  let core = readUIntFile(dir + "/topology/core_id") else { continue }
            let pkgLabel = String(pkg), coreLabel = String(core)
            if cores[pkgLabel]?[coreLabel] == nil,
               let count = readUIntFile(dir + "/thermal_throttle/core_throttle_count") {
                cores[pkgLabel, default: [:]][coreLabel] = Double(count)
            }
            if packages[pkgLabel] == nil,
               let count = readUIntFile(dir + "/thermal_throttle/package_throttle_count") {
                packages[pkgLabel] = Double(count)
            }
        }
        for (pkg, count) in packages {
            set.add("node_cpu_package_throttles_total", .counter,
                    "Number of times this CPU package has been throttled.", count, [("package", pkg)])
        }
        for (pkg, coreCounts) in cores {
            for (core, count) in coreCounts {
                set.add("node_cpu_core_throttles_total", .counter,
                        "Number of times this CPU core has been throttled.", count, [("core", core), ("package", pkg)])
            }
        }
    }

    private func isCPUDirectory(_ name: String) -> Bool {
        name.hasPrefix("cpu") && name.utf8.count > 3 && name.utf8.dropFirst(3).first.map { $0 >= 48 && $0 <= 57 } == true
    }

    func readUIntFile(_ path: String) -> UInt64? {
        guard let text = readOptionalHostFile(path) else { return nil }
        return UInt64(text.hostTrimmed())
    }

    /// node_intr_total, node_context_switches_total, node_forks_total, node_boot_time_seconds,
    /// node_procs_running and node_procs_blocked from /proc/stat.
    func collectStat(into set: inout HostMetricSet) throws {
        let stat = try readProcStat()
        set.add("node_intr_total", .counter, "Total number of interrupts serviced.", stat.intr ?? 0)
        set.add("node_context_switches_total", .counter, "Total number of context switches.", stat.ctxt ?? 0)
        set.add("node_forks_total", .counter, "Total number of forks.", stat.processes ?? 0)
        set.add("node_boot_time_seconds", .gauge, "Node boot time, in unixtime.", stat.btime ?? 0)
        set.add("node_procs_running", .gauge, "Number of processes in runnable state.", stat.procsRunning ?? 0)
        set.add("node_procs_blocked", .gauge, "Number of processes blocked waiting for I/O to complete.",
                stat.procsBlocked ?? 0)
    }

    /// node_load1, node_load5 and node_load15 from /proc/loadavg.
    func collectLoadavg(into set: inout HostMetricSet) throws {
        let path = procFile("loadavg")
        let fields = hostFields(Substring(try readHostFile(path)))
        guard fields.count >= 3 else {
            throw HostCollectorError(path: path, message: "expected at least 3 fields, found \(fields.count)")
        }
        let names = ["node_load1", "node_load5", "node_load15"]
        let helps = ["1m load average.", "5m load average.", "15m load average."]
        for i in 0..<3 {
            guard let v = Double(fields[i]) else {
                throw HostCollectorError(path: path, message: "load '\(fields[i])' is not a number")
            }
            set.add(names[i], .gauge, helps[i], v)
        }
    }
}

/// More CPUs than any machine has; a larger number in /proc/stat is corruption, not a CPU.
let hostCPUCountMax = 1 << 16

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    func hostTrimmed() -> Substring {
        let s = Substring(self)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = s.firstIndex(where: { !isSpace($0) }) else { return s[s.endIndex...] }
        let last = s.lastIndex(where: { !isSpace($0) })!
        return s[first...last]
    }
}
