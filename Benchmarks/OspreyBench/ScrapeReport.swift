import Foundation

/// `--only parse`: parsing throughput in process, then both servers scraping one target serving the same
/// payload (the Prometheus reference: Prometheus has no standalone parser). Returns the problems found.
func runParseSection(_ o: Options, workDir: String) -> [String] {
    let payloadBytes = ScrapePayload(shard: 0, seriesCount: o.parseSeries).render(at: 0).count
    print("\nparse: one \(o.parseSeries)-series payload (0.0.4 text, \(payloadBytes) bytes), one thread, CPU of that thread")
    progress("parse: \(o.parseSeries) series, \(o.parseRounds) warm rounds")
    let figures: [ParseFigure]
    do { figures = try runParseBenchmark(seriesCount: o.parseSeries, rounds: o.parseRounds) } catch {
        print("parse benchmark failed: \(error)")
        return ["[parse] \(error)"]
    }
    let header = ["Osprey, in process (no HTTP, no store)", "samples", "CPU s", "samples per CPU s", "ns per sample"]
    var table: [[String]] = [header]
    for f in figures {
        table.append([f.name, String(f.samples), String(format: "%.3f", f.cpuSeconds),
                      String(format: "%.0f", f.samplesPerCPUSecond), String(format: "%.0f", f.nsPerSample)])
    }
    print(renderCells(table))

    let setup = ScrapeSetup(name: "parse-reference", targets: 1, seriesPerTarget: o.parseSeries, intervalS: o.parseReferenceIntervalS,
                            warmupIntervals: 3, measuredIntervals: o.parseReferenceIntervals, idleSeconds: o.idleSeconds)
    let run = runScrapeBenchmark(setup, o, workDir: workDir)
    print("\nparse reference: both servers scrape one target serving the same \(o.parseSeries)-series payload every \(setup.intervalS) s,"
          + " \(setup.measuredIntervals) scrapes measured; whole server process (HTTP, parse, series lookup, TSDB append, WAL)")
    var ref: [[String]] = [["end to end, whole server process", "samples", "CPU s", "samples per CPU s", "ns per sample", "ns per sample, idle CPU taken out"]]
    for kind in ServerKind.allCases {
        guard let r = run.servers[kind], r.completed else { continue }
        let net = r.cpuPerMillionNet(window: setup.windowSeconds) * 1e3
        ref.append(["\(kind.rawValue), scraping", String(r.samples), String(format: "%.3f", r.cpuSeconds),
                    String(format: "%.0f", Double(r.samples) / r.cpuSeconds), String(format: "%.0f", r.cpuPerMillion * 1e3),
                    String(format: "%.0f", net)])
    }
    print(renderCells(ref))
    for kind in ServerKind.allCases {
        if let r = run.servers[kind] {
            print(String(format: "  %@ idle: %.4f CPU s per s (%.0f%% of its CPU in the window)", kind.rawValue, r.idleCPUPerSecond,
                         100 * r.idleCPUPerSecond * setup.windowSeconds / max(r.cpuSeconds, 1e-9)))
        }
    }
    return run.problems
}

/// `--only scrape`: many targets, both servers scraping at the same time. Returns the problems found.
func runScrapeSection(_ o: Options, workDir: String) -> [String] {
    let setup = ScrapeSetup(name: "scrape", targets: o.scrapeTargets, seriesPerTarget: o.scrapeSeries, intervalS: o.scrapeIntervalS,
                            warmupIntervals: o.scrapeWarmupIntervals, measuredIntervals: o.scrapeIntervals, idleSeconds: o.idleSeconds)
    print("\nscrape: \(setup.targets) targets × \(setup.seriesPerTarget) series every \(setup.intervalS) s, both servers scraping at the same time;"
          + " \(setup.warmupIntervals) intervals warm-up, \(setup.measuredIntervals) measured (\(Int(setup.windowSeconds)) s)")
    let run = runScrapeBenchmark(setup, o, workDir: workDir)
    func row(_ name: String, target: Double? = nil, format: String = "%.3f", _ value: (ScrapeServerResult) -> Double) -> Row {
        func figure(_ kind: ServerKind) -> Double? { run.servers[kind].flatMap { $0.completed ? value($0) : nil } }
        return Row(name: name, osprey: figure(.osprey), prometheus: figure(.prometheus), targetRatioMax: target, format: format)
    }
    let w = setup.windowSeconds
    print(renderTable([
        row("scrape: CPU s per 1M samples ingested", target: 0.5) { $0.cpuPerMillion },
        row("scrape: CPU s per 1M samples, idle CPU taken out") { $0.cpuPerMillionNet(window: w) },
        row("scrape: samples ingested in the window", format: "%.0f") { Double($0.samples) },
        row("scrape: CPU s in the window", format: "%.2f") { $0.cpuSeconds },
        row("scrape: idle CPU s per s (no targets)", format: "%.4f") { $0.idleCPUPerSecond },
        row("scrape: RSS at the end, MiB", format: "%.1f") { Double($0.rssBytes) / 1_048_576 },
        row("scrape: peak RSS (VmHWM), MiB", format: "%.1f") { Double($0.peakRSSBytes) / 1_048_576 },
    ]))
    print(String(format: "  expected %d samples in the window; target server: %d requests, %.1f CPU s (not counted); other processes %.1f CPU s",
                 setup.expectedSamples, run.targetRequests, run.targetServerCPUSeconds, run.otherCPUSeconds))
    return run.problems
}

/// A left-aligned first column and right-aligned figures, as `renderTable` draws them.
func renderCells(_ lines: [[String]]) -> String {
    let columns = lines[0].count
    let widths = (0..<columns).map { c in lines.map { $0[c].count }.max()! }
    func render(_ cells: [String]) -> String {
        "| " + cells.enumerated().map { c, s in c == 0 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            : String(repeating: " ", count: widths[c] - s.count) + s }.joined(separator: " | ") + " |"
    }
    var out = [render(lines[0])]
    out.append("|" + widths.enumerated().map { c, w in c == 0 ? String(repeating: "-", count: w + 2) : String(repeating: "-", count: w + 1) + ":" }.joined(separator: "|") + "|")
    for l in lines.dropFirst() { out.append(render(l)) }
    return out.joined(separator: "\n")
}
