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

    mutating func cpu() {
        let ticks = 1500.0  // USER_HZ × 15 s: one CPU's ticks per scrape
        for c in 0..<cpus {
            let cpu = ("cpu", "\(c)")
            let u = min(0.95, util * rng.uniform(0.6, 1.4))
            let modes: [(String, Double, Double)] = [
                ("idle", ticks * (1 - u) - 6, 0.05), ("iowait", 5, 0.8), ("irq", 0.6, 1), ("nice", 0.2, 1),
                ("softirq", ticks * u * 0.04, 0.5), ("steal", 0, 0), ("system", ticks * u * 0.25, 0.3),
                ("user", ticks * u * 0.7, 0.3),
            ]
            for (mode, inc, cv) in modes {
                if inc == 0 {
                    constant("node_cpu_seconds_total", [cpu, ("mode", mode)], 0)
                } else {
                    counter("node_cpu_seconds_total", [cpu, ("mode", mode)], perScrape: inc, div: 100, cv: cv, pIdle: inc < 1 ? 0.7 : 0)
                }
            }
            constant("node_cpu_guest_seconds_total", [cpu, ("mode", "guest")], 0)
            constant("node_cpu_guest_seconds_total", [cpu, ("mode", "guest_nice")], 0)
            gauge("node_cpu_scaling_frequency_hertz", [cpu], center: 2_200_000, rel: 0.6, stepRel: 0.3, mul: 1000, pHold: 0.3)
            constant("node_cpu_scaling_frequency_max_hertz", [cpu], 3.6e9)
            constant("node_cpu_scaling_frequency_min_hertz", [cpu], 8e8)
            counter("node_schedstat_running_seconds_total", [cpu], perScrape: 15e9 * u, div: 1e9, cv: 0.3)
            counter("node_schedstat_waiting_seconds_total", [cpu], perScrape: 15e9 * u * 0.05, div: 1e9, cv: 0.6)
            counter("node_schedstat_timeslices_total", [cpu], perScrape: 15 * 300 * (u + 0.1), cv: 0.3)
            counter("node_softnet_processed_total", [cpu], perScrape: 15 * 800 * u, cv: 0.5)
            constant("node_softnet_dropped_total", [cpu], 0)
            counter("node_softnet_times_squeezed_total", [cpu], perScrape: 1, cv: 1, pIdle: 0.9)
        }
        for (name, center) in [("node_load1", 1.0), ("node_load5", 1.0), ("node_load15", 1.0)] {
            let load = max(1, Double(cpus) * util * center * 100)
            gauge(name, center: load, rel: 0.7, stepRel: name == "node_load1" ? 0.1 : 0.02, div: 100)
        }
        counter("node_context_switches_total", perScrape: 15 * 3000 * Double(cpus) * (util + 0.05))
        counter("node_intr_total", perScrape: 15 * 2000 * Double(cpus) * (util + 0.05))
        counter("node_forks_total", perScrape: 15 * 20, cv: 0.8)
        gauge("node_procs_running", center: Double(cpus) * util + 2, rel: 0.8, stepRel: 0.5)
        gauge("node_procs_blocked", center: 1, rel: 1, stepRel: 1, pHold: 0.6)
        for (kind, scale) in [("cpu_waiting", 0.02), ("io_stalled", 0.002), ("io_waiting", 0.004), ("memory_stalled", 0.0), ("memory_waiting", 0.0001)] {
            if scale == 0 {
                constant("node_pressure_\(kind)_seconds_total", [], 0)
            } else {
                counter("node_pressure_\(kind)_seconds_total", perScrape: 15e6 * scale * util, div: 1e6, cv: 0.8)
            }
        }
        if rng.chance(0.6) {  // physical machines have sensors
            constant("node_hwmon_chip_names", [("chip", "platform_coretemp_0"), ("chip_name", "coretemp")], 1)
            for s in 1...(cpus / 4 + 1) {
                let sensor = ("sensor", "temp\(s)"), chip = ("chip", "platform_coretemp_0")
                gauge("node_hwmon_temp_celsius", [chip, sensor], center: 45 + 30 * util, rel: 0.15, stepRel: 0.03, pHold: 0.4)
                constant("node_hwmon_temp_crit_alarm_celsius", [chip, sensor], 0)
                constant("node_hwmon_temp_crit_celsius", [chip, sensor], 100)
                constant("node_hwmon_temp_max_celsius", [chip, sensor], 84)
                constant("node_hwmon_sensor_label", [chip, ("label", s == 1 ? "package_id_0" : "core_\(s - 2)"), sensor], 1)
            }
            gauge("node_thermal_zone_temp", [("type", "x86_pkg_temp"), ("zone", "0")], center: 45_000 + 30_000 * util, rel: 0.15, stepRel: 0.03, div: 1000)
        }
    }

    mutating func network() {
        var devices = ["lo", "eth0"]
        if rng.chance(0.4) { devices.append("eth1") }
        if rng.chance(0.5) {
            devices.append("docker0")
            for _ in 0..<rng.int(0...6) { devices.append("veth" + rng.hex(7)) }
        }
        for (i, d) in devices.enumerated() {
            let device = ("device", d)
            let physical = d.hasPrefix("eth")
            let bytesPerScrape = 15 * (d == "lo" ? rng.uniform(2e3, 2e5) : physical ? rng.uniform(5e4, 3e7) : rng.uniform(1e3, 1e6))
            for dir in ["receive", "transmit"] {
                let bytes = bytesPerScrape * (dir == "receive" ? 1 : rng.uniform(0.3, 1.5))
                counter("node_network_\(dir)_bytes_total", [device], perScrape: bytes, cv: 0.6)
                counter("node_network_\(dir)_packets_total", [device], perScrape: bytes / 700, cv: 0.5)
                counter("node_network_\(dir)_drop_total", [device], perScrape: 2, cv: 1, pIdle: physical ? 0.97 : 1)
                for field in ["errs", "fifo", "compressed"] { constant("node_network_\(dir)_\(field)_total", [device], 0) }
            }
            counter("node_network_receive_multicast_total", [device], perScrape: 1, cv: 1, pIdle: physical ? 0.5 : 1)
            constant("node_network_receive_frame_total", [device], 0)
            constant("node_network_receive_nohandler_total", [device], 0)
            constant("node_network_transmit_colls_total", [device], 0)
            constant("node_network_transmit_carrier_total", [device], 0)
            let mac = d == "lo" ? "00:00:00:00:00:00" : (0..<6).map { _ in rng.hex(2) }.joined(separator: ":")
            constant("node_network_info", [("address", mac), ("broadcast", d == "lo" ? "00:00:00:00:00:00" : "ff:ff:ff:ff:ff:ff"),
                                           device, ("duplex", physical ? "full" : ""), ("ifalias", ""), ("operstate", d == "lo" ? "unknown" : "up")], 1)
            constant("node_network_up", [device], d == "lo" ? 0 : 1)
            constant("node_network_mtu_bytes", [device], d == "lo" ? 65536 : 1500)
            if physical { constant("node_network_speed_bytes", [device], 1.25e9) }
            constant("node_network_carrier", [device], 1)
            constant("node_network_transmit_queue_length", [device], d == "lo" ? 1000 : 1000)
            constant("node_network_flags", [device], d == "lo" ? 9 : 4099)
            constant("node_network_iface_id", [device], Double(i + 1))
            constant("node_network_iface_link", [device], Double(i + 1))
            constant("node_network_iface_link_mode", [device], 0)
            constant("node_network_address_assign_type", [device], d.hasPrefix("veth") ? 3 : 0)
            constant("node_network_device_id", [device], 0)
            constant("node_network_dormant", [device], 0)
            constant("node_network_protocol_type", [device], d == "lo" ? 772 : 1)
            constant("node_network_net_dev_group", [device], 0)
            let changes = Double(rng.int(1...4) * 2)
            constant("node_network_carrier_changes_total", [device], changes)
            constant("node_network_carrier_up_changes_total", [device], changes / 2)
            constant("node_network_carrier_down_changes_total", [device], changes / 2)
        }
        gauge("node_arp_entries", [("device", "eth0")], center: 12, rel: 0.5, stepRel: 0.1, pHold: 0.8)
    }

    mutating func filesystems() {
        let root = rng.pick(["/dev/nvme0n1p2", "/dev/sda1", "/dev/mapper/vg0-root"])
        var mounts: [(String, String, String, Double)] = [
            (root, rng.pick(["ext4", "xfs"]), "/", rng.pick([50.0, 100, 200, 500]) * 1e9),
            ("/dev/nvme0n1p1", "vfat", "/boot/efi", 0.5e9),
            ("tmpfs", "tmpfs", "/run", Double(memKiB) * 1024 / 10),
            ("tmpfs", "tmpfs", "/run/lock", 5 * 1_048_576),
            ("tmpfs", "tmpfs", "/run/user/1000", Double(memKiB) * 1024 / 10),
        ]
        if rng.chance(0.5) { mounts.append(("/dev/sdb1", "xfs", "/var/lib/docker", rng.pick([200.0, 500, 1000]) * 1e9)) }
        if rng.chance(0.4) { mounts.append(("/dev/sdc1", "ext4", "/data", rng.pick([1000.0, 2000, 4000]) * 1e9)) }
        if rng.chance(0.3) { mounts.append(("/dev/mapper/vg0-home", "ext4", "/home", 100e9)) }
        for (dev, fstype, mountpoint, size) in mounts {
            let labels = [("device", dev), ("fstype", fstype), ("mountpoint", mountpoint)]
            let blocks = (size / 4096).rounded()
            let used = rng.uniform(0.05, 0.8)
            let busy = mountpoint == "/" || mountpoint.hasPrefix("/var") || mountpoint == "/data"
            let free = blocks * (1 - used)
            gauge("node_filesystem_free_bytes", labels, center: free, rel: 0.01, stepRel: busy ? 0.0002 : 0.00001, mul: 4096, pHold: busy ? 0.2 : 0.9)
            gauge("node_filesystem_avail_bytes", labels, center: max(0, free - blocks * 0.05), rel: 0.01, stepRel: busy ? 0.0002 : 0.00001, mul: 4096, pHold: busy ? 0.2 : 0.9)
            constant("node_filesystem_size_bytes", labels, blocks * 4096)
            let files = (size / 16384).rounded()
            constant("node_filesystem_files", labels, files)
            gauge("node_filesystem_files_free", labels, center: files * (1 - used / 4), rel: 0.001, stepRel: 0.00001, pHold: busy ? 0.3 : 0.95)
            constant("node_filesystem_readonly", labels, 0)
            constant("node_filesystem_device_error", labels, 0)
        }
    }

    mutating func disks() {
        var names = [rng.pick(["nvme0n1", "sda"])]
        if rng.chance(0.5) { names.append("sdb") }
        if rng.chance(0.4) { names.append("sdc") }
        if rng.chance(0.3) { names.append("dm-0") }
        for (i, d) in names.enumerated() {
            let device = [("device", d)]
            let iops = rng.uniform(0.5, 400) * 15
            let readShare = rng.uniform(0.05, 0.6)
            counter("node_disk_reads_completed_total", device, perScrape: iops * readShare, cv: 0.7)
            counter("node_disk_reads_merged_total", device, perScrape: iops * readShare * 0.1, cv: 1, pIdle: 0.3)
            counter("node_disk_read_bytes_total", device, perScrape: iops * readShare * 16, mul: 512, cv: 0.8)
            counter("node_disk_read_time_seconds_total", device, perScrape: iops * readShare * 0.4, div: 1000, cv: 0.8)
            counter("node_disk_writes_completed_total", device, perScrape: iops * (1 - readShare), cv: 0.6)
            counter("node_disk_writes_merged_total", device, perScrape: iops * (1 - readShare) * 0.4, cv: 0.8)
            counter("node_disk_written_bytes_total", device, perScrape: iops * (1 - readShare) * 24, mul: 512, cv: 0.7)
            counter("node_disk_write_time_seconds_total", device, perScrape: iops * (1 - readShare) * 0.8, div: 1000, cv: 0.8)
            gauge("node_disk_io_now", device, center: 1, rel: 1, stepRel: 1, pHold: 0.7)
            counter("node_disk_io_time_seconds_total", device, perScrape: min(15_000, iops * 0.5), div: 1000, cv: 0.5)
            counter("node_disk_io_time_weighted_seconds_total", device, perScrape: iops * 1.1, div: 1000, cv: 0.8)
            counter("node_disk_discards_completed_total", device, perScrape: 3, cv: 1, pIdle: 0.95)
            constant("node_disk_discards_merged_total", device, 0)
            counter("node_disk_discarded_sectors_total", device, perScrape: 4000, cv: 1, pIdle: 0.95)
            counter("node_disk_discard_time_seconds_total", device, perScrape: 2, div: 1000, cv: 1, pIdle: 0.95)
            counter("node_disk_flush_requests_total", device, perScrape: iops * 0.05, cv: 0.7)
            counter("node_disk_flush_requests_time_seconds_total", device, perScrape: iops * 0.05, div: 1000, cv: 0.9)
            constant("node_disk_info", [("device", d), ("major", d.hasPrefix("nvme") ? "259" : d.hasPrefix("dm") ? "253" : "8"),
                                        ("minor", "\(i * 16)"), ("model", d.hasPrefix("nvme") ? "Samsung SSD 980 PRO 1TB" : "ST4000NM000A-2HZ100"),
                                        ("path", "pci-0000:0\(i + 1):00.0"), ("revision", "5B2QGXA7"), ("serial", "S5GXNX0T" + rng.hex(6).uppercased())], 1)
        }
    }

    mutating func memory() {
        let total = Double(memKiB)
        let used = rng.uniform(0.2, 0.85)
        // (field, share of MemTotal, relative wander, relative step a scrape); share 0 is a constant 0.
        let fields: [(String, Double, Double, Double)] = [
            ("MemFree", (1 - used) * 0.3, 0.2, 0.005), ("MemAvailable", 1 - used, 0.1, 0.002), ("Buffers", 0.02, 0.1, 0.001),
            ("Cached", (1 - used) * 0.6, 0.1, 0.002), ("SwapCached", 0, 0, 0), ("Active", used * 0.7, 0.1, 0.001),
            ("Inactive", used * 0.3, 0.1, 0.001), ("Active_anon", used * 0.5, 0.1, 0.001), ("Inactive_anon", used * 0.05, 0.1, 0.001),
            ("Active_file", used * 0.2, 0.1, 0.001), ("Inactive_file", used * 0.25, 0.1, 0.001), ("Unevictable", 0.0001, 0.01, 0.0001),
            ("Mlocked", 0.0001, 0.01, 0.0001), ("Dirty", 0.0001, 0.9, 0.3), ("Writeback", 0, 0, 0), ("AnonPages", used * 0.55, 0.1, 0.001),
            ("Mapped", 0.03, 0.1, 0.001), ("Shmem", 0.01, 0.05, 0.0005), ("KReclaimable", 0.03, 0.05, 0.001), ("Slab", 0.05, 0.05, 0.001),
            ("SReclaimable", 0.03, 0.05, 0.001), ("SUnreclaim", 0.02, 0.05, 0.001), ("KernelStack", 0.001, 0.05, 0.002),
            ("PageTables", 0.004, 0.05, 0.002), ("NFS_Unstable", 0, 0, 0), ("Bounce", 0, 0, 0), ("WritebackTmp", 0, 0, 0),
            ("Committed_AS", used * 1.3, 0.05, 0.001), ("VmallocUsed", 0.002, 0.02, 0.001), ("VmallocChunk", 0, 0, 0),
            ("HardwareCorrupted", 0, 0, 0), ("AnonHugePages", used * 0.1, 0.1, 0.002), ("ShmemHugePages", 0, 0, 0),
            ("ShmemPmdMapped", 0, 0, 0), ("FileHugePages", 0, 0, 0), ("FilePmdMapped", 0, 0, 0), ("Hugetlb", 0, 0, 0),
        ]
        for (field, share, rel, step) in fields {
            if share == 0 {
                constant("node_memory_\(field)_bytes", [], 0)
            } else {
                gauge("node_memory_\(field)_bytes", center: total * share, rel: rel, stepRel: step, mul: 1024)
            }
        }
        let swap = rng.chance(0.3) ? 2_097_152.0 : 0
        constant("node_memory_MemTotal_bytes", [], total * 1024)
        constant("node_memory_SwapTotal_bytes", [], swap * 1024)
        constant("node_memory_SwapFree_bytes", [], swap * 1024)
        constant("node_memory_CommitLimit_bytes", [], (total / 2 + swap) * 1024)
        constant("node_memory_VmallocTotal_bytes", [], 35_184_372_087_808)
        constant("node_memory_Percpu_bytes", [], Double(cpus) * 1_179_648)
        constant("node_memory_Hugepagesize_bytes", [], 2_097_152)
        constant("node_memory_DirectMap4k_bytes", [], 4_194_304 * 100)
        constant("node_memory_DirectMap2M_bytes", [], (total * 0.4).rounded() * 1024)
        constant("node_memory_DirectMap1G_bytes", [], (total * 0.6 / 1_048_576).rounded() * 1_073_741_824)
        for field in ["Total", "Free", "Rsvd", "Surp"] { constant("node_memory_HugePages_\(field)", [], 0) }
        counter("node_vmstat_pgfault", perScrape: 15 * 5000 * (util + 0.05), cv: 0.6)
        counter("node_vmstat_pgmajfault", perScrape: 2, cv: 1, pIdle: 0.5)
        counter("node_vmstat_pgpgin", perScrape: 15 * 200, cv: 1)
        counter("node_vmstat_pgpgout", perScrape: 15 * 800, cv: 0.8)
        constant("node_vmstat_pswpin", [], 0)
        constant("node_vmstat_pswpout", [], 0)
        constant("node_vmstat_oom_kill", [], 0)
    }

    mutating func kernel() {
        constant("node_boot_time_seconds", [], Double(1_700_000_000 - Int64(uptimeScrapes) * 15))
        add("node_time_seconds", [], .clock)
        constant("node_time_zone_offset_seconds", [("time_zone", "UTC")], 0)
        constant("node_entropy_available_bits", [], 256)
        constant("node_entropy_pool_size_bits", [], 256)
        gauge("node_filefd_allocated", center: 2000 + 200 * Double(cpus), rel: 0.3, stepRel: 0.01, pHold: 0.3)
        constant("node_filefd_maximum", [], 9.223372036854776e18)
        gauge("node_nf_conntrack_entries", center: 500 + 4000 * util, rel: 0.5, stepRel: 0.05)
        constant("node_nf_conntrack_entries_limit", [], 262_144)
        for (name, value) in [("node_timex_loop_time_constant", 7.0), ("node_timex_status", 8193), ("node_timex_sync_status", 1),
                              ("node_timex_tai_offset_seconds", 0), ("node_timex_tick_seconds", 0.01), ("node_timex_pps_calibration_total", 0),
                              ("node_timex_pps_error_total", 0), ("node_timex_pps_frequency_hertz", 0), ("node_timex_pps_jitter_seconds", 0),
                              ("node_timex_pps_jitter_total", 0), ("node_timex_pps_shift_seconds", 0),
                              ("node_timex_pps_stability_exceeded_total", 0), ("node_timex_pps_stability_hertz", 0)] {
            constant(name, [], value)
        }
        add("node_timex_offset_seconds", [], .duration(loNs: 1_000, hiNs: 900_000, pHold: 0))
        gauge("node_timex_estimated_error_seconds", center: 500, rel: 0.9, stepRel: 0.2, div: 1e6)
        gauge("node_timex_maxerror_seconds", center: 20_000, rel: 0.9, stepRel: 0.2, div: 1e6)
        gauge("node_timex_frequency_adjustment_ratio", center: 1_000_012_000, rel: 0.000005, stepRel: 0.0000001, div: 1e9)
        for (name, center) in [("FRAG6_inuse", 0.0), ("FRAG6_memory", 0), ("FRAG_inuse", 0), ("FRAG_memory", 0), ("RAW6_inuse", 1),
                               ("RAW_inuse", 0), ("TCP6_inuse", 20), ("TCP_alloc", 200), ("TCP_inuse", 150), ("TCP_mem", 60),
                               ("TCP_mem_bytes", 245_760), ("TCP_orphan", 0), ("TCP_tw", 80), ("UDP6_inuse", 2), ("UDPLITE6_inuse", 0),
                               ("UDPLITE_inuse", 0), ("UDP_inuse", 6), ("UDP_mem", 4), ("UDP_mem_bytes", 16_384), ("sockets_used", 600)] {
            if center == 0 {
                constant("node_sockstat_\(name)", [], 0)
            } else {
                gauge("node_sockstat_\(name)", center: center * (0.5 + util * 4), rel: 0.4, stepRel: 0.05, mul: name.hasSuffix("_bytes") ? 4096 : 1)
            }
        }
        for (ip, queue) in [("v4", "rx"), ("v4", "tx"), ("v6", "rx"), ("v6", "tx")] {
            constant("node_udp_queues", [("ip", ip), ("queue", queue)], 0)
        }
        constant("node_uname_info", [("domainname", "(none)"), ("machine", "x86_64"), ("nodename", host), ("release", "6.1.0-13-amd64"),
                                     ("sysname", "Linux"), ("version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)")], 1)
        constant("node_os_info", [("id", "debian"), ("name", "Debian GNU/Linux"), ("pretty_name", "Debian GNU/Linux 12 (bookworm)"),
                                  ("version", "12 (bookworm)"), ("version_codename", "bookworm"), ("version_id", "12")], 1)
        constant("node_os_version", [("id", "debian"), ("id_like", ""), ("name", "Debian GNU/Linux")], 12)
        constant("node_dmi_info", [("bios_vendor", "Dell Inc."), ("bios_version", "2.19.0"), ("product_name", "PowerEdge R650"),
                                   ("system_vendor", "Dell Inc.")], 1)
        constant("node_selinux_enabled", [], 0)
        constant("node_textfile_scrape_error", [], 0)
    }

    mutating func netstat() {
        let traffic = 15 * (200 + 5000 * util)
        // (field, share of `traffic` a scrape, probability of no change); share 0 is a constant 0.
        let fields: [(String, Double, Double)] = [
            ("Icmp6_InErrors", 0, 0), ("Icmp6_InMsgs", 0.001, 0.5), ("Icmp6_OutMsgs", 0.001, 0.5), ("Icmp_InErrors", 0, 0),
            ("Icmp_InMsgs", 0.001, 0.5), ("Icmp_OutMsgs", 0.001, 0.5), ("Ip6_InOctets", 20, 0), ("Ip6_OutOctets", 18, 0),
            ("IpExt_InOctets", 900, 0), ("IpExt_OutOctets", 800, 0), ("TcpExt_ListenDrops", 0, 0), ("TcpExt_ListenOverflows", 0, 0),
            ("TcpExt_SyncookiesFailed", 0, 0), ("TcpExt_SyncookiesRecv", 0, 0), ("TcpExt_SyncookiesSent", 0, 0),
            ("TcpExt_TCPSynRetrans", 0.0005, 0.8), ("TcpExt_TCPTimeouts", 0.0005, 0.7), ("Tcp_ActiveOpens", 0.02, 0.05),
            ("Tcp_InErrs", 0, 0), ("Tcp_InSegs", 1, 0), ("Tcp_OutRsts", 0.01, 0.1), ("Tcp_OutSegs", 1.1, 0), ("Tcp_PassiveOpens", 0.02, 0.05),
            ("Tcp_RetransSegs", 0.002, 0.3), ("Udp6_InDatagrams", 0.001, 0.6), ("Udp6_InErrors", 0, 0), ("Udp6_NoPorts", 0, 0),
            ("Udp6_OutDatagrams", 0.001, 0.6), ("Udp6_RcvbufErrors", 0, 0), ("Udp6_SndbufErrors", 0, 0), ("UdpLite6_InErrors", 0, 0),
            ("UdpLite_InErrors", 0, 0), ("Udp_InDatagrams", 0.05, 0.05), ("Udp_InErrors", 0, 0), ("Udp_NoPorts", 0.001, 0.8),
            ("Udp_OutDatagrams", 0.05, 0.05), ("Udp_RcvbufErrors", 0, 0), ("Udp_SndbufErrors", 0, 0),
        ]
        for (field, share, pIdle) in fields {
            if share == 0 {
                constant("node_netstat_\(field)", [], 0)
            } else {
                counter("node_netstat_\(field)", perScrape: max(1, traffic * share), cv: 0.5, pIdle: pIdle)
            }
        }
        gauge("node_netstat_Tcp_CurrEstab", center: 20 + 400 * util, rel: 0.5, stepRel: 0.05)
        constant("node_netstat_Ip_Forwarding", [], 1)
    }

    /// What node_exporter reports about itself, and the series Prometheus adds to every scrape.
    mutating func exporterSelf() {
        let collectors = ["arp", "bcache", "bonding", "btrfs", "conntrack", "cpu", "cpufreq", "diskstats", "dmi", "edac", "entropy",
                          "fibrechannel", "filefd", "filesystem", "hwmon", "infiniband", "ipvs", "loadavg", "mdadm", "meminfo",
                          "netclass", "netdev", "netstat", "nfs", "nfsd", "nvme", "os", "powersupplyclass", "pressure", "rapl",
                          "schedstat", "selinux", "sockstat", "softnet", "stat", "tapestats", "textfile", "thermal_zone", "time",
                          "timex", "udp_queues", "uname", "vmstat", "xfs", "zfs"]
        for c in collectors {
            add("node_scrape_collector_duration_seconds", [("collector", c)], .duration(loNs: 5_000, hiNs: c == "filesystem" || c == "hwmon" ? 8_000_000 : 900_000, pHold: 0))
            constant("node_scrape_collector_success", [("collector", c)], c == "nvme" || c == "rapl" ? 0 : 1)
        }
        constant("node_exporter_build_info", [("branch", "HEAD"), ("goarch", "amd64"), ("goos", "linux"), ("goversion", "go1.21.3"),
                                              ("revision", "7333465abf9efba81876303bb57e6fadb946041b"), ("tags", "netgo osusergo static_build"),
                                              ("version", "1.7.0")], 1)
        for q in ["0", "0.25", "0.5", "0.75", "1"] {
            add("go_gc_duration_seconds", [("quantile", q)], .duration(loNs: 20_000, hiNs: q == "1" ? 3_000_000 : 300_000, pHold: 0.8))
        }
        counter("go_gc_duration_seconds_sum", perScrape: 150_000, div: 1e9, cv: 1, pIdle: 0.6)
        counter("go_gc_duration_seconds_count", perScrape: 1, cv: 0.5, pIdle: 0.6)
        gauge("go_goroutines", center: 8, rel: 0.3, stepRel: 0.2, pHold: 0.5)
        constant("go_info", [("version", "go1.21.3")], 1)
        gauge("go_threads", center: Double(min(cpus, 12) + 2), rel: 0, stepRel: 0)
        for (name, center) in [("alloc_bytes", 3_500_000.0), ("heap_alloc_bytes", 3_500_000), ("heap_idle_bytes", 4_000_000),
                               ("heap_inuse_bytes", 5_000_000), ("heap_objects", 25_000), ("heap_released_bytes", 2_500_000),
                               ("mspan_inuse_bytes", 100_000), ("next_gc_bytes", 6_000_000), ("stack_inuse_bytes", 700_000)] {
            gauge("go_memstats_\(name)", center: center, rel: 0.4, stepRel: 0.3)
        }
        for (name, center) in [("buck_hash_sys_bytes", 1_460_000.0), ("gc_sys_bytes", 4_200_000), ("heap_sys_bytes", 11_000_000),
                               ("mcache_inuse_bytes", 4800), ("mcache_sys_bytes", 15_600), ("mspan_sys_bytes", 160_000),
                               ("other_sys_bytes", 1_100_000), ("stack_sys_bytes", 700_000), ("sys_bytes", 19_000_000)] {
            gauge("go_memstats_\(name)", center: center, rel: 0.05, stepRel: 0.01, pHold: 0.95)
        }
        counter("go_memstats_alloc_bytes_total", perScrape: 2_500_000, cv: 0.3)
        counter("go_memstats_mallocs_total", perScrape: 25_000, cv: 0.3)
        counter("go_memstats_frees_total", perScrape: 24_900, cv: 0.3)
        constant("go_memstats_lookups_total", [], 0)
        add("go_memstats_last_gc_time_seconds", [], .counter(mul: 1, div: 1e9, incMean: 37.5e9, cv: 0.5, pIdle: 0.6),
            initial: 1_700_000_000_000_000_000)
        counter("process_cpu_seconds_total", perScrape: 2, div: 100, cv: 0.5)
        constant("process_max_fds", [], 1_048_576)
        gauge("process_open_fds", center: 10, rel: 0.2, stepRel: 0.1, pHold: 0.7)
        gauge("process_resident_memory_bytes", center: 5_000, rel: 0.2, stepRel: 0.02, mul: 4096)
        constant("process_start_time_seconds", [], (1_700_000_000 - uptimeScrapes * 15 + 12.34))
        gauge("process_virtual_memory_bytes", center: 180_000, rel: 0.02, stepRel: 0.001, mul: 4096, pHold: 0.9)
        constant("process_virtual_memory_max_bytes", [], 1.8446744073709552e19)
        constant("promhttp_metric_handler_errors_total", [("cause", "encoding")], 0)
        constant("promhttp_metric_handler_errors_total", [("cause", "gathering")], 0)
        constant("promhttp_metric_handler_requests_in_flight", [], 1)
        counter("promhttp_metric_handler_requests_total", [("code", "200")], perScrape: 1, cv: 0)
        constant("promhttp_metric_handler_requests_total", [("code", "500")], 0)
        constant("promhttp_metric_handler_requests_total", [("code", "503")], 0)
        // Added by Prometheus to every scrape.
        let scraped = Double(out.count)
        constant("up", [], 1)
        add("scrape_duration_seconds", [], .duration(loNs: 8_000_000, hiNs: 60_000_000, pHold: 0))
        constant("scrape_samples_scraped", [], scraped)
        constant("scrape_samples_post_metric_relabeling", [], scraped)
        constant("scrape_series_added", [], 0)
    }
}
