#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension HostCollector {
    /// node_entropy_available_bits and node_entropy_pool_size_bits from /proc/sys/kernel/random.
    func collectEntropy(into set: inout HostMetricSet) throws {
        for (file, name, help) in [
            ("entropy_avail", "node_entropy_available_bits", "Bits of available entropy."),
            ("poolsize", "node_entropy_pool_size_bits", "Bits of entropy pool."),
        ] {
            let path = procFile("sys/kernel/random/\(file)")
            guard let v = UInt64(try readHostFile(path).hostTrimmed()) else {
                throw HostCollectorError(path: path, message: "not a number")
            }
            set.add(name, .gauge, help, Double(v))
        }
    }

    /// node_filefd_allocated and node_filefd_maximum from /proc/sys/fs/file-nr.
    func collectFilefd(into set: inout HostMetricSet) throws {
        let path = procFile("sys/fs/file-nr")
        let parts = try readHostFile(path).hostTrimmed().split(separator: "\t", omittingEmptySubsequences: false)
        guard parts.count >= 3 else {
            throw HostCollectorError(path: path, message: "expected 3 tab-separated values, found \(parts.count)")
        }
        guard let allocated = Double(parts[0]), let maximum = Double(parts[2]) else {
            throw HostCollectorError(path: path, message: "values are not numbers")
        }
        set.add("node_filefd_allocated", .gauge, "File descriptor statistics: allocated.", allocated)
        set.add("node_filefd_maximum", .gauge, "File descriptor statistics: maximum.", maximum)
    }

    /// node_uname_info. Names come from /proc/sys/kernel (so a `procPath` of another host's /proc
    /// is honoured), falling back to uname(2); the machine (architecture) always from uname(2).
    func collectUname(into set: inout HostMetricSet) throws {
        var u = utsname()
        guard uname(&u) == 0 else { throw HostCollectorError(path: "uname(2)", message: hostErrnoText(errno)) }
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        func kernel(_ file: String, _ fallback: String) -> String {
            guard let text = readOptionalHostFile(procFile("sys/kernel/\(file)")) else { return fallback }
            return String(text.hasSuffix("\n") ? text.dropLast() : Substring(text))
        }
        set.add("node_uname_info", .gauge, "Labeled system information as provided by the uname system call.", 1, [
            ("sysname", kernel("ostype", field(u.sysname))),
            ("release", kernel("osrelease", field(u.release))),
            ("version", kernel("version", field(u.version))),
            ("machine", field(u.machine)),
            ("nodename", kernel("hostname", field(u.nodename))),
            ("domainname", kernel("domainname", field(u.__domainname))),
        ])
    }

    /// node_os_info and node_os_version from <rootfs>/etc/os-release, else
    /// <rootfs>/usr/lib/os-release. Fails (no data) when neither exists.
    func collectOS(into set: inout HostMetricSet) throws {
        var text: String?
        var lastError: Error?
        for file in ["etc/os-release", "usr/lib/os-release"] {
            do {
                text = try readHostFile(rootfsFile(file))
                break
            } catch where isMissingFile(error) {
                lastError = error
            }
        }
        guard let text else { throw lastError! }
        let env = parseOSRelease(text)
        let v = { (key: String) in env[key] ?? "" }
        set.add("node_os_info", .gauge,
                "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
                1, [
                    ("build_id", v("BUILD_ID")), ("id", v("ID")), ("id_like", v("ID_LIKE")), ("image_id", v("IMAGE_ID")),
                    ("image_version", v("IMAGE_VERSION")), ("name", v("NAME")), ("pretty_name", v("PRETTY_NAME")),
                    ("variant", v("VARIANT")), ("variant_id", v("VARIANT_ID")), ("version", v("VERSION")),
                    ("version_codename", v("VERSION_CODENAME")), ("version_id", v("VERSION_ID")),
                ])
        // The major.minor at the front of VERSION_ID (`^[0-9]+\.?[0-9]*`), when there is one.
        let id = v("VERSION_ID")
        let digits = id.prefix(while: { $0.isASCII && $0.isNumber })
        if !digits.isEmpty {
            var majorMinor = String(digits)
            let rest = id.dropFirst(digits.count)
            if rest.hasPrefix(".") {
                majorMinor += "." + rest.dropFirst().prefix(while: { $0.isASCII && $0.isNumber })
            }
            if let version = Double(majorMinor), version > 0 {
                set.add("node_os_version", .gauge, "Metric containing the major.minor part of the OS version.", version,
                        [("id", v("ID")), ("id_like", v("ID_LIKE")), ("name", v("NAME"))])
            }
        }
    }

    /// os-release(5): `KEY=value` lines, values optionally in double quotes (with `\` escapes) or
    /// single quotes; `#` comments.
    func parseOSRelease(_ text: String) -> [String: String] {
        var env: [String: String] = [:]
        for rawLine in hostLines(text) {
            var line = rawLine.hostTrimmed()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).hostTrimmed() }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            var value = line[line.index(after: eq)...]
            if value.hasPrefix("\""), value.count >= 2, value.hasSuffix("\"") {
                value = value.dropFirst().dropLast()
                var out = ""
                var escaped = false
                for c in value {
                    if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
                }
                env[key] = out
            } else if value.hasPrefix("'"), value.count >= 2, value.hasSuffix("'") {
                env[key] = String(value.dropFirst().dropLast())
            } else {
                env[key] = String(value)
            }
        }
        return env
    }

    /// node_time_seconds, node_time_zone_offset_seconds{time_zone} and the clocksource info
    /// series from /sys/devices/system/clocksource.
    func collectTime(into set: inout HostMetricSet) throws {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        set.add("node_time_seconds", .gauge, "System time in seconds since epoch (1970).",
                Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)
        var seconds = ts.tv_sec
        var local = tm()
        localtime_r(&seconds, &local)
        let zone = local.tm_zone.map { String(cString: $0) } ?? ""
        set.add("node_time_zone_offset_seconds", .gauge, "System time zone offset in seconds.",
                Double(local.tm_gmtoff), [("time_zone", zone)])

        let base = sysFile("devices/system/clocksource")
        let devices = listHostDirectory(base).filter {
            $0.hasPrefix("clocksource") && $0.dropFirst(11).first.map { $0.isASCII && $0.isNumber } == true
        }
        for (i, device) in devices.enumerated() {
            let available = try readHostFile("\(base)/\(device)/available_clocksource")
            let current = try readHostFile("\(base)/\(device)/current_clocksource").hostTrimmed()
            let index = String(i)
            for source in hostFields(Substring(available)) {
                set.add("node_time_clocksource_available_info", .gauge,
                        "Available clocksources read from '/sys/devices/system/clocksource'.", 1,
                        [("device", index), ("clocksource", String(source.hostTrimmed()))])
            }
            set.add("node_time_clocksource_current_info", .gauge,
                    "Current clocksource read from '/sys/devices/system/clocksource'.", 1,
                    [("device", index), ("clocksource", String(current))])
        }
    }

    /// node_pressure_* from /proc/pressure/{cpu,io,memory} (kernel 4.20+ with PSI enabled); fails
    /// (no data) where PSI is absent.
    func collectPressure(into set: inout HostMetricSet) throws {
        for resource in ["cpu", "io", "memory"] {
            let path = procFile("pressure/\(resource)")
            var some: Double?
            var full: Double?
            for line in hostLines(try readHostFile(path)) {
                let fields = hostFields(line)
                guard let kind = fields.first, kind == "some" || kind == "full" else { continue }
                guard let total = fields.first(where: { $0.hasPrefix("total=") }), let v = Double(total.dropFirst(6)) else {
                    throw HostCollectorError(path: path, message: "\(kind) line without a total: \(line)")
                }
                // Microseconds; divided twice, as node_exporter does, so the float result is bit-identical.
                if kind == "some" { some = v / 1000 / 1000 } else { full = v / 1000 / 1000 }
            }
            switch resource {
            case "cpu":
                set.add("node_pressure_cpu_waiting_seconds_total", .counter,
                        "Total time in seconds that processes have waited for CPU time", some ?? 0)
            case "io":
                set.add("node_pressure_io_waiting_seconds_total", .counter,
                        "Total time in seconds that processes have waited due to IO congestion", some ?? 0)
                set.add("node_pressure_io_stalled_seconds_total", .counter,
                        "Total time in seconds no process could make progress due to IO congestion", full ?? 0)
            default:
                set.add("node_pressure_memory_waiting_seconds_total", .counter,
                        "Total time in seconds that processes have waited for memory", some ?? 0)
                set.add("node_pressure_memory_stalled_seconds_total", .counter,
                        "Total time in seconds no process could make progress due to memory congestion", full ?? 0)
            }
        }
    }
}
