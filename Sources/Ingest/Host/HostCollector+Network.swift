#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension HostCollector {
    /// The /proc/net/dev columns in file order with the names node_exporter gives them. The
    /// kernel already folds the detailed error counters into these columns the same way
    /// node_exporter folds its netlink statistics (drop = dropped + missed, frame = frame + length
    /// + over + crc, carrier = carrier + aborted + heartbeat + window), so values agree.
    private static let netdevColumns = [
        "receive_bytes", "receive_packets", "receive_errs", "receive_drop", "receive_fifo", "receive_frame",
        "receive_compressed", "receive_multicast", "transmit_bytes", "transmit_packets", "transmit_errs",
        "transmit_drop", "transmit_fifo", "transmit_colls", "transmit_carrier", "transmit_compressed",
    ]

    /// node_network_*_total{device} from /proc/net/dev, and receive_nohandler from
    /// /sys/class/net/<device>/statistics/rx_nohandler where the kernel has it (4.6+).
    func collectNetdev(into set: inout HostMetricSet) throws {
        let path = procFile("net/dev")
        let text = try readHostFile(path)
        for (n, line) in hostLines(text).enumerated() where n >= 2 {
            // The name ends at the last ':' (alias names like "eth0:1" contain one themselves).
            guard let colon = line.lastIndex(of: ":") else {
                throw HostCollectorError(path: path, message: "line \(n + 1) has no interface name: \(line)")
            }
            let device = String(line[..<colon].hostTrimmed())
            let fields = hostFields(line[line.index(after: colon)...])
            guard fields.count >= Self.netdevColumns.count else {
                throw HostCollectorError(
                    path: path, message: "line \(n + 1) (\(device)) has \(fields.count) columns, expected \(Self.netdevColumns.count)")
            }
            for (i, key) in Self.netdevColumns.enumerated() {
                guard let v = UInt64(fields[i]) else {
                    throw HostCollectorError(path: path, message: "\(device) \(key) is not a number: \(fields[i])")
                }
                set.add("node_network_\(key)_total", .counter, "Network device statistic \(key).", Double(v), [("device", device)])
            }
            if let v = readUIntFile(sysFile("class/net/\(device)/statistics/rx_nohandler")) {
                set.add("node_network_receive_nohandler_total", .counter, "Network device statistic receive_nohandler.",
                        Double(v), [("device", device)])
            }
        }
    }

    /// node_sockstat_* from /proc/net/sockstat and /proc/net/sockstat6 (either may be missing
    /// when that IP version is disabled).
    func collectSockstat(into set: inout HostMetricSet) throws {
        let pageBytes = Double(sysconf(Int32(_SC_PAGESIZE)))
        for (file, isIPv6) in [("net/sockstat", false), ("net/sockstat6", true)] {
            let path = procFile(file)
            let text: String
            do { text = try readHostFile(path) } catch where isMissingFile(error) { continue }
            for line in hostLines(text) {
                let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                guard fields.count >= 3, fields.count % 2 == 1 else {
                    throw HostCollectorError(path: path, message: "malformed line: \(line)")
                }
                let proto = fields[0].hasSuffix(":") ? fields[0].dropLast() : fields[0]
                var pairs: [(Substring, Double)] = []
                for i in stride(from: 1, to: fields.count, by: 2) {
                    guard let v = Int(fields[i + 1]) else {
                        throw HostCollectorError(path: path, message: "\(proto) \(fields[i]) is not a number: \(fields[i + 1])")
                    }
                    pairs.append((fields[i], Double(v)))
                }
                let value = { (key: String) in pairs.last(where: { $0.0 == key })?.1 }
                if proto == "sockets" {
                    if !isIPv6, let used = value("used") {
                        set.add("node_sockstat_sockets_used", .gauge, "Number of IPv4 sockets in use.", used)
                    }
                    continue
                }
                var entries: [(String, Double)] = [("inuse", value("inuse") ?? 0)]
                for key in ["orphan", "tw", "alloc", "mem", "memory"] {
                    if let v = value(key) { entries.append((key, v)) }
                }
                if let mem = value("mem") { entries.append(("mem_bytes", mem * pageBytes)) }
                for (key, v) in entries {
                    set.add("node_sockstat_\(proto)_\(key)", .gauge, "Number of \(proto) sockets in state \(key).", v)
                }
            }
        }
    }

    /// node_netstat_* from /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6, limited to
    /// node_exporter's default `--collector.netstat.fields`; untyped, as node_exporter has them.
    func collectNetstat(into set: inout HostMetricSet) throws {
        var stats: [String: [(String, Double)]] = [:]
        for file in ["net/netstat", "net/snmp"] {
            let path = procFile(file)
            let lines = hostLines(try readHostFile(path))
            var i = 0
            while i + 1 < lines.count {
                let names = lines[i].split(separator: " ", omittingEmptySubsequences: false)
                let values = lines[i + 1].split(separator: " ", omittingEmptySubsequences: false)
                i += 2
                guard let head = names.first, head.hasSuffix(":") else { continue }
                let proto = String(head.dropLast())
                guard names.count == values.count else {
                    throw HostCollectorError(path: path, message: "field count mismatch in \(proto)")
                }
                var entries: [(String, Double)] = []
                for k in 1..<names.count {
                    guard let v = Double(values[k]) else {
                        throw HostCollectorError(path: path, message: "\(proto) \(names[k]) is not a number: \(values[k])")
                    }
                    entries.append((String(names[k]), v))
                }
                stats[proto] = entries
            }
        }
        let snmp6Path = procFile("net/snmp6")
        do {
            var v6: [String: [(String, Double)]] = [:]
            for line in hostLines(try readHostFile(snmp6Path)) {
                let fields = hostFields(line)
                guard fields.count >= 2, let six = fields[0].firstIndex(of: "6") else { continue }
                guard let v = Double(fields[1]) else {
                    throw HostCollectorError(path: snmp6Path, message: "\(fields[0]) is not a number: \(fields[1])")
                }
                let proto = String(fields[0][...six])
                v6[proto, default: []].append((String(fields[0][fields[0].index(after: six)...]), v))
            }
            for (proto, entries) in v6 { stats[proto] = entries }
        } catch where isMissingFile(error) {
            // IPv6 disabled: no snmp6.
        }
        for (proto, entries) in stats {
            for (name, value) in entries where isDefaultNetstatField(proto: proto, name: name) {
                set.add("node_netstat_\(proto)_\(name)", .untyped, "Statistic \(proto)\(name).", value)
            }
        }
    }

    /// node_exporter 1.5's default `--collector.netstat.fields`.
    func isDefaultNetstatField(proto: String, name: String) -> Bool {
        if name == "InErrors" || name == "InErrs" { return true }
        switch proto {
        case "Ip": return name == "Forwarding"
        case "Ip6", "IpExt": return name == "InOctets" || name == "OutOctets"
        case "Icmp", "Icmp6": return name == "InMsgs" || name == "OutMsgs"
        case "TcpExt":
            return name.hasPrefix("Listen") || name.hasPrefix("Syncookies") || name == "TCPSynRetrans" || name == "TCPTimeouts"
        case "Tcp":
            return ["ActiveOpens", "InSegs", "OutSegs", "OutRsts", "PassiveOpens", "RetransSegs", "CurrEstab"].contains(name)
        case "Udp", "Udp6":
            return ["InDatagrams", "OutDatagrams", "NoPorts", "RcvbufErrors", "SndbufErrors"].contains(name)
        default: return false
        }
    }

    /// node_softnet_*_total{cpu} from /proc/net/softnet_stat (hexadecimal columns, one row a CPU).
    func collectSoftnet(into set: inout HostMetricSet) throws {
        let path = procFile("net/softnet_stat")
        for (row, line) in hostLines(try readHostFile(path)).enumerated() {
            let fields = hostFields(line)
            guard fields.count >= 9 else {
                throw HostCollectorError(path: path, message: "row \(row + 1) has \(fields.count) columns, at least 9 expected")
            }
            var v: [Double] = []
            for i in 0..<3 {
                guard let x = UInt32(fields[i], radix: 16) else {
                    throw HostCollectorError(path: path, message: "row \(row + 1) column \(i + 1) is not hexadecimal: \(fields[i])")
                }
                v.append(Double(x))
            }
            let cpu = [("cpu", String(row))]
            set.add("node_softnet_processed_total", .counter, "Number of processed packets", v[0], cpu)
            set.add("node_softnet_dropped_total", .counter, "Number of dropped packets", v[1], cpu)
            set.add("node_softnet_times_squeezed_total", .counter, "Number of times processing packets ran out of quota", v[2], cpu)
        }
    }

    /// node_nf_conntrack_* from /proc/sys/net/netfilter and /proc/net/stat/nf_conntrack (per-CPU
    /// rows summed). Fails (no data) when the conntrack module is not loaded.
    func collectConntrack(into set: inout HostMetricSet) throws {
        let countPath = procFile("sys/net/netfilter/nf_conntrack_count")
        let maxPath = procFile("sys/net/netfilter/nf_conntrack_max")
        guard let count = UInt64(try readHostFile(countPath).hostTrimmed()) else {
            throw HostCollectorError(path: countPath, message: "not a number")
        }
        guard let limit = UInt64(try readHostFile(maxPath).hostTrimmed()) else {
            throw HostCollectorError(path: maxPath, message: "not a number")
        }
        let statPath = procFile("net/stat/nf_conntrack")
        // Columns summed over CPUs: found 2, invalid 4, ignore 5, insert 8, insert_failed 9,
        // drop 10, early_drop 11, search_restart 16.
        let columns = [2, 4, 5, 8, 9, 10, 11, 16]
        var sums = [Double](repeating: 0, count: columns.count)
        for (row, line) in hostLines(try readHostFile(statPath)).enumerated() where row > 0 {
            let fields = hostFields(line)
            guard fields.count == 17 else {
                throw HostCollectorError(path: statPath, message: "row \(row + 1) has \(fields.count) columns, expected 17")
            }
            for (k, c) in columns.enumerated() {
                guard let v = UInt64(fields[c], radix: 16) else {
                    throw HostCollectorError(path: statPath, message: "row \(row + 1) column \(c + 1) is not hexadecimal")
                }
                sums[k] += Double(v)
            }
        }
        set.add("node_nf_conntrack_entries", .gauge, "Number of currently allocated flow entries for connection tracking.", Double(count))
        set.add("node_nf_conntrack_entries_limit", .gauge, "Maximum size of connection tracking table.", Double(limit))
        let stats: [(String, String)] = [
            ("found", "Number of searched entries which were successful."),
            ("invalid", "Number of packets seen which can not be tracked."),
            ("ignore", "Number of packets seen which are already connected to a conntrack entry."),
            ("insert", "Number of entries inserted into the list."),
            ("insert_failed", "Number of entries for which list insertion was attempted but failed."),
            ("drop", "Number of packets dropped due to conntrack failure."),
            ("early_drop", "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached."),
            ("search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes."),
        ]
        for (k, (name, help)) in stats.enumerated() {
            set.add("node_nf_conntrack_stat_\(name)", .gauge, help, sums[k])
        }
    }
}
