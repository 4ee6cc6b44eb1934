import Foundation
import Testing

@testable import Ingest

/// HostCollector side by side with the real node_exporter 1.5 (Debian's prometheus-node-exporter,
/// installed by `make deps`) on this machine: same families, names, label sets, TYPE and HELP,
/// and values that agree within what can change between two reads a moment apart.
///
/// Intentional differences, none of which shows on this machine's comparison:
/// - Debian changes two defaults (see `upstreamDefaultFlags`); Osprey follows upstream 1.5.
/// - A collector that fails midway: node_exporter keeps the series it sent before the error,
///   Osprey drops the whole collector for that scrape (success 0 either way), so a scrape never
///   holds half of a collector's families.
/// - node_network_receive_nohandler_total: node_exporter reads it over netlink and reports 0 on
///   kernels without the counter (before 4.6); Osprey reads /proc/net/dev plus sysfs and leaves
///   the series out there rather than invent a 0.
/// - Collectors Osprey does not implement (netclass, timex, arp, …) are outside the comparison:
///   `isImplementedFamily` says which families are compared.
@Suite(.serialized) struct HostCollectorNodeExporterTests {
    static let binary = "/usr/bin/prometheus-node-exporter"

    /// Debian patches two defaults; these flags put back upstream node_exporter 1.5's, which is
    /// what HostCollector reproduces: mount points under /run, /mnt and /media are reported, and
    /// the loopback interface is not excluded from netdev.
    static let upstreamDefaultFlags = [
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)",
        "--collector.netdev.device-exclude=",
    ]

    /// node_exporter families that come from HostCollector's collectors. Other default collectors
    /// (netclass's node_network_up, node_network_transmit_queue_length, …; timex; arp; …) are not
    /// implemented and listed in the report, not compared.
    static func isImplementedFamily(_ name: String) -> Bool {
        let exact: Set<String> = [
            "node_cpu_seconds_total", "node_cpu_guest_seconds_total", "node_cpu_core_throttles_total",
            "node_cpu_package_throttles_total", "node_load1", "node_load5", "node_load15", "node_uname_info",
            "node_boot_time_seconds", "node_context_switches_total", "node_forks_total", "node_intr_total",
            "node_procs_running", "node_procs_blocked", "node_entropy_available_bits", "node_entropy_pool_size_bits",
            "node_filefd_allocated", "node_filefd_maximum", "node_os_info", "node_os_version", "node_time_seconds",
            "node_time_zone_offset_seconds", "node_time_clocksource_available_info", "node_time_clocksource_current_info",
        ]
        if exact.contains(name) { return true }
        if name == "node_network_transmit_queue_length" { return false }  // netclass
        let prefixes = [
            "node_memory_", "node_filesystem_", "node_disk_", "node_network_receive_", "node_network_transmit_",
            "node_sockstat_", "node_netstat_", "node_softnet_", "node_nf_conntrack_", "node_pressure_", "node_vmstat_",
        ]
        return prefixes.contains { name.hasPrefix($0) }
    }

    @Test func matchesRealNodeExporter() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary),
                "\(Self.binary) is missing: run `make deps` (apt-get install prometheus-node-exporter)")
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else { return }

        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["--web.listen-address=127.0.0.1:\(port)", "--log.level=error"] + Self.upstreamDefaultFlags
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }

        // Wait for it to listen: at most 100 tries, 100 ms apart.
        var theirsText: String?
        for _ in 0..<100 {
            if let body = httpGetLocal(port: port, path: "/metrics") { theirsText = body; break }
            if !process.isRunning { break }
            usleep(100_000)
        }
        let theirsBody = try #require(theirsText, "node_exporter did not answer on 127.0.0.1:\(port)")
        let oursText = HostCollector().collect()  // read after theirs: our counters must be ≥ theirs
        let theirs = try ParsedExposition(theirsBody)
        let ours = try ParsedExposition(oursText)

        // Scrape bookkeeping: every collector of ours exists in theirs and succeeded the same way.
        let ourSuccess = try #require(ours.families["node_scrape_collector_success"]).series
        let theirSuccess = try #require(theirs.families["node_scrape_collector_success"]).series
        #expect(ourSuccess.count == HostCollector.collectorNames.count)
        for (labels, value) in ourSuccess {
            #expect(theirSuccess[labels] == value, "node_scrape_collector_success{\(labels)}: ours \(value), node_exporter \(theirSuccess[labels].map { "\($0)" } ?? "absent")")
        }
        #expect(Set(try #require(ours.families["node_scrape_collector_duration_seconds"]).series.keys) == Set(ourSuccess.keys))
        for name in ["node_scrape_collector_success", "node_scrape_collector_duration_seconds"] {
            #expect(ours.families[name]?.help == theirs.families[name]?.help)
            #expect(ours.families[name]?.type == theirs.families[name]?.type)
        }

        // The same families.
        let theirNames = Set(theirs.families.keys.filter { Self.isImplementedFamily($0) && !(theirs.families[$0]?.series.isEmpty ?? true) })
        let ourNames = Set(ours.families.keys.filter { !$0.hasPrefix("node_scrape_collector_") })
        #expect(ourNames.subtracting(theirNames).sorted() == [], "families only Osprey exposes")
        #expect(theirNames.subtracting(ourNames).sorted() == [], "families only node_exporter exposes")

        var compared = 0
        for name in ourNames.intersection(theirNames).sorted() {
            let o = ours.families[name]!, t = theirs.families[name]!
            #expect(o.help == t.help, "HELP of \(name)")
            #expect(o.type == t.type, "TYPE of \(name)")
            #expect(Set(o.series.keys) == Set(t.series.keys),
                    "label sets of \(name): only ours \(Set(o.series.keys).subtracting(t.series.keys).sorted()), only theirs \(Set(t.series.keys).subtracting(o.series.keys).sorted())")
            for (labels, theirValue) in t.series {
                guard let ourValue = o.series[labels] else { continue }
                let verdict = Self.agree(name: name, type: t.type ?? "untyped", ours: ourValue, theirs: theirValue)
                #expect(verdict == nil, "\(name){\(labels)}: ours \(ourValue), node_exporter \(theirValue): \(verdict ?? "")")
                compared += 1
            }
        }
        // This machine has CPUs, memory, a root file system, disks and interfaces: the comparison
        // covered real data, not two empty outputs.
        #expect(compared > 200, "only \(compared) series compared")
        #expect(ourNames.contains("node_cpu_seconds_total") && ourNames.contains("node_memory_MemTotal_bytes")
                && ourNames.contains("node_filesystem_size_bytes") && ourNames.contains("node_network_receive_bytes_total"))
    }

    /// nil when the two values agree for this family, else why not. Ours was read after theirs.
    static func agree(name: String, type: String, ours: Double, theirs: Double) -> String? {
        let gib = 1024.0 * 1024 * 1024
        func within(_ abs: Double, rel: Double = 0) -> String? {
            let slack = max(abs, rel * max(Swift.abs(ours), Swift.abs(theirs)))
            return Swift.abs(ours - theirs) <= slack ? nil : "differ by more than \(slack)"
        }
        func counter(_ abs: Double, rel: Double = 0.05) -> String? {
            if ours < theirs { return "counter read later is smaller" }
            return within(abs, rel: rel)
        }
        // Fixed facts of the machine: equal.
        let fixed: Set<String> = [
            "node_boot_time_seconds", "node_uname_info", "node_os_info", "node_os_version", "node_entropy_pool_size_bits",
            "node_filefd_maximum", "node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes", "node_memory_Hugepagesize_bytes",
            "node_memory_VmallocTotal_bytes", "node_filesystem_size_bytes", "node_filesystem_files", "node_filesystem_readonly",
            "node_filesystem_device_error", "node_disk_info", "node_time_clocksource_available_info",
            "node_time_clocksource_current_info", "node_time_zone_offset_seconds", "node_nf_conntrack_entries_limit",
            "node_netstat_Ip_Forwarding",
        ]
        if fixed.contains(name) { return ours == theirs ? nil : "must be equal" }
        if name == "node_time_seconds" { return ours >= theirs && ours - theirs < 60 ? nil : "clock read later is not 0–60 s later" }
        if name.hasPrefix("node_load") { return within(2) }
        if name.hasPrefix("node_memory_") { return within(gib / 4, rel: 0.05) }
        if name.hasPrefix("node_filesystem_") { return within(gib, rel: 0.01) }
        if name.hasPrefix("node_cpu_") { return counter(10) }
        if name.hasPrefix("node_pressure_") { return counter(10) }
        if name.hasSuffix("_bytes_total") { return counter(gib) }
        if name.hasPrefix("node_vmstat_") { return counter(1e7) }
        if name.hasPrefix("node_sockstat_") { return name.hasSuffix("_bytes") ? within(Double(64 << 20)) : within(64) }
        if name.hasPrefix("node_netstat_") {
            return name == "node_netstat_Tcp_CurrEstab" ? within(64) : counter(1e5)
        }
        if type == "counter" { return counter(1e6) }
        return within(256, rel: 0.05)
    }
}
