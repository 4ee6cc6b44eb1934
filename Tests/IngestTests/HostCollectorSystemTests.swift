import Foundation
import Testing

@testable import Ingest

/// File systems, OS identity, time, pressure and the network protocol counters.
@Suite struct HostCollectorSystemTests {
    @Test func filesystemExclusionsErrorsAndDuplicates() throws {
        let f = try HostFixture()
        let r = f.root
        for dir in ["data disk", "run", "devices"] {
            try FileManager.default.createDirectory(atPath: r + "/" + dir, withIntermediateDirectories: true)
        }
        try f.write("proc/1/mounts", """
            /dev/sda1 \(r) ext4 rw,relatime 0 0
            /dev/sda2 \(r)/data\\040disk xfs ro,noatime 0 0
            proc \(r)/proc proc rw 0 0
            tmpfs \(r)/run tmpfs rw,nosuid 0 0
            sysfs \(r)/sys sysfs rw 0 0
            cgroup2 \(r)/sys/fs/cgroup cgroup2 rw 0 0
            devtmpfs \(r)/dev devtmpfs rw 0 0
            tmpfs \(r)/dev/shm tmpfs rw 0 0
            tmpfs \(r)/devices tmpfs rw 0 0
            overlay \(r)/var/lib/docker/overlay2/abc/merged overlay rw 0 0
            /dev/sdb1 \(r)/var/lib/docker/volumes/x ext4 rw 0 0
            /dev/sdc1 \(r)/missing ext4 rw 0 0
            /dev/sda1 \(r) ext4 rw,relatime 0 0

            """)
        let out = f.collector().collect()
        #expect(familyBlock(out, "node_filesystem_device_error") == """
            # HELP node_filesystem_device_error Whether an error occurred while getting statistics for the given device.
            # TYPE node_filesystem_device_error gauge
            node_filesystem_device_error{device="/dev/sda1",fstype="ext4",mountpoint="/"} 0
            node_filesystem_device_error{device="/dev/sda2",fstype="xfs",mountpoint="/data disk"} 0
            node_filesystem_device_error{device="/dev/sdc1",fstype="ext4",mountpoint="/missing"} 1
            node_filesystem_device_error{device="tmpfs",fstype="tmpfs",mountpoint="/devices"} 0
            node_filesystem_device_error{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 0
            """)
        #expect(familyBlock(out, "node_filesystem_readonly") == """
            # HELP node_filesystem_readonly Filesystem read-only status.
            # TYPE node_filesystem_readonly gauge
            node_filesystem_readonly{device="/dev/sda1",fstype="ext4",mountpoint="/"} 0
            node_filesystem_readonly{device="/dev/sda2",fstype="xfs",mountpoint="/data disk"} 1
            node_filesystem_readonly{device="tmpfs",fstype="tmpfs",mountpoint="/devices"} 0
            node_filesystem_readonly{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 0
            """)
        // Sizes come from statfs (statvfs here: same fields) on <rootfs>/<mountpoint>; compare with a statfs of our own.
        var s = statvfs()
        #expect(statvfs(r, &s) == 0)
        let series = "{device=\"/dev/sda1\",fstype=\"ext4\",mountpoint=\"/\"}"
        #expect(seriesValue(out, "node_filesystem_size_bytes" + series) == formatGoFloat(Double(s.f_blocks) * Double(s.f_bsize)))
        #expect(seriesValue(out, "node_filesystem_files" + series) == formatGoFloat(Double(s.f_files)))
        #expect(familyBlock(out, "node_filesystem_avail_bytes").hasPrefix("""
            # HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
            # TYPE node_filesystem_avail_bytes gauge
            """))
        #expect(familyBlock(out, "node_filesystem_free_bytes").contains("# HELP node_filesystem_free_bytes Filesystem free space in bytes."))
        #expect(familyBlock(out, "node_filesystem_files_free").contains("# HELP node_filesystem_files_free Filesystem total free file nodes."))
        #expect(seriesValue(out, "node_filesystem_size_bytes{device=\"/dev/sdc1\",fstype=\"ext4\",mountpoint=\"/missing\"}") == nil)
    }

    /// With pid 1's mounts hidden (hidepid), /proc/mounts is read instead.
    @Test func filesystemFallsBackToProcMounts() throws {
        let f = try HostFixture()
        try f.write("proc/mounts", "/dev/vda \(f.root) ext4 rw 0 0\n")
        let out = f.collector().collect()
        #expect(seriesValue(out, "node_filesystem_device_error{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"}") == "0")
    }

    @Test func osReleaseUnameAndClocksource() throws {
        let f = try HostFixture()
        try f.write("root/usr/lib/os-release", """
            PRETTY_NAME="Ubuntu 22.04.3 LTS"
            NAME="Ubuntu"
            VERSION_ID="22.04"
            VERSION="22.04.3 LTS (Jammy Jellyfish)"
            VERSION_CODENAME=jammy
            ID=ubuntu
            ID_LIKE=debian
            # a comment
            HOME_URL="https://www.ubuntu.com/"

            """)
        try f.write("proc/sys/kernel/ostype", "Linux\n")
        try f.write("proc/sys/kernel/osrelease", "5.15.0-91-generic\n")
        try f.write("proc/sys/kernel/version", "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023\n")
        try f.write("proc/sys/kernel/hostname", "web-1\n")
        try f.write("proc/sys/kernel/domainname", "(none)\n")
        try f.write("sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet acpi_pm \n")
        try f.write("sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n")
        let out = f.collector().collect()
        #expect(familyBlock(out, "node_os_info") == """
            # HELP node_os_info A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.
            # TYPE node_os_info gauge
            node_os_info{build_id="",id="ubuntu",id_like="debian",image_id="",image_version="",name="Ubuntu",pretty_name="Ubuntu 22.04.3 LTS",variant="",variant_id="",version="22.04.3 LTS (Jammy Jellyfish)",version_codename="jammy",version_id="22.04"} 1
            """)
        #expect(familyBlock(out, "node_os_version") == """
            # HELP node_os_version Metric containing the major.minor part of the OS version.
            # TYPE node_os_version gauge
            node_os_version{id="ubuntu",id_like="debian",name="Ubuntu"} 22.04
            """)
        var u = utsname()
        _ = uname(&u)
        let machine = withUnsafeBytes(of: u.machine) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        #expect(familyBlock(out, "node_uname_info") == """
            # HELP node_uname_info Labeled system information as provided by the uname system call.
            # TYPE node_uname_info gauge
            node_uname_info{domainname="(none)",machine="\(machine)",nodename="web-1",release="5.15.0-91-generic",sysname="Linux",version="#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023"} 1
            """)
        #expect(familyBlock(out, "node_time_clocksource_available_info") == """
            # HELP node_time_clocksource_available_info Available clocksources read from '/sys/devices/system/clocksource'.
            # TYPE node_time_clocksource_available_info gauge
            node_time_clocksource_available_info{clocksource="acpi_pm",device="0"} 1
            node_time_clocksource_available_info{clocksource="hpet",device="0"} 1
            node_time_clocksource_available_info{clocksource="tsc",device="0"} 1
            """)
        #expect(seriesValue(out, "node_time_clocksource_current_info{clocksource=\"tsc\",device=\"0\"}") == "1")
        let before = Date().timeIntervalSince1970
        let now = Double(seriesValue(f.collector().collect(), "node_time_seconds") ?? "") ?? 0
        #expect(now >= before - 1 && now <= Date().timeIntervalSince1970 + 1)
    }

    @Test func pressureSoftnetConntrackNetstat() throws {
        let f = try HostFixture()
        try f.write("proc/pressure/cpu", "some avg10=1.00 avg60=0.50 avg300=0.10 total=2553429043\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
        try f.write("proc/pressure/io", "some avg10=0.00 avg60=0.00 avg300=0.00 total=1500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=250\n")
        try f.write("proc/pressure/memory", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
        try f.write("proc/net/softnet_stat", """
            0015a58d 00000000 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000
            001257d4 00000010 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000

            """)
        try f.write("proc/sys/net/netfilter/nf_conntrack_count", "12\n")
        try f.write("proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
        try f.write("proc/net/stat/nf_conntrack", """
            entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
            0000000c  00000000 00000001 00000000 00000002 00000003 00000000 00000000 00000004 00000000 00000005 00000000 00000000  00000000 00000000 00000000 0000000a
            0000000c  00000000 00000001 00000000 00000002 00000003 00000000 00000000 00000004 00000000 00000005 00000000 00000000  00000000 00000000 00000000 00000001

            """)
        try f.write("proc/net/netstat", """
            TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPTimeouts PruneCalled
            TcpExt: 0 3 4 5 6
            IpExt: InNoRoutes InOctets OutOctets
            IpExt: 0 1000 2000

            """)
        try f.write("proc/net/snmp", """
            Ip: Forwarding DefaultTTL InReceives
            Ip: 1 64 100
            Tcp: RtoAlgorithm ActiveOpens CurrEstab InErrs MaxConn
            Tcp: 1 7 2 0 -1
            Udp: InDatagrams NoPorts InErrors OutDatagrams IgnoredMulti
            Udp: 10 1 0 11 0

            """)
        try f.write("proc/net/snmp6", "Ip6InReceives                   \t88\nIp6InOctets                   \t9000\nUdp6InErrors\t4\nIcmp6OutMsgs\t2\n")
        let out = f.collector().collect()
        #expect(familyBlock(out, "node_pressure_cpu_waiting_seconds_total") == """
            # HELP node_pressure_cpu_waiting_seconds_total Total time in seconds that processes have waited for CPU time
            # TYPE node_pressure_cpu_waiting_seconds_total counter
            node_pressure_cpu_waiting_seconds_total 2553.429043
            """)
        #expect(seriesValue(out, "node_pressure_io_waiting_seconds_total") == "1.5")
        #expect(seriesValue(out, "node_pressure_io_stalled_seconds_total") == "0.00025")
        #expect(familyBlock(out, "node_softnet_processed_total") == """
            # HELP node_softnet_processed_total Number of processed packets
            # TYPE node_softnet_processed_total counter
            node_softnet_processed_total{cpu="0"} 1.418637e+06
            node_softnet_processed_total{cpu="1"} 1.202132e+06
            """)
        #expect(seriesValue(out, "node_softnet_dropped_total{cpu=\"1\"}") == "16")
        #expect(seriesValue(out, "node_softnet_times_squeezed_total{cpu=\"0\"}") == "2")
        #expect(seriesValue(out, "node_nf_conntrack_entries") == "12")
        #expect(seriesValue(out, "node_nf_conntrack_entries_limit") == "262144")
        #expect(seriesValue(out, "node_nf_conntrack_stat_found") == "2")
        #expect(seriesValue(out, "node_nf_conntrack_stat_drop") == "10")
        #expect(seriesValue(out, "node_nf_conntrack_stat_search_restart") == "11")
        #expect(familyNames(out, prefix: "node_netstat_") == [
            "node_netstat_Icmp6_OutMsgs", "node_netstat_Ip6_InOctets", "node_netstat_IpExt_InOctets", "node_netstat_IpExt_OutOctets",
            "node_netstat_Ip_Forwarding", "node_netstat_TcpExt_ListenDrops", "node_netstat_TcpExt_ListenOverflows",
            "node_netstat_TcpExt_SyncookiesSent", "node_netstat_TcpExt_TCPTimeouts", "node_netstat_Tcp_ActiveOpens",
            "node_netstat_Tcp_CurrEstab", "node_netstat_Tcp_InErrs", "node_netstat_Udp6_InErrors", "node_netstat_Udp_InDatagrams",
            "node_netstat_Udp_InErrors", "node_netstat_Udp_NoPorts", "node_netstat_Udp_OutDatagrams",
        ])
        #expect(familyBlock(out, "node_netstat_TcpExt_ListenDrops") == """
            # HELP node_netstat_TcpExt_ListenDrops Statistic TcpExtListenDrops.
            # TYPE node_netstat_TcpExt_ListenDrops untyped
            node_netstat_TcpExt_ListenDrops 4
            """)
    }

    /// Go's `strconv.FormatFloat(v, 'g', -1, 64)` layouts, as node_exporter prints values.
    @Test(arguments: [
        (0.0, "0"), (1.0, "1"), (-1.0, "-1"), (256.0, "256"), (2884.07, "2884.07"), (999999.0, "999999"),
        (1e6, "1e+06"), (2466183.0, "2.466183e+06"), (1.1290211328e10, "1.1290211328e+10"),
        (1795299843.3678026, "1.7952998433678026e+09"), (0.0001, "0.0001"), (0.00001, "1e-05"),
        (0.00025, "0.00025"), (1.5e-7, "1.5e-07"), (-2.5, "-2.5"), (1e21, "1e+21"), (123456.789, "123456.789"),
        (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"),
    ])
    func goFloatFormatting(value: Double, expected: String) {
        #expect(formatGoFloat(value) == expected)
    }
}
