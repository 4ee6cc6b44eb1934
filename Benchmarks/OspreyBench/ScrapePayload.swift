import OspreyCore

/// What one scrape target of the scrape benchmark exposes: exactly `seriesCount` series in Prometheus
/// text format 0.0.4, shaped like a node_exporter plus an instrumented HTTP service (CPU, memory,
/// network, file system and disk families, Go runtime summary, request counters and latency
/// histograms per handler). The shape depends on the shard (CPU count, devices, mounts, handlers), so
/// targets differ as real hosts do. Values move with time: counters grow at their own rate, gauges
/// wander, histogram buckets grow cumulatively; a few series are constant, as on real targets.
struct ScrapePayload: Sendable {
    enum Motion: Sendable {
        /// `base + rate × t`, never decreasing.
        case counter(base: Double, rate: Double)
        /// `base + amplitude × triangle(t / period)`.
        case gauge(base: Double, amplitude: Double, periodS: Double)
        case constant(Double)
    }

    /// One sample line: everything before the value (HELP/TYPE lines of a new family included, and the
    /// trailing space), how the value moves, and how many decimals it prints with.
    struct Line: Sendable {
        var prefix: [UInt8]
        var motion: Motion
        var decimals: Int
    }

    let lines: [Line]
    var seriesCount: Int { lines.count }

    init(shard: Int, seriesCount: Int) {
        var b = Builder(shard: shard)
        b.node()
        b.app(until: seriesCount)
        lines = Array(b.lines.prefix(seriesCount))
        precondition(lines.count == seriesCount, "BUG: payload for shard \(shard) has \(lines.count) series, wanted \(seriesCount)")
    }

    /// The body at `t` seconds (since the benchmark started), appended to `out`.
    func render(at t: Double, into out: inout [UInt8]) {
        for line in lines {
            out.append(contentsOf: line.prefix)
            let v: Double
            switch line.motion {
            case .counter(let base, let rate): v = base + rate * t
            case .gauge(let base, let amplitude, let period):
                let phase = (t / period).truncatingRemainder(dividingBy: 1)
                v = base + amplitude * (phase < 0.5 ? 2 * phase : 2 - 2 * phase)
            case .constant(let c): v = c
            }
            appendDecimal(v, decimals: line.decimals, to: &out)
            out.append(0x0A)
        }
    }

    func render(at t: Double) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(lines.reduce(0) { $0 + $1.prefix.count } + lines.count * 16)
        render(at: t, into: &out)
        return out
    }
}

/// Writes a non-negative `v` with exactly `decimals` decimals (0: an integer), as exporters print them.
private func appendDecimal(_ v: Double, decimals: Int, to out: inout [UInt8]) {
    var scale: Double = 1
    for _ in 0..<decimals { scale *= 10 }
    var n = UInt64(max(0, v * scale).rounded())
    var digits: [UInt8] = []
    digits.reserveCapacity(24)
    var written = 0
    repeat {
        if decimals > 0 && written == decimals { digits.append(UInt8(ascii: ".")) }
        digits.append(UInt8(ascii: "0") + UInt8(n % 10))
        n /= 10
        written += 1
    } while n > 0 || written <= decimals
    out.append(contentsOf: digits.reversed())
}

/// Collects the lines of one payload, family by family.
private struct Builder {
    var rng: SplitMix64
    let shard: Int
    var lines: [ScrapePayload.Line] = []
    private var pendingHeader: [UInt8] = []

    init(shard: Int) {
        self.shard = shard
        rng = SplitMix64(seed: 0x5C_4A9E ^ UInt64(shard) &* 0x9E37_79B9_7F4A_7C15)
    }

