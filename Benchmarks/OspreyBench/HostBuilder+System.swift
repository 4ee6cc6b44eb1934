import OspreyCore

/// node_exporter's meminfo, vmstat, time, timex, sockstat and info families, its own metrics, and
/// the series Prometheus adds to every scrape.
extension HostBuilder {
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
