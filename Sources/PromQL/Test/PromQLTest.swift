import Foundation
import MetricStore
import OspreyCore

/// Runs promqltest scripts (Prometheus's `load`/`eval` test language) against Osprey's engine.
public struct PromQLTestRunner {
    /// One failing case: where, what ran, what was expected and what came back.
    public struct Failure: Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var query: String
        public var message: String
        public var description: String { "\(file):\(line): \(query)\n    \(message)" }
    }

    public struct Report: Sendable {
        public var passed = 0
        public var failed: [Failure] = []
        /// Cases needing native histograms (not evaluated by this version).
        public var skipped = 0
        /// Cases over data with start timestamps, run on a backend that cannot store them (counted apart from
        /// `skipped`; in process they run).
        public var skippedNoStartTimestamps = 0
        public init() {}
    }

    public init() {}

    /// Runs every command of one script; `name` is used in failure locations.
    public func run(script: String, name: String) async -> Report {
        await run(script: script, name: name, backend: nil)
    }

    /// Runs a script whose eval queries go to `backend` (a server over HTTP, say); data goes to it too. The engine
    /// in process still tells which failing cases read native-histogram series, which are skipped.
    public func run(script: String, name: String, backend: (any PromQLTestBackend)?) async -> Report {
        var report = Report()
        let querier = MemoryQuerier()
        let engine = Engine(querier: querier, options: { var o = EngineOptions(); o.maxSamples = 50_000_000; return o }())
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("#") ? "" : t
        }
        var i = 0
        var dataHasStartTimestamps = false
        while i < lines.count {
            let line = lines[i]
            let lineNo = i + 1
            if line.isEmpty { i += 1; continue }
            let word = line.split(separator: " ").first.map(String.init)?.lowercased() ?? ""
            if word == "clear" {
                querier.clear()
                dataHasStartTimestamps = false
                do { try await backend?.clear() } catch {
                    report.failed.append(Failure(file: name, line: lineNo, query: line, message: "clear failed: \(error)"))
                }
                i += 1
            } else if word == "load" || word == "load_with_nhcb" {
                var block: [(Int, String)] = []
                i += 1
                while i < lines.count && !lines[i].isEmpty { block.append((i + 1, lines[i])); i += 1 }
                if block.contains(where: { $0.1.contains("@st") }) { dataHasStartTimestamps = true }
                do {
                    let loaded = try load(header: line, block, into: querier)
                    try await backend?.load(loaded)
                } catch {
                    report.failed.append(Failure(file: name, line: lineNo, query: line, message: "load failed: \(error)"))
                }
            } else if word.hasPrefix("eval") {
                var block: [(Int, String)] = []
                i += 1
                while i < lines.count && !lines[i].isEmpty { block.append((i + 1, lines[i])); i += 1 }
                do {
                    let c = try EvalCase.parse(header: line, line: lineNo, block)
                    if c.usesNativeHistograms {
                        report.skipped += 1
                        continue
                    }
                    if let backend, dataHasStartTimestamps, !backend.storesStartTimestamps {
                        report.skippedNoStartTimestamps += 1
                        continue
                    }
                    let nativeReadsBefore = querier.nativeHistogramReads
                    let local = EngineTestBackend(engine: engine)
                    let outcome = await c.run(backend ?? local)
                    // Whether the case reads native histograms is seen in process.
                    if outcome != nil, backend != nil { _ = await c.run(local) }
                    if let problem = outcome {
                        if querier.nativeHistogramReads != nativeReadsBefore {
                            // The query read a native-histogram series, which this runner cannot load.
                            report.skipped += 1
                        } else {
                            report.failed.append(Failure(file: name, line: lineNo, query: c.query, message: problem))
                        }
                    } else {
                        report.passed += 1
                    }
                } catch EvalCase.Skip.nativeHistogram {
                    report.skipped += 1
                } catch {
                    report.failed.append(Failure(file: name, line: lineNo, query: line, message: "\(error)"))
                }
            } else {
                report.failed.append(Failure(file: name, line: lineNo, query: line, message: "unknown command \(word)"))
                i += 1
            }
        }
        return report
    }

    /// Loads a `load <step>` block. A `metric{…}@st <offsets>` line gives the start timestamps (as offsets from
    /// each sample's time) of the sample line that follows it. Native-histogram samples are recorded aside.
    /// `load_with_nhcb` also turns each classic histogram (`x_bucket`, `x_count`, `x_sum`) into a native
    /// histogram with custom buckets named `x`: the float series are loaded and `x` is recorded as native.
    @discardableResult
    private func load(header: String, _ block: [(Int, String)], into querier: MemoryQuerier) throws -> [SeriesSamples] {
        var loaded: [SeriesSamples] = []
        let parts = header.split(separator: " ")
        guard parts.count == 2 else { throw SeriesDescription.ParseError(description: "expected load <step>") }
        let step = try OspreyCore.Duration.parseMs(String(parts[1]))
        let withNHCB = parts[0].lowercased() == "load_with_nhcb"
        var pending: (line: Int, labels: Labels, offsets: [Int64?])?
        for (lineNo, text) in block {
            do {
                if let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }), text[..<space].hasSuffix("@st") {
                    if let p = pending { throw SeriesDescription.ParseError(description: "@st line \(p.line) has no following sample line") }
                    var i = 0
                    let labels = try SeriesDescription.parseLabels(Array(text[..<space].dropLast(3)), &i)
                    pending = (lineNo, labels, try StartOffsets.parse(String(text[space...])))
                    continue
                }
                let (labels, values) = try SeriesDescription.parse(text)
                var offsets: [Int64?]?
                if let p = pending {
                    guard p.labels == labels else { throw SeriesDescription.ParseError(description: "@st metric does not match the following sample line metric") }
                    guard p.offsets.count == values.count else {
                        throw SeriesDescription.ParseError(description: "@st line has \(p.offsets.count) values but sample line has \(values.count)")
                    }
                    offsets = p.offsets
                    pending = nil
                }
                var samples: [Sample] = []
                var starts: [Int64] = []
                var natives: [Int64] = []
                for (k, v) in values.enumerated() {
                    let t = Int64(k) * step
                    switch v {
                    case .value(let f):
                        samples.append(Sample(t, f))
                        starts.append(offsets?[k].map { t + $0 } ?? 0)
                    case .native: natives.append(t)
                    case .omitted: break
                    }
                }
                querier.add(labels, samples, startTimestamps: starts)
                loaded.append(SeriesSamples(labels: labels, samples: samples))
                if withNHCB, !samples.isEmpty, let name = labels.metricName, let base = classicHistogramBase(name) {
                    // `load_with_nhcb` also stores each classic histogram as a native one named without the suffix.
                    let nhcb = labels.removing(["le"]).setting(Labels.metricNameLabel, base)
                    querier.addNativeHistograms(nhcb, at: samples.map(\.t))
                }
                if !natives.isEmpty { querier.addNativeHistograms(labels, at: natives) }
            } catch {
                throw SeriesDescription.ParseError(description: "line \(lineNo): \(error)")
            }
        }
        if let p = pending { throw SeriesDescription.ParseError(description: "line \(p.line): @st line has no following sample line") }
        return loaded
    }
}

