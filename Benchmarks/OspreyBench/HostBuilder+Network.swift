import OspreyCore

/// node_exporter's netdev, netclass, arp and netstat families.
extension HostBuilder {
    mutating func network() {
        var devices = ["lo", "eth0"]
        if rng.chance(0.4) { devices.append("eth1") }
        if rng.chance(0.5) {
            devices.append("docker0")
            for _ in 0..<rng.int(0...6) { devices.append("veth" + rng.hex(7)) }
        }
        for (i, d) in devices.enumerated() {
            let device = ("device", d)
            let physical = d.hasPrefix("eth")
            let bytesPerScrape = 15 * (d == "lo" ? rng.uniform(2e3, 2e5) : physical ? rng.uniform(5e4, 3e7) : rng.uniform(1e3, 1e6))
            for dir in ["receive", "transmit"] {
                let bytes = bytesPerScrape * (dir == "receive" ? 1 : rng.uniform(0.3, 1.5))
                counter("node_network_\(dir)_bytes_total", [device], perScrape: bytes, cv: 0.6)
                counter("node_network_\(dir)_packets_total", [device], perScrape: bytes / 700, cv: 0.5)
                counter("node_network_\(dir)_drop_total", [device], perScrape: 2, cv: 1, pIdle: physical ? 0.97 : 1)
                for field in ["errs", "fifo", "compressed"] { constant("node_network_\(dir)_\(field)_total", [device], 0) }
            }
            counter("node_network_receive_multicast_total", [device], perScrape: 1, cv: 1, pIdle: physical ? 0.5 : 1)
            constant("node_network_receive_frame_total", [device], 0)
            constant("node_network_receive_nohandler_total", [device], 0)
            constant("node_network_transmit_colls_total", [device], 0)
            constant("node_network_transmit_carrier_total", [device], 0)
            let mac = d == "lo" ? "00:00:00:00:00:00" : (0..<6).map { _ in rng.hex(2) }.joined(separator: ":")
            constant("node_network_info", [("address", mac), ("broadcast", d == "lo" ? "00:00:00:00:00:00" : "ff:ff:ff:ff:ff:ff"),
                                           device, ("duplex", physical ? "full" : ""), ("ifalias", ""), ("operstate", d == "lo" ? "unknown" : "up")], 1)
            constant("node_network_up", [device], d == "lo" ? 0 : 1)
            constant("node_network_mtu_bytes", [device], d == "lo" ? 65536 : 1500)
            if physical { constant("node_network_speed_bytes", [device], 1.25e9) }
            constant("node_network_carrier", [device], 1)
            constant("node_network_transmit_queue_length", [device], d == "lo" ? 1000 : 1000)
            constant("node_network_flags", [device], d == "lo" ? 9 : 4099)
            constant("node_network_iface_id", [device], Double(i + 1))
            constant("node_network_iface_link", [device], Double(i + 1))
            constant("node_network_iface_link_mode", [device], 0)
            constant("node_network_address_assign_type", [device], d.hasPrefix("veth") ? 3 : 0)
            constant("node_network_device_id", [device], 0)
            constant("node_network_dormant", [device], 0)
            constant("node_network_protocol_type", [device], d == "lo" ? 772 : 1)
            constant("node_network_net_dev_group", [device], 0)
            let changes = Double(rng.int(1...4) * 2)
            constant("node_network_carrier_changes_total", [device], changes)
            constant("node_network_carrier_up_changes_total", [device], changes / 2)
            constant("node_network_carrier_down_changes_total", [device], changes / 2)
        }
        gauge("node_arp_entries", [("device", "eth0")], center: 12, rel: 0.5, stepRel: 0.1, pHold: 0.8)
    }

    mutating func netstat() {
        let traffic = 15 * (200 + 5000 * util)
        // (field, share of `traffic` a scrape, probability of no change); share 0 is a constant 0.
        let fields: [(String, Double, Double)] = [
            ("Icmp6_InErrors", 0, 0), ("Icmp6_InMsgs", 0.001, 0.5), ("Icmp6_OutMsgs", 0.001, 0.5), ("Icmp_InErrors", 0, 0),
            ("Icmp_InMsgs", 0.001, 0.5), ("Icmp_OutMsgs", 0.001, 0.5), ("Ip6_InOctets", 20, 0), ("Ip6_OutOctets", 18, 0),
            ("IpExt_InOctets", 900, 0), ("IpExt_OutOctets", 800, 0), ("TcpExt_ListenDrops", 0, 0), ("TcpExt_ListenOverflows", 0, 0),
            ("TcpExt_SyncookiesFailed", 0, 0), ("TcpExt_SyncookiesRecv", 0, 0), ("TcpExt_SyncookiesSent", 0, 0),
            ("TcpExt_TCPSynRetrans", 0.0005, 0.8), ("TcpExt_TCPTimeouts", 0.0005, 0.7), ("Tcp_ActiveOpens", 0.02, 0.05),
            ("Tcp_InErrs", 0, 0), ("Tcp_InSegs", 1, 0), ("Tcp_OutRsts", 0.01, 0.1), ("Tcp_OutSegs", 1.1, 0), ("Tcp_PassiveOpens", 0.02, 0.05),
            ("Tcp_RetransSegs", 0.002, 0.3), ("Udp6_InDatagrams", 0.001, 0.6), ("Udp6_InErrors", 0, 0), ("Udp6_NoPorts", 0, 0),
            ("Udp6_OutDatagrams", 0.001, 0.6), ("Udp6_RcvbufErrors", 0, 0), ("Udp6_SndbufErrors", 0, 0), ("UdpLite6_InErrors", 0, 0),
            ("UdpLite_InErrors", 0, 0), ("Udp_InDatagrams", 0.05, 0.05), ("Udp_InErrors", 0, 0), ("Udp_NoPorts", 0.001, 0.8),
            ("Udp_OutDatagrams", 0.05, 0.05), ("Udp_RcvbufErrors", 0, 0), ("Udp_SndbufErrors", 0, 0),
        ]
        for (field, share, pIdle) in fields {
            if share == 0 {
                constant("node_netstat_\(field)", [], 0)
            } else {
                counter("node_netstat_\(field)", perScrape: max(1, traffic * share), cv: 0.5, pIdle: pIdle)
            }
        }
        gauge("node_netstat_Tcp_CurrEstab", center: 20 + 400 * util, rel: 0.5, stepRel: 0.05)
        constant("node_netstat_Ip_Forwarding", [], 1)
    }
}
