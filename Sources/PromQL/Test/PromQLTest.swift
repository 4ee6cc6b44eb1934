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
        public var skipped = 0
        public init() {}
    }

    public init() {}

    /// Runs every command of one script; `name` is used in failure locations.
    public func run(script: String, name: String) async -> Report {
        var report = Report()
        let querier = MemoryQuerier()
        let engine = Engine(querier: querier, options: { var o = EngineOptions(); o.maxSamples = 50_000_000; return o }())
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.hasPrefix("#") ? "" : t
        }
        var i = 0
        while i < lines.count {
            let line = lines[i]
            let lineNo = i + 1
            if line.isEmpty { i += 1; continue }
            let word = line.split(separator: " ").first.map(String.init)?.lowercased() ?? ""
            if word == "clear" {
                querier.clear()
                i += 1
            } else if word == "load" || word == "load_with_nhcb" {
                var block: [(Int, String)] = []
                i += 1
                while i < lines.count && !lines[i].isEmpty { block.append((i + 1, lines[i])); i += 1 }
                do {
                    let skippedHistograms = try load(header: line, block, into: querier)
                    _ = skippedHistograms
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
                    if let problem = await c.run(engine) {
                        report.failed.append(Failure(file: name, line: lineNo, query: c.query, message: problem))
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

    /// Loads a `load <step>` block; native-histogram series are left out. Returns how many were left out.
    private func load(header: String, _ block: [(Int, String)], into querier: MemoryQuerier) throws -> Int {
        let parts = header.split(separator: " ")
        guard parts.count == 2 else { throw SeriesDescription.ParseError(description: "expected load <step>") }
        let step = try OspreyCore.Duration.parseMs(String(parts[1]))
        var skipped = 0
        for (lineNo, text) in block {
            if let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }), text[..<space].hasSuffix("@st") {
                continue
            }
            if text.contains("{{") { skipped += 1; continue }
            do {
                let (labels, values) = try SeriesDescription.parse(text)
                var samples: [Sample] = []
                for (k, v) in values.enumerated() {
                    if case .value(let f) = v { samples.append(Sample(Int64(k) * step, f)) }
                }
                querier.add(labels, samples)
            } catch {
                throw SeriesDescription.ParseError(description: "line \(lineNo): \(error)")
            }
        }
        return skipped
    }
}