/// `x` for `x_bucket`, `x_count` or `x_sum`: the name of the native histogram `load_with_nhcb` makes.
private func classicHistogramBase(_ name: String) -> String? {
    for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) && name.count > suffix.count {
        return String(name.dropLast(suffix.count))
    }
    return nil
}

/// The offsets of a `@st` line: `_`, `_xN`, `<dur>`, `<dur>xN`, `<dur>+<dur>xN`, `<dur>-<dur>xN` (durations may be
/// signed: `-1m`, `+30s`, `-59999ms`). nil marks an omitted (unknown) start.
enum StartOffsets {
    static func parse(_ text: String) throws -> [Int64?] {
        var out: [Int64?] = []
        for token in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let item = Substring(token)
            if item == "_" { out.append(nil); continue }
            if item.hasPrefix("_x") {
                guard let n = Int(item.dropFirst(2)), n > 0 else { throw SeriesDescription.ParseError(description: "invalid repeat count in \(item)") }
                out += Array(repeating: nil, count: n)
                continue
            }
            var rest = item
            let base = try duration(&rest)
            if rest.isEmpty { out.append(base); continue }
            var delta: Int64 = 0
            if rest.first == "+" || rest.first == "-" {
                let negative = rest.first == "-"
                rest = rest.dropFirst()
                delta = try duration(&rest) * (negative ? -1 : 1)
            }
            guard rest.first == "x", let n = Int(rest.dropFirst()) else {
                throw SeriesDescription.ParseError(description: "invalid @st item \(item): expected x<count>")
            }
            for k in 0...n { out.append(base + Int64(k) * delta) }
        }
        return out
    }

    /// A signed duration at the front of `s` (unit letters stop at `x`, the repeat separator).
    private static func duration(_ s: inout Substring) throws -> Int64 {
        var negative = false
        if s.first == "-" || s.first == "+" { negative = s.first == "-"; s = s.dropFirst() }
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { throw SeriesDescription.ParseError(description: "expected a duration at \(s)") }
        s = s.dropFirst(digits.count)
        let unit = s.prefix { $0.isASCII && $0.isLetter && $0 != "x" }
        s = s.dropFirst(unit.count)
        let ms = unit.isEmpty && Int64(digits) == 0 ? 0 : try OspreyCore.Duration.parseMs(String(digits + unit))
        return negative ? -ms : ms
    }
}
