// osprey-bench: Osprey against the real Prometheus, one after the other on the same machine, on
// byte-identical remote write requests. Figures are ratios within one run (absolute times on shared
// machines are noise). See BENCHMARKS.md for what each set measures and the latest results.
//
//   wide set  ≥ 50,000 node_exporter series × 2 h at 15 s: server CPU per sample, RSS per series
//   long set  ≥ 5,000 series × 24 h: bytes per sample of a snapshot after compaction
//   parse     exposition parsing throughput in process, next to both servers scraping one target of the same payload
//   scrape    1,000 targets × 1,000 series every 15 s, scraped by both servers at the same time: CPU per sample, RSS
//   alerting  10,000 alerts in 1,000 groups with 5,000 silences, Osprey next to the real Alertmanager: time and CPU per round, RSS
//
// Every request must get a 2xx and a few series are read back and compared bit for bit; any
// problem is printed and the exit status is 1.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

signal(SIGPIPE, SIG_IGN)
let options: Options
do { options = try Options.parse(Array(CommandLine.arguments.dropFirst())) } catch {
    FileHandle.standardError.write(Data("osprey-bench: \(error)\n".utf8))
    exit(2)
}
for (kind, path) in [(ServerKind.osprey, options.ospreyBinary), (.prometheus, options.prometheusBinary)]
where options.servers.contains(kind) && !FileManager.default.isExecutableFile(atPath: path) {
    FileHandle.standardError.write(Data("osprey-bench: \(kind.rawValue) binary \(path) not found or not executable (build it: swift build -c release --product osprey)\n".utf8))
    exit(2)
}

let workDir = options.workDir ?? NSTemporaryDirectory() + "osprey-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
let machine = MachineInfo.current(prometheus: options.prometheusBinary)
print("""
    osprey-bench  \(machine.date)
    command:    \(command)
    machine:    \(machine.summary)
    Prometheus: \(machine.prometheusVersion)
    Osprey:     commit \(machine.ospreyCommit)

    """)

var results: [String: [ServerKind: RunResult]] = ["wide": [:], "long": [:]]
var problems: [String] = []
if options.benchmarks.contains(.remoteWrite) {
    let sets: [(name: String, series: Int, hours: Double, long: Bool)] =
        (options.skipWide ? [] : [("wide", options.wideSeries, options.wideHours, false)])
        + (options.skipLong ? [] : [("long", options.longSeries, options.longHours, true)])
    for set in sets {
        let workload = Workload.make(name: set.name, seriesMin: set.series, hours: set.hours, seed: options.seed,
                                     batchSeriesMax: options.batchSeriesMax, connections: options.connections,
                                     nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        let line = String(format: "%@ set: %d series on %d targets × %d scrapes = %d samples in %d requests of ≤ %d series (%.0f MiB snappy), encoded in %.1f s",
                          set.name, workload.seriesCount, workload.fleet.targets.count, workload.scrapes, workload.sampleCount,
                          workload.requestCount, workload.groups.map(\.count).max()!, Double(workload.bodyBytes) / 1_048_576, workload.encodeSeconds)
        print(line)
        progress(line)
        for kind in options.servers {
            results[set.name]![kind] = runSet(workload, kind, options, workDir: workDir, long: set.long)
        }
    }

    print("")
    print(renderTable(rows(wide: results["wide"]!, long: results["long"]!)))
    print("")
    print("ratio = Osprey ÷ Prometheus; CPU is utime+stime of the server process over the ingest, RSS is VmRSS after a \(Int(options.settleSeconds)) s settle,")
    print("bytes per sample = regular file bytes of a snapshot (head included) taken once the block set has been stable for \(Int(options.stableSeconds)) s.")
    for set in ["wide", "long"] {
        for (kind, r) in results[set]!.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print(String(format: "  %@ %@: %d requests, %.1f s wall, server CPU %.1f s ingest + %.1f s settle; during ingest the benchmark client used %.1f s CPU, other processes %.1f s",
                         set, kind.rawValue, r.ingest.requests, r.ingest.wallSeconds, r.ingestCPUSeconds, r.settleCPUSeconds,
                         r.clientCPUSeconds, r.otherCPUSeconds))
        }
    }

    problems += results.values.flatMap { $0.values.flatMap(\.problems) }
}
if options.benchmarks.contains(.parse) {
    problems += runParseSection(options, workDir: workDir)
}
if options.benchmarks.contains(.scrape) {
    problems += runScrapeSection(options, workDir: workDir)
}
if options.benchmarks.contains(.alerting) {
    problems += runAlertingSection(options, workDir: workDir)
}

if options.keep || options.perf || options.workDir != nil {
    print("work dir (logs\(options.keep ? ", data" : "")\(options.perf ? ", perf profiles" : "")): \(workDir)")
} else if problems.isEmpty {
    try? FileManager.default.removeItem(atPath: workDir)
} else {
    print("server logs: \(workDir)")
}
if !problems.isEmpty {
    print("\nFAILED: \(problems.count) problem(s); the figures above are not valid:")
    for p in problems { print("  - \(p)") }
    exit(1)
}
print("\nAll checks passed" + (options.benchmarks.contains(.remoteWrite) ? ": all requests got 2xx; series counts and spot-checked samples match on both servers." : "."))
