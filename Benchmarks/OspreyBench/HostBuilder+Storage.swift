import OspreyCore

/// node_exporter's filesystem and diskstats families.
extension HostBuilder {
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
}