    mutating func family(_ name: String, _ type: String, _ help: String) {
        pendingHeader = Array("# HELP \(name) \(help)\n# TYPE \(name) \(type)\n".utf8)
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ motion: ScrapePayload.Motion, decimals: Int = 0) {
        var text = name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
        }
        lines.append(.init(prefix: pendingHeader + Array((text + " ").utf8), motion: motion, decimals: decimals))
        pendingHeader = []
    }

    mutating func counter(_ base: ClosedRange<Double>, perSecond rate: ClosedRange<Double>) -> ScrapePayload.Motion {
        .counter(base: rng.uniform(base.lowerBound, base.upperBound), rate: rng.uniform(rate.lowerBound, rate.upperBound))
    }

    mutating func gauge(_ base: ClosedRange<Double>, swing: Double) -> ScrapePayload.Motion {
        let b = rng.uniform(base.lowerBound, base.upperBound)
        return .gauge(base: b, amplitude: b * swing, periodS: rng.uniform(60, 600))
    }

    /// About 230–330 node_exporter series, depending on the shard's CPUs, devices and mounts.
    mutating func node() {
        let cpus = [2, 4, 8][shard % 3]
        family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.")
        for cpu in 0..<cpus {
            for mode in ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"] {
                sample("node_cpu_seconds_total", [("cpu", "\(cpu)"), ("mode", mode)],
                       mode == "steal" ? .constant(0) : counter(1e4...1e6, perSecond: mode == "idle" ? 0.5...0.95 : 0.001...0.2), decimals: 2)
            }
        }
        for (name, v) in [("node_load1", 0.6), ("node_load5", 0.5), ("node_load15", 0.4)] {
            family(name, "gauge", "Load average.")
            sample(name, [], gauge(v...(v * Double(cpus)), swing: 0.5), decimals: 2)
        }
        for m in ["Active", "Active_anon", "Active_file", "AnonPages", "Buffers", "Cached", "CommitLimit", "Committed_AS",
                  "Dirty", "Inactive", "Inactive_anon", "Inactive_file", "Mapped", "MemAvailable", "MemFree", "MemTotal",
                  "PageTables", "SReclaimable", "SUnreclaim", "Shmem", "Slab", "SwapCached", "SwapFree", "SwapTotal"] {
            let name = "node_memory_\(m)_bytes"
            family(name, "gauge", "Memory information field \(m)_bytes.")
            let motion: ScrapePayload.Motion = m.hasSuffix("Total") || m == "CommitLimit" ? .constant(Double(cpus) * 4_294_967_296)
                : gauge(1e6...4e9, swing: 0.05)
            sample(name, [], motion)
        }
        let devices = ["eth0", "lo"] + (0..<(shard % 4)).map { "veth\(String(0xA1B2_C3 &+ $0 &* 7919 &+ shard, radix: 16))" }
        for dir in ["receive", "transmit"] {
            for (what, rate) in [("bytes", 1e3...1e6), ("packets", 10.0...1e3), ("errs", 0.0...0.01), ("drop", 0.0...0.05)] {
                let name = "node_network_\(dir)_\(what)_total"
                family(name, "counter", "Network device statistic \(dir)_\(what).")
                for d in devices { sample(name, [("device", d)], counter(0...1e9, perSecond: rate)) }
            }
        }
        let mounts = [("/dev/sda1", "ext4", "/"), ("/dev/sda2", "ext4", "/var"), ("tmpfs", "tmpfs", "/run"),
                      ("/dev/nvme0n1p1", "xfs", "/data")].prefix(2 + shard % 3)
        for (what, help) in [("avail_bytes", "Filesystem space available to non-root users in bytes."),
                             ("free_bytes", "Filesystem free space in bytes."), ("size_bytes", "Filesystem size in bytes."),
                             ("files", "Filesystem total file nodes."), ("files_free", "Filesystem total free file nodes."),
                             ("readonly", "Filesystem read-only status.")] {
            let name = "node_filesystem_\(what)"
            family(name, "gauge", help)
            for (device, fstype, mountpoint) in mounts {
                let motion: ScrapePayload.Motion = what == "readonly" ? .constant(0)
                    : what.hasPrefix("size") || what == "files" ? .constant(1.073741824e11) : gauge(1e9...1e11, swing: 0.01)
                sample(name, [("device", device), ("fstype", fstype), ("mountpoint", mountpoint)], motion)
            }
        }
        for (what, rate, decimals) in [("reads_completed_total", 1.0...100, 0), ("writes_completed_total", 1.0...200, 0),
                                       ("read_bytes_total", 1e3...1e6, 0), ("written_bytes_total", 1e3...1e6, 0),
                                       ("io_time_seconds_total", 0.001...0.3, 3), ("read_time_seconds_total", 0.001...0.1, 3),
                                       ("write_time_seconds_total", 0.001...0.2, 3)] {
            let name = "node_disk_\(what)"
            family(name, "counter", "Disk statistic \(what).")
            for disk in ["sda", "nvme0n1"].prefix(1 + shard % 2) {
                sample(name, [("device", disk)], counter(0...1e9, perSecond: rate), decimals: decimals)
            }
        }
        for v in ["pgfault", "pgmajfault", "pgpgin", "pgpgout", "pswpin", "pswpout", "oom_kill", "nr_dirtied", "nr_written", "pgsteal_kswapd"] {
            let name = "node_vmstat_\(v)"
            family(name, "untyped", "/proc/vmstat information field \(v).")
            sample(name, [], counter(0...1e8, perSecond: 0...1e3))
        }
        family("go_gc_duration_seconds", "summary", "A summary of the pause duration of garbage collection cycles.")
        for q in ["0", "0.25", "0.5", "0.75", "1"] {
            sample("go_gc_duration_seconds", [("quantile", q)], gauge(1e-5...1e-3, swing: 0.3), decimals: 9)
        }
        sample("go_gc_duration_seconds_sum", [], counter(0...10, perSecond: 1e-4...1e-3), decimals: 9)
        sample("go_gc_duration_seconds_count", [], counter(0...1e5, perSecond: 0.1...2))
        for (name, type, motion, decimals) in [
            ("go_goroutines", "gauge", gauge(8...40, swing: 0.2), 0), ("go_threads", "gauge", ScrapePayload.Motion.constant(12), 0),
            ("go_memstats_alloc_bytes", "gauge", gauge(2e6...3e7, swing: 0.4), 0),
            ("go_memstats_alloc_bytes_total", "counter", counter(1e8...1e11, perSecond: 1e4...1e6), 0),
            ("go_memstats_heap_objects", "gauge", gauge(1e4...1e5, swing: 0.3), 0),
            ("process_cpu_seconds_total", "counter", counter(1...1e5, perSecond: 0.001...0.05), 2),
            ("process_resident_memory_bytes", "gauge", gauge(1e7...1e8, swing: 0.1), 0),
            ("process_open_fds", "gauge", gauge(8...64, swing: 0.2), 0),
            ("process_start_time_seconds", "gauge", ScrapePayload.Motion.constant(1.7e9 + Double(shard)), 2),
        ] {
            family(name, type, "Process or runtime statistic \(name).")
            sample(name, [], motion, decimals: decimals)
        }
    }

    /// HTTP service families, 17 series per handler, until at least `count` series are collected.
    mutating func app(until count: Int) {
        let resources = ["users", "orders", "items", "carts", "payments", "sessions", "search", "invoices", "shipments", "reviews",
                         "products", "accounts", "tokens", "reports", "exports", "webhooks", "events", "notifications", "tags", "files"]
        let methods = ["GET", "POST", "PUT", "DELETE"]
        var handlers: [(String, String)] = []
        var k = shard % resources.count
        while lines.count + handlers.count * 17 < count {
            handlers.append(("/api/v\(1 + handlers.count / resources.count)/\(resources[k % resources.count])", methods[(k / 3) % methods.count]))
            k += 1
        }
        family("http_requests_total", "counter", "Requests handled, by handler, method and status code.")
        var rates: [Double] = []
        for (handler, method) in handlers {
            let rate = rng.uniform(0.01, 50)
            rates.append(rate)
            for (code, share) in [("200", 0.97), ("404", 0.02), ("500", 0.01)] {
                sample("http_requests_total", [("code", code), ("handler", handler), ("method", method)],
                       .counter(base: rng.uniform(0, 1e7), rate: rate * share))
            }
        }
        family("http_request_duration_seconds", "histogram", "Request latency by handler and method.")
        let bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"]
        for ((handler, method), rate) in zip(handlers, rates) {
            let base = rng.uniform(0, 1e6)
            var share = 0.0
            for (i, le) in (bounds + ["+Inf"]).enumerated() {
                share = i == bounds.count ? 1 : min(1, share + rng.uniform(0.02, 0.3))
                sample("http_request_duration_seconds_bucket", [("handler", handler), ("le", le), ("method", method)],
                       .counter(base: base * share, rate: rate * share))
            }
            sample("http_request_duration_seconds_sum", [("handler", handler), ("method", method)],
                   .counter(base: base * 0.08, rate: rate * 0.08), decimals: 6)
            sample("http_request_duration_seconds_count", [("handler", handler), ("method", method)], .counter(base: base, rate: rate))
        }
    }
}
