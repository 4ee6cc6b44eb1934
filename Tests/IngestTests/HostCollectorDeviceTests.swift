import Foundation
import Testing

@testable import Ingest

/// Disks, network devices and file systems against fixture /proc, /sys, udev and rootfs trees.
@Suite struct HostCollectorDeviceTests {
    /// 14 columns (before 4.18), 18 (4.18+, discards), 20 (5.5+, flushes); partitions, loop and
    /// ram devices excluded; a short line skipped.
    static let diskstats = """
           8       0 sda 100 2 800 30 40 5 1600 70 0 90 100
           8       1 sda1 100 2 800 30 40 5 1600 70 0 90 100
         259       0 nvme0n1 10 0 80 5 20 0 160 6 1 7 11 3 0 24 2
         259       1 nvme0n1p1 10 0 80 5 20 0 160 6 1 7 11 3 0 24 2
         254       0 vda 521 39 2207 1192 1089 182 4381 224 0 145 1459 167 0 10207 24 330 18
           7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
           1       0 ram0 0 0 0 0 0 0 0 0 0 0 0
         253       0 dm-0 5 0 40 1 6 0 48 2 0 3 3
           9       0 md0 1 2 3

        """

    @Test func diskstatsAcrossKernelFormats() throws {
        let f = try HostFixture()
        try f.write("proc/diskstats", Self.diskstats)
        let out = f.collector().collect()
        #expect(familyBlock(out, "node_disk_reads_completed_total") == """
            # HELP node_disk_reads_completed_total The total number of reads completed successfully.
            # TYPE node_disk_reads_completed_total counter
            node_disk_reads_completed_total{device="dm-0"} 5
            node_disk_reads_completed_total{device="nvme0n1"} 10
            node_disk_reads_completed_total{device="sda"} 100
            node_disk_reads_completed_total{device="vda"} 521
            """)
        #expect(familyBlock(out, "node_disk_read_bytes_total") == """
            # HELP node_disk_read_bytes_total The total number of bytes read successfully.
            # TYPE node_disk_read_bytes_total counter
            node_disk_read_bytes_total{device="dm-0"} 20480
            node_disk_read_bytes_total{device="nvme0n1"} 40960
            node_disk_read_bytes_total{device="sda"} 409600
            node_disk_read_bytes_total{device="vda"} 1.129984e+06
            """)
        #expect(familyBlock(out, "node_disk_read_time_seconds_total") == """
            # HELP node_disk_read_time_seconds_total The total number of seconds spent by all reads.
            # TYPE node_disk_read_time_seconds_total counter
            node_disk_read_time_seconds_total{device="dm-0"} 0.001
            node_disk_read_time_seconds_total{device="nvme0n1"} 0.005
            node_disk_read_time_seconds_total{device="sda"} 0.03
            node_disk_read_time_seconds_total{device="vda"} 1.192
            """)
        #expect(familyBlock(out, "node_disk_io_now") == """
            # HELP node_disk_io_now The number of I/Os currently in progress.
            # TYPE node_disk_io_now gauge
            node_disk_io_now{device="dm-0"} 0
            node_disk_io_now{device="nvme0n1"} 1
            node_disk_io_now{device="sda"} 0
            node_disk_io_now{device="vda"} 0
            """)
        #expect(seriesValue(out, "node_disk_io_time_weighted_seconds_total{device=\"sda\"}") == "0.1")
        // Discards only where the line has them (18+ columns); discarded sectors stay sectors.
        #expect(familyBlock(out, "node_disk_discarded_sectors_total") == """
            # HELP node_disk_discarded_sectors_total The total number of sectors discarded successfully.
            # TYPE node_disk_discarded_sectors_total counter
            node_disk_discarded_sectors_total{device="nvme0n1"} 24
            node_disk_discarded_sectors_total{device="vda"} 10207
            """)
        #expect(seriesValue(out, "node_disk_discard_time_seconds_total{device=\"nvme0n1\"}") == "0.002")
        // Flushes only on the 20-column line. 18 ms is 18 * 0.001 s in binary floating point, printed
        // with every digit Go prints for it.
        #expect(familyBlock(out, "node_disk_flush_requests_total") == """
            # HELP node_disk_flush_requests_total The total number of flush requests completed successfully
            # TYPE node_disk_flush_requests_total counter
            node_disk_flush_requests_total{device="vda"} 330
            """)
        #expect(familyBlock(out, "node_disk_flush_requests_time_seconds_total") == """
            # HELP node_disk_flush_requests_time_seconds_total This is the total number of seconds spent by all flush requests.
            # TYPE node_disk_flush_requests_time_seconds_total counter
            node_disk_flush_requests_time_seconds_total{device="vda"} 0.018000000000000002
            """)
        #expect(familyNames(out, prefix: "node_disk_").count == 18)  // 17 statistics + info
    }

    @Test func diskInfoFromUdev() throws {
        let f = try HostFixture()
        try f.write("proc/diskstats", Self.diskstats)
        try f.write("udev/b8:0", """
            S:disk/by-id/ata-Samsung_SSD
            E:ID_ATA=1
            E:ID_ATA_ROTATION_RATE_RPM=0
            E:ID_ATA_WRITE_CACHE=1
            E:ID_ATA_WRITE_CACHE_ENABLED=1
            E:ID_MODEL=Samsung_SSD_860
            E:ID_PATH=pci-0000:00:1f.2-ata-1
            E:ID_REVISION=RVT04B6Q
            E:ID_SERIAL_SHORT=S3Z9NB0K
            E:ID_WWN=0x5002538e40a1b2c3

            """)
        try f.write("udev/b253:0", """
            E:DM_LV_NAME=root
            E:DM_NAME=vg0-root
            E:DM_UUID=LVM-abc
            E:DM_VG_NAME=vg0
            E:ID_FS_TYPE=ext4
            E:ID_FS_USAGE=filesystem
            E:ID_FS_UUID=1234-abcd
            E:ID_FS_VERSION=1.0

            """)
        let out = f.collector().collect()
        #expect(familyBlock(out, "node_disk_info") == """
            # HELP node_disk_info Info of /sys/block/<block_device>.
            # TYPE node_disk_info gauge
            node_disk_info{device="dm-0",major="253",minor="0",model="",path="",revision="",serial="",wwn=""} 1
            node_disk_info{device="nvme0n1",major="259",minor="0",model="",path="",revision="",serial="",wwn=""} 1
            node_disk_info{device="sda",major="8",minor="0",model="Samsung_SSD_860",path="pci-0000:00:1f.2-ata-1",revision="RVT04B6Q",serial="S3Z9NB0K",wwn="0x5002538e40a1b2c3"} 1
            node_disk_info{device="vda",major="254",minor="0",model="",path="",revision="",serial="",wwn=""} 1
            """)
        #expect(seriesValue(out, "node_disk_ata_rotation_rate_rpm{device=\"sda\"}") == "0")
        #expect(seriesValue(out, "node_disk_ata_write_cache_enabled{device=\"sda\"}") == "1")
        #expect(familyBlock(out, "node_disk_filesystem_info") == """
            # HELP node_disk_filesystem_info Info about disk filesystem.
            # TYPE node_disk_filesystem_info gauge
            node_disk_filesystem_info{device="dm-0",type="ext4",usage="filesystem",uuid="1234-abcd",version="1.0"} 1
            """)
        #expect(familyBlock(out, "node_disk_device_mapper_info") == """
            # HELP node_disk_device_mapper_info Info about disk device mapper.
            # TYPE node_disk_device_mapper_info gauge
            node_disk_device_mapper_info{device="dm-0",lv_layer="",lv_name="root",name="vg0-root",uuid="LVM-abc",vg_name="vg0"} 1
            """)
    }

    @Test(arguments: [
        ("sda", false), ("sda1", true), ("xvdb3", true), ("hdc12", true), ("vdz1", true), ("nvme0n1", false),
        ("nvme10n2p3", true), ("ram15", true), ("loop7", true), ("fd0", true), ("dm-3", false), ("md127", false),
        ("sdaa1", false), ("zram0", false), ("mmcblk0p1", false), ("loop", false),
    ])
    func diskExclusionMatchesNodeExporterDefault(name: String, excluded: Bool) throws {
        let f = try HostFixture()
        #expect(f.collector().isExcludedDisk(name) == excluded)
    }

    @Test func netdevAllColumns() throws {
        let f = try HostFixture()
        try f.write("proc/net/dev", """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0
              eth0: 123456789 1000 1 2 3 4 5 6 98765 500 7 8 9 10 11 12
            ibr10:30:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0

            """)
        try f.write("sys/class/net/eth0/statistics/rx_nohandler", "13\n")
        let out = f.collector().collect()
        #expect(familyNames(out, prefix: "node_network_") == [
            "node_network_receive_bytes_total", "node_network_receive_compressed_total", "node_network_receive_drop_total",
            "node_network_receive_errs_total", "node_network_receive_fifo_total", "node_network_receive_frame_total",
            "node_network_receive_multicast_total", "node_network_receive_nohandler_total",
            "node_network_receive_packets_total", "node_network_transmit_bytes_total", "node_network_transmit_carrier_total",
            "node_network_transmit_colls_total", "node_network_transmit_compressed_total", "node_network_transmit_drop_total",
            "node_network_transmit_errs_total", "node_network_transmit_fifo_total", "node_network_transmit_packets_total",
        ])
        #expect(familyBlock(out, "node_network_receive_bytes_total") == """
            # HELP node_network_receive_bytes_total Network device statistic receive_bytes.
            # TYPE node_network_receive_bytes_total counter
            node_network_receive_bytes_total{device="eth0"} 1.23456789e+08
            node_network_receive_bytes_total{device="ibr10:30"} 0
            node_network_receive_bytes_total{device="lo"} 1000
            """)
        let eth0 = ["receive_packets": "1000", "receive_errs": "1", "receive_drop": "2", "receive_fifo": "3",
                    "receive_frame": "4", "receive_compressed": "5", "receive_multicast": "6",
                    "transmit_bytes": "98765", "transmit_packets": "500", "transmit_errs": "7", "transmit_drop": "8",
                    "transmit_fifo": "9", "transmit_colls": "10", "transmit_carrier": "11", "transmit_compressed": "12",
                    "receive_nohandler": "13"]
        for (key, value) in eth0 {
            #expect(seriesValue(out, "node_network_\(key)_total{device=\"eth0\"}") == value, "\(key)")
        }
        #expect(seriesValue(out, "node_network_receive_nohandler_total{device=\"lo\"}") == nil)
    }

    @Test func sockstatBothFamilies() throws {
        let f = try HostFixture()
        try f.write("proc/net/sockstat", """
            sockets: used 74
            TCP: inuse 1 orphan 0 tw 1 alloc 1 mem 305
            UDP: inuse 0 mem 0
            FRAG: inuse 0 memory 0

            """)
        try f.write("proc/net/sockstat6", "TCP6: inuse 2\nUDP6: inuse 0\n")
        let out = f.collector().collect()
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        #expect(familyNames(out, prefix: "node_sockstat_") == [
            "node_sockstat_FRAG_inuse", "node_sockstat_FRAG_memory", "node_sockstat_TCP6_inuse", "node_sockstat_TCP_alloc",
            "node_sockstat_TCP_inuse", "node_sockstat_TCP_mem", "node_sockstat_TCP_mem_bytes", "node_sockstat_TCP_orphan",
            "node_sockstat_TCP_tw", "node_sockstat_UDP6_inuse", "node_sockstat_UDP_inuse", "node_sockstat_UDP_mem",
            "node_sockstat_UDP_mem_bytes", "node_sockstat_sockets_used",
        ])
        #expect(familyBlock(out, "node_sockstat_TCP_mem_bytes") == """
            # HELP node_sockstat_TCP_mem_bytes Number of TCP sockets in state mem_bytes.
            # TYPE node_sockstat_TCP_mem_bytes gauge
            node_sockstat_TCP_mem_bytes \(formatGoFloat(305 * page))
            """)
        #expect(familyBlock(out, "node_sockstat_sockets_used") == """
            # HELP node_sockstat_sockets_used Number of IPv4 sockets in use.
            # TYPE node_sockstat_sockets_used gauge
            node_sockstat_sockets_used 74
            """)
        #expect(seriesValue(out, "node_sockstat_TCP6_inuse") == "2")
    }
}
