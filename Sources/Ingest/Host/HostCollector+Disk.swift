/// Bytes in one /proc/diskstats sector: always the traditional 512-byte UNIX sector, whatever
/// the device's own block size (Documentation/block/stat.rst).
let hostDiskSectorBytes = 512.0

extension HostCollector {
    private static let diskCounters: [(name: String, help: String, type: HostMetricType, scale: Double)] = [
        ("node_disk_reads_completed_total", "The total number of reads completed successfully.", .counter, 1),
        ("node_disk_reads_merged_total", "The total number of reads merged.", .counter, 1),
        ("node_disk_read_bytes_total", "The total number of bytes read successfully.", .counter, hostDiskSectorBytes),
        ("node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.", .counter, 0.001),
        ("node_disk_writes_completed_total", "The total number of writes completed successfully.", .counter, 1),
        ("node_disk_writes_merged_total", "The number of writes merged.", .counter, 1),
        ("node_disk_written_bytes_total", "The total number of bytes written successfully.", .counter, hostDiskSectorBytes),
        ("node_disk_write_time_seconds_total", "This is the total number of seconds spent by all writes.", .counter, 0.001),
        ("node_disk_io_now", "The number of I/Os currently in progress.", .gauge, 1),
        ("node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", .counter, 0.001),
        ("node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", .counter, 0.001),
        ("node_disk_discards_completed_total", "The total number of discards completed successfully.", .counter, 1),
        ("node_disk_discards_merged_total", "The total number of discards merged.", .counter, 1),
        ("node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.", .counter, 1),
        ("node_disk_discard_time_seconds_total", "This is the total number of seconds spent by all discards.", .counter, 0.001),
        ("node_disk_flush_requests_total", "The total number of flush requests completed successfully", .counter, 1),
        ("node_disk_flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests.", .counter, 0.001),
    ]

    /// node_disk_* from /proc/diskstats: 11 statistics on kernels before 4.18 (14 columns),
    /// discards from 4.18 (18 columns), flushes from 5.5 (20 columns); each device gets only the
    /// statistics its line has. node_disk_info and the udev-derived info series come from
    /// /run/udev/data when it is readable. Devices matching node_exporter's default exclusion
    /// (partitions, ram, loop, fd) are left out.
    func collectDiskstats(into set: inout HostMetricSet) throws {
        let path = procFile("diskstats")
        let text = try readHostFile(path)
        for line in hostLines(text) {
            let fields = hostFields(line)
            // Lines with fewer than 14 columns are not device statistics; node_exporter skips them.
            guard fields.count >= 14 else { continue }
            let device = String(fields[2])
            guard let major = UInt32(fields[0]), let minor = UInt32(fields[1]) else {
                throw HostCollectorError(path: path, message: "device numbers of \(device) are not numbers: \(line)")
            }
            if isExcludedDisk(device) { continue }
            let columns = min(fields.count, 20)
            var values: [Double] = []
            values.reserveCapacity(columns - 3)
            for i in 3..<columns {
                guard let v = UInt64(fields[i]) else {
                    throw HostCollectorError(path: path, message: "column \(i + 1) of \(device) is not a number: \(fields[i])")
                }
                values.append(Double(v))
            }
            let udev = readUdevProperties(major: major, minor: minor)
            set.add("node_disk_info", .gauge, "Info of /sys/block/<block_device>.", 1, [
                ("device", device), ("major", String(major)), ("minor", String(minor)),
                ("path", udev["ID_PATH"] ?? ""), ("wwn", udev["ID_WWN"] ?? ""), ("model", udev["ID_MODEL"] ?? ""),
                ("serial", udev["ID_SERIAL_SHORT"] ?? ""), ("revision", udev["ID_REVISION"] ?? ""),
            ])
            for (i, value) in values.enumerated() {
                let c = Self.diskCounters[i]
                set.add(c.name, c.type, c.help, value * c.scale, [("device", device)])
            }
            addUdevInfo(udev, device: device, into: &set)
        }
    }

