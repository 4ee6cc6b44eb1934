import Ingest
import OspreyCore

/// Parses a node_exporter-like 0.0.4 payload of `seriesCount` samples `rounds` times, the way a scrape loop
/// with a series cache does: `labels()` for every sample in the first round (a cold cache), afterwards only a
/// cache lookup by the raw series text. Returns the samples parsed and the process CPU seconds it took.
func runParseBenchmark(seriesCount: Int = 10_000, rounds: Int) -> (samples: Int, cpuSeconds: Double) {
    let payload = parseBenchPayload(series: seriesCount)
    var cache: [ArraySlice<UInt8>: Labels] = [:]
    cache.reserveCapacity(seriesCount)
    var samples = 0
    var checksum = 0.0
    let start = selfCPUSeconds()
    for round in 0..<rounds {
        var parser = ExpositionParser(payload, format: .prometheusText)
        do {
            while try parser.next() {
                let key = payload[parser.seriesRange]
                if round == 0 {
                    cache[key] = try parser.labels()
                } else if cache[key] == nil {
                    preconditionFailure("BUG: series \(String(decoding: key, as: UTF8.self)) missing from the cache")
                }
                checksum += parser.value
                samples += 1
            }
        } catch {
            preconditionFailure("BUG: the benchmark payload does not parse: \(error)")
        }
    }
    let cpu = selfCPUSeconds() - start
    precondition(checksum.isFinite || checksum.isNaN, "unreachable; keeps the values alive")
    return (samples, cpu)
}

/// `series` rounded up to a multiple of 250 sample lines shaped like node_exporter's: CPU modes, disks, network devices, filesystems
/// with long mount points, and request-duration histograms, each family with HELP and TYPE.
func parseBenchPayload(series: Int) -> [UInt8] {
    var out = ""
    let modes = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"]
    let buckets = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
    func family(_ name: String, _ type: String, _ help: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }
    // 250 series a block; every family lists all blocks, so each has one HELP and TYPE.
    let blocks = max(1, (series + 249) / 250)
    family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.")
    for block in 0..<blocks {
        for cpu in 0..<16 {
            for mode in modes {
                out += "node_cpu_seconds_total{cpu=\"\(block * 16 + cpu)\",mode=\"\(mode)\"} \(Double(cpu * 1000 + mode.count) + 0.37)\n"
            }
        }
    }
    for metric in ["node_disk_read_bytes_total", "node_disk_written_bytes_total", "node_disk_io_time_seconds_total"] {
        family(metric, "counter", "Disk statistic.")
        for block in 0..<blocks {
            for disk in 0..<8 { out += "\(metric){device=\"nvme\(block)n\(disk)\"} \(Double(disk) * 1.234e9)\n" }
        }
    }
    for metric in ["node_network_receive_bytes_total", "node_network_transmit_packets_total"] {
        family(metric, "counter", "Network device statistic.")
        for block in 0..<blocks {
            for dev in 0..<6 { out += "\(metric){device=\"veth\(block)x\(dev)\"} \(dev * 987_654_321)\n" }
        }
    }
    for metric in ["node_filesystem_avail_bytes", "node_filesystem_size_bytes", "node_filesystem_readonly"] {
        family(metric, "gauge", "Filesystem statistic.")
        for block in 0..<blocks {
            for fs in 0..<10 {
                out += "\(metric){device=\"/dev/mapper/vg\(block)-lv\(fs)\",fstype=\"ext4\",mountpoint=\"/var/lib/kubelet/pods/\(block)-\(fs)/volumes/kubernetes.io~empty-dir/cache\"} \(fs * 4096 * 1_000_003)\n"
            }
        }
    }
    family("http_request_duration_seconds", "histogram", "Request latency.")
    for block in 0..<blocks {
        for handler in ["/metrics", "/api/v1/query", "/api/v1/query_range", "/-/ready"] {
            var cumulative = 0
            for le in buckets {
                cumulative += le.count * 7
                out += "http_request_duration_seconds_bucket{handler=\"\(handler)\",instance=\"node-\(block)\",le=\"\(le)\"} \(cumulative)\n"
            }
            out += "http_request_duration_seconds_sum{handler=\"\(handler)\",instance=\"node-\(block)\"} \(Double(cumulative) * 0.0173)\n"
            out += "http_request_duration_seconds_count{handler=\"\(handler)\",instance=\"node-\(block)\"} \(cumulative)\n"
        }
    }
    return Array(out.utf8)
}
