extension HostCollector {
    /// One node_memory_* family per /proc/meminfo line, named as node_exporter names them:
    /// `Active(anon):` becomes `Active_anon`, a value with a unit (always kB) is multiplied by 1024
    /// and gets `_bytes`, a value without one (`HugePages_Total`) keeps its name. A name ending in
    /// `_total` is a counter, everything else a gauge.
    func collectMeminfo(into set: inout HostMetricSet) throws {
        let path = procFile("meminfo")
        let text = try readHostFile(path)
        var seen: [String: Int] = [:]
        var entries: [(String, Double)] = []
        for line in hostLines(text) {
            let fields = hostFields(line)
            if fields.isEmpty { continue }  // some CentOS kernels print empty lines
            guard fields.count >= 2, let raw = Double(fields[1]) else {
                throw HostCollectorError(path: path, message: "invalid line: \(line)")
            }
            var key = meminfoKey(fields[0].hasSuffix(":") ? fields[0].dropLast() : fields[0])
            var value = raw
            switch fields.count {
            case 2: break
            case 3:
                value *= 1024
                key += "_bytes"
            default:
                throw HostCollectorError(path: path, message: "invalid line: \(line)")
            }
            // The same field twice: the last line wins, as in node_exporter's map.
            if let i = seen[key] { entries[i].1 = value } else { seen[key] = entries.count; entries.append((key, value)) }
        }
        for (key, value) in entries {
            set.add("node_memory_" + key, key.hasSuffix("_total") ? .counter : .gauge,
                    "Memory information field \(key).", value)
        }
    }

    /// `Active(anon)` → `Active_anon`: the outermost parenthesised part becomes `_` + its content.
    func meminfoKey(_ name: Substring) -> String {
        guard let open = name.firstIndex(of: "("), let close = name.lastIndex(of: ")"), open < close else {
            return String(name)
        }
        return String(name[..<open]) + "_" + String(name[name.index(after: open)..<close])
            + String(name[name.index(after: close)...])
    }

    /// The /proc/vmstat fields node_exporter exposes by default (its `--collector.vmstat.fields`
    /// default `^(oom_kill|pgpg|pswp|pg.*fault).*`), untyped, one family each.
    func collectVmstat(into set: inout HostMetricSet) throws {
        let path = procFile("vmstat")
        let text = try readHostFile(path)
        for line in hostLines(text) {
            let fields = hostFields(line)
            guard fields.count >= 2 else {
                throw HostCollectorError(path: path, message: "invalid line: \(line)")
            }
            guard let value = Double(fields[1]) else {
                throw HostCollectorError(path: path, message: "\(fields[0]) is not a number: \(fields[1])")
            }
            let name = fields[0]
            guard isDefaultVmstatField(name) else { continue }
            set.add("node_vmstat_\(name)", .untyped, "/proc/vmstat information field \(name).", value)
        }
    }

    func isDefaultVmstatField(_ name: Substring) -> Bool {
        if name.hasPrefix("oom_kill") || name.hasPrefix("pgpg") || name.hasPrefix("pswp") { return true }
        guard name.hasPrefix("pg") else { return false }
        // `pg.*fault`: "fault" anywhere after the "pg", searched bytewise.
        let bytes = Array(name.utf8.dropFirst(2))
        let fault = Array("fault".utf8)
        guard bytes.count >= fault.count else { return false }
        for start in 0...(bytes.count - fault.count) where bytes[start..<start + fault.count].elementsEqual(fault) {
            return true
        }
        return false
    }
}