    private func addUdevInfo(_ udev: [String: String], device: String, into set: inout HostMetricSet) {
        if let fsType = udev["ID_FS_TYPE"], !fsType.isEmpty {
            set.add("node_disk_filesystem_info", .gauge, "Info about disk filesystem.", 1, [
                ("device", device), ("type", fsType), ("usage", udev["ID_FS_USAGE"] ?? ""),
                ("uuid", udev["ID_FS_UUID"] ?? ""), ("version", udev["ID_FS_VERSION"] ?? ""),
            ])
        }
        if let name = udev["DM_NAME"], !name.isEmpty {
            set.add("node_disk_device_mapper_info", .gauge, "Info about disk device mapper.", 1, [
                ("device", device), ("name", name), ("uuid", udev["DM_UUID"] ?? ""),
                ("vg_name", udev["DM_VG_NAME"] ?? ""), ("lv_name", udev["DM_LV_NAME"] ?? ""),
                ("lv_layer", udev["DM_LV_LAYER"] ?? ""),
            ])
        }
        if let ata = udev["ID_ATA"], !ata.isEmpty {
            for (key, name, help) in [
                ("ID_ATA_WRITE_CACHE", "node_disk_ata_write_cache", "ATA disk has a write cache."),
                ("ID_ATA_WRITE_CACHE_ENABLED", "node_disk_ata_write_cache_enabled", "ATA disk has its write cache enabled."),
                ("ID_ATA_ROTATION_RATE_RPM", "node_disk_ata_rotation_rate_rpm", "ATA disk rotation rate in RPMs (0 for SSDs)."),
            ] {
                if let text = udev[key], let v = Double(text) {
                    set.add(name, .gauge, help, v, [("device", device)])
                }
            }
        }
    }

    /// The `E:KEY=VALUE` properties udev recorded for a block device; empty when there are none.
    func readUdevProperties(major: UInt32, minor: UInt32) -> [String: String] {
        guard let text = readOptionalHostFile(joinHostPath(udevDataPath, "b\(major):\(minor)")) else { return [:] }
        var info: [String: String] = [:]
        for line in hostLines(text) where line.hasPrefix("E:") {
            let property = line.dropFirst(2)
            guard let eq = property.firstIndex(of: "=") else { continue }
            info[String(property[..<eq])] = String(property[property.index(after: eq)...])
        }
        return info
    }

    /// node_exporter 1.5's default `--collector.diskstats.device-exclude`:
    /// `^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$` — RAM disks, loop devices, floppies and
    /// partitions, whose I/O is already counted on their whole disk.
    func isExcludedDisk(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        var end = bytes.count
        while end > 0 && hostIsDigit(bytes[end - 1]) { end -= 1 }
        guard end < bytes.count, end > 0 else { return false }
        let stem = bytes[0..<end]
        if stem.elementsEqual("ram".utf8) || stem.elementsEqual("loop".utf8) || stem.elementsEqual("fd".utf8) { return true }
        // (h|s|v|xv)d[a-z]
        if stem.count == 3 || stem.count == 4 {
            let lead = stem.count == 3 ? Array(stem.prefix(1)) : Array(stem.prefix(2))
            let validLead = lead == [UInt8(ascii: "h")] || lead == [UInt8(ascii: "s")] || lead == [UInt8(ascii: "v")]
                || lead == [UInt8(ascii: "x"), UInt8(ascii: "v")]
            let d = stem[stem.endIndex - 2], letter = stem[stem.endIndex - 1]
            if validLead && d == UInt8(ascii: "d") && letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z") { return true }
        }
        // nvme\d+n\d+p
        if stem.starts(with: "nvme".utf8), stem.last == UInt8(ascii: "p") {
            let middle = stem.dropFirst(4).dropLast()
            guard let n = middle.firstIndex(of: UInt8(ascii: "n")) else { return false }
            let first = middle[middle.startIndex..<n], second = middle[(n + 1)...]
            return !first.isEmpty && !second.isEmpty && first.allSatisfy(hostIsDigit) && second.allSatisfy(hostIsDigit)
        }
        return false
    }
}

@inline(__always)
func hostIsDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
