import OspreyCore

/// node_exporter's cpu, cpufreq, schedstat, softnet, loadavg, stat, pressure and hwmon families.
extension HostBuilder {
    mutating func cpu() {
        let ticks = 1500.0  // USER_HZ × 15 s: one CPU's ticks per scrape
        for c in 0..<cpus {
            let cpu = ("cpu", "\(c)")
            let u = min(0.95, util * rng.uniform(0.6, 1.4))
            let modes: [(String, Double, Double)] = [
                ("idle", ticks * (1 - u) - 6, 0.05), ("iowait", 5, 0.8), ("irq", 0.6, 1), ("nice", 0.2, 1),
                ("softirq", ticks * u * 0.04, 0.5), ("steal", 0, 0), ("system", ticks * u * 0.25, 0.3),
                ("user", ticks * u * 0.7, 0.3),
            ]
            for (mode, inc, cv) in modes {
                if inc == 0 {
                    constant("node_cpu_seconds_total", [cpu, ("mode", mode)], 0)
                } else {
                    counter("node_cpu_seconds_total", [cpu, ("mode", mode)], perScrape: inc, div: 100, cv: cv, pIdle: inc < 1 ? 0.7 : 0)
                }
            }
            constant("node_cpu_guest_seconds_total", [cpu, ("mode", "guest")], 0)
            constant("node_cpu_guest_seconds_total", [cpu, ("mode", "guest_nice")], 0)
            gauge("node_cpu_scaling_frequency_hertz", [cpu], center: 2_200_000, rel: 0.6, stepRel: 0.3, mul: 1000, pHold: 0.3)
            constant("node_cpu_scaling_frequency_max_hertz", [cpu], 3.6e9)
            constant("node_cpu_scaling_frequency_min_hertz", [cpu], 8e8)
            counter("node_schedstat_running_seconds_total", [cpu], perScrape: 15e9 * u, div: 1e9, cv: 0.3)
            counter("node_schedstat_waiting_seconds_total", [cpu], perScrape: 15e9 * u * 0.05, div: 1e9, cv: 0.6)
            counter("node_schedstat_timeslices_total", [cpu], perScrape: 15 * 300 * (u + 0.1), cv: 0.3)
            counter("node_softnet_processed_total", [cpu], perScrape: 15 * 800 * u, cv: 0.5)
            constant("node_softnet_dropped_total", [cpu], 0)
            counter("node_softnet_times_squeezed_total", [cpu], perScrape: 1, cv: 1, pIdle: 0.9)
        }
        for (name, center) in [("node_load1", 1.0), ("node_load5", 1.0), ("node_load15", 1.0)] {
            let load = max(1, Double(cpus) * util * center * 100)
            gauge(name, center: load, rel: 0.7, stepRel: name == "node_load1" ? 0.1 : 0.02, div: 100)
        }
        counter("node_context_switches_total", perScrape: 15 * 3000 * Double(cpus) * (util + 0.05))
        counter("node_intr_total", perScrape: 15 * 2000 * Double(cpus) * (util + 0.05))
        counter("node_forks_total", perScrape: 15 * 20, cv: 0.8)
        gauge("node_procs_running", center: Double(cpus) * util + 2, rel: 0.8, stepRel: 0.5)
        gauge("node_procs_blocked", center: 1, rel: 1, stepRel: 1, pHold: 0.6)
        for (kind, scale) in [("cpu_waiting", 0.02), ("io_stalled", 0.002), ("io_waiting", 0.004), ("memory_stalled", 0.0), ("memory_waiting", 0.0001)] {
            if scale == 0 {
                constant("node_pressure_\(kind)_seconds_total", [], 0)
            } else {
                counter("node_pressure_\(kind)_seconds_total", perScrape: 15e6 * scale * util, div: 1e6, cv: 0.8)
            }
        }
        if rng.chance(0.6) {  // physical machines have sensors
            constant("node_hwmon_chip_names", [("chip", "platform_coretemp_0"), ("chip_name", "coretemp")], 1)
            for s in 1...(cpus / 4 + 1) {
                let sensor = ("sensor", "temp\(s)"), chip = ("chip", "platform_coretemp_0")
                gauge("node_hwmon_temp_celsius", [chip, sensor], center: 45 + 30 * util, rel: 0.15, stepRel: 0.03, pHold: 0.4)
                constant("node_hwmon_temp_crit_alarm_celsius", [chip, sensor], 0)
                constant("node_hwmon_temp_crit_celsius", [chip, sensor], 100)
                constant("node_hwmon_temp_max_celsius", [chip, sensor], 84)
                constant("node_hwmon_sensor_label", [chip, ("label", s == 1 ? "package_id_0" : "core_\(s - 2)"), sensor], 1)
            }
            gauge("node_thermal_zone_temp", [("type", "x86_pkg_temp"), ("zone", "0")], center: 45_000 + 30_000 * util, rel: 0.15, stepRel: 0.03, div: 1000)
        }
    }
}
