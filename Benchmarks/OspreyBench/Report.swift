import Foundation

/// One line of the result table: a figure for each server, lower is better.
struct Row {
    let name: String
    let osprey: Double?
    let prometheus: Double?
    /// Osprey ÷ Prometheus must be at most this; nil for rows that are context, not targets.
    let targetRatioMax: Double?
    let format: String

    var ratio: Double? {
        guard let o = osprey, let p = prometheus, p > 0 else { return nil }
        return o / p
    }

    var verdict: String {
        guard let target = targetRatioMax else { return "" }
        guard let ratio else { return "≤ \(String(format: "%.2f", target))×" }
        return "≤ \(String(format: "%.2f", target))×  " + (ratio <= target ? "met" : "MISSED")
    }
}

func rows(wide: [ServerKind: RunResult], long: [ServerKind: RunResult]) -> [Row] {
    func row(_ name: String, _ results: [ServerKind: RunResult], target: Double? = nil, format: String = "%.3f",
             _ value: (RunResult) -> Double?) -> Row {
        func figure(_ kind: ServerKind) -> Double? { results[kind].flatMap { $0.completed ? value($0) : nil } }
        return Row(name: name, osprey: figure(.osprey), prometheus: figure(.prometheus),
            targetRatioMax: target, format: format)
    }
    var out: [Row] = []
    if !wide.isEmpty {
        out.append(row("wide: CPU s per 1M samples ingested", wide, target: 0.5) { $0.cpuPerMillion })
        out.append(row("wide: RSS bytes per active series", wide, target: 0.5, format: "%.0f") { $0.rssPerSeries })
        out.append(row("wide: RSS growth from empty server, bytes per series", wide, format: "%.0f") { $0.marginalRSSPerSeries })
        out.append(row("wide: RSS of the empty server, MiB", wide, format: "%.1f") { Double($0.idleRSSBytes) / 1_048_576 })
        out.append(row("wide: ingest wall time, s", wide, format: "%.1f") { $0.ingest.wallSeconds })
        out.append(row("wide: peak RSS (VmHWM), MiB", wide, format: "%.1f") { Double($0.peakRSSBytes) / 1_048_576 })
    }
    if !long.isEmpty {
        out.append(row("long: bytes per sample (snapshot after compaction)", long, target: 0.6) { $0.snapshotBytesPerSample })
        out.append(row("long: CPU s per 1M samples ingested", long) { $0.cpuPerMillion })
        out.append(row("long: CPU s per 1M samples, ingest + compaction", long) { r in
            r.compactionCPUSeconds.map { (r.ingestCPUSeconds + $0) / Double(r.samples) * 1e6 }
        })
        out.append(row("long: ingest wall time, s", long, format: "%.1f") { $0.ingest.wallSeconds })
        out.append(row("long: data dir bytes per sample (blocks + WAL)", long) { Double($0.dataDirBytes) / Double($0.samples) })
        out.append(row("long: data dir total, MiB", long, format: "%.1f") { Double($0.dataDirBytes) / 1_048_576 })
        out.append(row("long: RSS bytes per series after ingest", long, format: "%.0f") { $0.rssPerSeries })
        out.append(row("long: blocks after compaction", long, format: "%.0f") { Double($0.blockCount) })
    }
    return out
}

func renderTable(_ rows: [Row]) -> String {
    let header = ["figure (lower is better)", "Osprey", "Prometheus", "ratio", "target"]
    var lines: [[String]] = [header]
    for r in rows {
        lines.append([r.name, r.osprey.map { String(format: r.format, $0) } ?? "–",
                      r.prometheus.map { String(format: r.format, $0) } ?? "–",
                      r.ratio.map { String(format: "%.2f×", $0) } ?? "–", r.verdict])
    }
    let widths = (0..<header.count).map { c in lines.map { $0[c].count }.max()! }
    func render(_ cells: [String]) -> String {
        "| " + cells.enumerated().map { c, s in c == 0 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            : String(repeating: " ", count: widths[c] - s.count) + s }.joined(separator: " | ") + " |"
    }
    var out = [render(lines[0])]
    out.append("|" + widths.enumerated().map { c, w in c == 0 ? String(repeating: "-", count: w + 2) : String(repeating: "-", count: w + 1) + ":" }.joined(separator: "|") + "|")
    for l in lines.dropFirst() { out.append(render(l)) }
    return out.joined(separator: "\n")
}
