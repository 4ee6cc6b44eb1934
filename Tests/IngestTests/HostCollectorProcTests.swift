import Foundation
import Testing

@testable import Ingest

/// The /proc collectors against fixture files in the formats of several kernel generations.
@Suite struct HostCollectorProcTests {
    static let statWithGuest = """
        cpu  1000 20 300 40000 50 0 60 7 2 1
        cpu0 500 10 150 20000 25 0 30 3 2 1
        cpu1 500 10 150 20000 25 0 30 4 0 0
        intr 123456 0 9 0
        ctxt 987654
        btime 1700000000
        processes 4321
        procs_running 3
        procs_blocked 1
        softirq 100 1 2 3

        """

    @Test func cpuFromStatWithGuestColumns() throws {
        let f = try HostFixture()
        try f.write("proc/stat", Self.statWithGuest)
        let out = f.collector().collect()
        #expect(familyBlock(out, "node_cpu_seconds_total") == """
            # HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
            # TYPE node_cpu_seconds_total counter
            node_cpu_seconds_total{cpu="0",mode="idle"} 200
            node_cpu_seconds_total{cpu="0",mode="iowait"} 0.25
            node_cpu_seconds_total{cpu="0",mode="irq"} 0
            node_cpu_seconds_total{cpu="0",mode="nice"} 0.1
            node_cpu_seconds_total{cpu="0",mode="softirq"} 0.3
            node_cpu_seconds_total{cpu="0",mode="steal"} 0.03
            node_cpu_seconds_total{cpu="0",mode="system"} 1.5
            node_cpu_seconds_total{cpu="0",mode="user"} 5
            node_cpu_seconds_total{cpu="1",mode="idle"} 200
            node_cpu_seconds_total{cpu="1",mode="iowait"} 0.25
            node_cpu_seconds_total{cpu="1",mode="irq"} 0
            node_cpu_seconds_total{cpu="1",mode="nice"} 0.1
            node_cpu_seconds_total{cpu="1",mode="softirq"} 0.3
            node_cpu_seconds_total{cpu="1",mode="steal"} 0.04
            node_cpu_seconds_total{cpu="1",mode="system"} 1.5
            node_cpu_seconds_total{cpu="1",mode="user"} 5
            """)
        #expect(familyBlock(out, "node_cpu_guest_seconds_total") == """
            # HELP node_cpu_guest_seconds_total Seconds the CPUs spent in guests (VMs) for each mode.
            # TYPE node_cpu_guest_seconds_total counter
            node_cpu_guest_seconds_total{cpu="0",mode="nice"} 0.01
            node_cpu_guest_seconds_total{cpu="0",mode="user"} 0.02
            node_cpu_guest_seconds_total{cpu="1",mode="nice"} 0
            node_cpu_guest_seconds_total{cpu="1",mode="user"} 0
            """)
        #expect(seriesValue(out, "node_scrape_collector_success{collector=\"cpu\"}") == "1")
    }

    /// Kernels before 2.6.24 have no guest columns (8 values), before 2.6.11 no steal (7); CPU
    /// numbers sort as strings ("10" before "2"), like node_exporter's output.
    @Test func cpuFromStatWithoutGuestColumnsAndManyCPUs() throws {
        let f = try HostFixture()
        var stat = "cpu  0 0 0 0 0 0 0 0\n"
        for i in 0..<11 { stat += "cpu\(i) \(100 * (i + 1)) 0 200 300 0 0 0\n" }
        stat += "intr 1\nctxt 2\nbtime 3\nprocesses 4\nprocs_running 5\nprocs_blocked 6\n"
        try f.write("proc/stat", stat)
        let out = f.collector().collect()
        let users = out.split(separator: "\n").filter { $0.hasPrefix("node_cpu_seconds_total{") && $0.contains("mode=\"user\"") }
        #expect(users.map(String.init) == [
            "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1",
            "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} 2",
            "node_cpu_seconds_total{cpu=\"10\",mode=\"user\"} 11",
            "node_cpu_seconds_total{cpu=\"2\",mode=\"user\"} 3",
            "node_cpu_seconds_total{cpu=\"3\",mode=\"user\"} 4",
            "node_cpu_seconds_total{cpu=\"4\",mode=\"user\"} 5",
            "node_cpu_seconds_total{cpu=\"5\",mode=\"user\"} 6",
            "node_cpu_seconds_total{cpu=\"6\",mode=\"user\"} 7",
            "node_cpu_seconds_total{cpu=\"7\",mode=\"user\"} 8",
            "node_cpu_seconds_total{cpu=\"8\",mode=\"user\"} 9",
            "node_cpu_seconds_total{cpu=\"9\",mode=\"user\"} 10",
        ])
        #expect(seriesValue(out, "node_cpu_seconds_total{cpu=\"3\",mode=\"steal\"}") == "0")
        #expect(seriesValue(out, "node_cpu_guest_seconds_total{cpu=\"3\",mode=\"user\"}") == "0")
        #expect(seriesValue(out, "node_cpu_seconds_total{cpu=\"3\",mode=\"idle\"}") == "3")
    }

    /// A counter that dips is held at its last value; an idle drop of 3 s or more (hotplug)
    /// restarts that CPU from the new numbers.
    @Test func cpuCountersNeverGoBackwards() throws {
        let f = try HostFixture()
        try f.write("proc/stat", "cpu0 500 0 0 20000 0 0 0 0 0 0\ncpu1 500 0 0 20000 0 0 0 0 0 0\n")
        let c = f.collector()
        _ = c.collect()
        // cpu0: user dips slightly, idle dips by 1 s (< 3 s): both held. cpu1: idle drops 10 s.
        try f.write("proc/stat", "cpu0 490 0 0 19900 0 0 0 0 0 0\ncpu1 100 0 0 19000 0 0 0 0 0 0\n")
        let out = c.collect()
        #expect(seriesValue(out, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"}") == "5")
        #expect(seriesValue(out, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}") == "200")
        #expect(seriesValue(out, "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"}") == "1")
        #expect(seriesValue(out, "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"}") == "190")
    }

    @Test func statFamilies() throws {
        let f = try HostFixture()
        try f.write("proc/stat", Self.statWithGuest)
        let out = f.collector().collect()
        #expect(familyBlock(out, "node_boot_time_seconds") == """
            # HELP node_boot_time_seconds Node boot time, in unixtime.
            # TYPE node_boot_time_seconds gauge
            node_boot_time_seconds 1.7e+09
            """)
        #expect(familyBlock(out, "node_context_switches_total") == """
            # HELP node_context_switches_total Total number of context switches.
            # TYPE node_context_switches_total counter
            node_context_switches_total 987654
            """)
        #expect(seriesValue(out, "node_intr_total") == "123456")
        #expect(seriesValue(out, "node_forks_total") == "4321")
        #expect(familyBlock(out, "node_procs_running") == """
            # HELP node_procs_running Number of processes in runnable state.
            # TYPE node_procs_running gauge
            node_procs_running 3
            """)
        #expect(familyBlock(out, "node_procs_blocked") == """
            # HELP node_procs_blocked Number of processes blocked waiting for I/O to complete.
            # TYPE node_procs_blocked gauge
            node_procs_blocked 1
            """)
    }

    @Test func loadavg() throws {
        let f = try HostFixture()
        try f.write("proc/loadavg", "0.25 0.50 11.75 2/345 6789\n")
        let out = f.collector().collect()
        #expect(familyBlock(out, "node_load1") == "# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1 0.25")
        #expect(familyBlock(out, "node_load5") == "# HELP node_load5 5m load average.\n# TYPE node_load5 gauge\nnode_load5 0.5")
        #expect(familyBlock(out, "node_load15") == "# HELP node_load15 15m load average.\n# TYPE node_load15 gauge\nnode_load15 11.75")
    }

    @Test func meminfoNamingUnitsAndTypes() throws {
        let f = try HostFixture()
        // FakeCounter_total is not a kernel field: it pins node_exporter's rule that a name
        // ending in `_total` is typed counter.
        try f.write("proc/meminfo", """
            MemTotal:       16384 kB
            MemFree:         1024 kB
            Active(anon):     512 kB
            Inactive(file):   256 kB
            HugePages_Total:       0
            HugePages_Free:        3
            Hugepagesize:       2048 kB
            FakeCounter_total:     7

            """)
        let out = f.collector().collect()
        #expect(familyNames(out, prefix: "node_memory_") == [
            "node_memory_Active_anon_bytes", "node_memory_FakeCounter_total", "node_memory_HugePages_Free",
            "node_memory_HugePages_Total", "node_memory_Hugepagesize_bytes", "node_memory_Inactive_file_bytes",
            "node_memory_MemFree_bytes", "node_memory_MemTotal_bytes",
        ])
        #expect(familyBlock(out, "node_memory_Active_anon_bytes") == """
            # HELP node_memory_Active_anon_bytes Memory information field Active_anon_bytes.
            # TYPE node_memory_Active_anon_bytes gauge
            node_memory_Active_anon_bytes 524288
            """)
        #expect(familyBlock(out, "node_memory_MemTotal_bytes").hasSuffix("node_memory_MemTotal_bytes 1.6777216e+07"))
        #expect(familyBlock(out, "node_memory_HugePages_Free") == """
            # HELP node_memory_HugePages_Free Memory information field HugePages_Free.
            # TYPE node_memory_HugePages_Free gauge
            node_memory_HugePages_Free 3
            """)
        #expect(familyBlock(out, "node_memory_Hugepagesize_bytes").hasSuffix("node_memory_Hugepagesize_bytes 2.097152e+06"))
        #expect(familyBlock(out, "node_memory_FakeCounter_total") == """
            # HELP node_memory_FakeCounter_total Memory information field FakeCounter_total.
            # TYPE node_memory_FakeCounter_total counter
            node_memory_FakeCounter_total 7
            """)
    }

    @Test func vmstatDefaultFields() throws {
        let f = try HostFixture()
        try f.write("proc/vmstat", """
            nr_free_pages 100
            pgpgin 200
            pgpgout 300
            pswpin 1
            pswpout 2
            pgfault 5000
            pgmajfault 7
            pgscan_kswapd 9
            thp_fault_alloc 4
            oom_kill 0

            """)
        let out = f.collector().collect()
        #expect(familyNames(out, prefix: "node_vmstat_") == [
            "node_vmstat_oom_kill", "node_vmstat_pgfault", "node_vmstat_pgmajfault", "node_vmstat_pgpgin",
            "node_vmstat_pgpgout", "node_vmstat_pswpin", "node_vmstat_pswpout",
        ])
        #expect(familyBlock(out, "node_vmstat_pgfault") == """
            # HELP node_vmstat_pgfault /proc/vmstat information field pgfault.
            # TYPE node_vmstat_pgfault untyped
            node_vmstat_pgfault 5000
            """)
    }

    @Test func filefdEntropyAndMissingFiles() throws {
        let f = try HostFixture()
        try f.write("proc/sys/fs/file-nr", "1008\t0\t2466183\n")
        try f.write("proc/sys/kernel/random/entropy_avail", "256\n")
        try f.write("proc/sys/kernel/random/poolsize", "256\n")
        let (out, failures) = f.collector().collectReport()
        #expect(familyBlock(out, "node_filefd_maximum") == """
            # HELP node_filefd_maximum File descriptor statistics: maximum.
            # TYPE node_filefd_maximum gauge
            node_filefd_maximum 2.466183e+06
            """)
        #expect(seriesValue(out, "node_filefd_allocated") == "1008")
        #expect(familyBlock(out, "node_entropy_available_bits") == """
            # HELP node_entropy_available_bits Bits of available entropy.
            # TYPE node_entropy_available_bits gauge
            node_entropy_available_bits 256
            """)
        #expect(seriesValue(out, "node_entropy_pool_size_bits") == "256")
        // Collectors whose files this fixture lacks report failure and expose nothing.
        #expect(seriesValue(out, "node_scrape_collector_success{collector=\"meminfo\"}") == "0")
        #expect(seriesValue(out, "node_scrape_collector_success{collector=\"filefd\"}") == "1")
        #expect(failures["meminfo"] == "\(f.proc)/meminfo: does not exist")
        #expect(!out.contains("node_memory_"))
        #expect(familyNames(out, prefix: "node_scrape_collector_success").count == 1)
        let successLines = out.split(separator: "\n").filter { $0.hasPrefix("node_scrape_collector_success{") }
        #expect(successLines.count == HostCollector.collectorNames.count)
    }

    @Test func malformedFileFailsOnlyItsCollector() throws {
        let f = try HostFixture()
        try f.write("proc/loadavg", "0.25 zero 1\n")
        try f.write("proc/sys/fs/file-nr", "5\t0\t9\n")
        let (out, failures) = f.collector().collectReport()
        #expect(failures["loadavg"] == "\(f.proc)/loadavg: load 'zero' is not a number")
        #expect(!out.contains("node_load1 "))
        #expect(seriesValue(out, "node_scrape_collector_success{collector=\"loadavg\"}") == "0")
        #expect(seriesValue(out, "node_filefd_maximum") == "9")
    }
}
