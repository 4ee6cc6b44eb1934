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
        var nativeNames = Set<String>()
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
                    nativeNames.formUnion(try load(header: line, block, into: querier))
                } catch {
                    report.failed.append(Failure(file: name, line: lineNo, query: line, message: "load failed: \(error)"))
                }
            } else if word.hasPrefix("eval") {
                var block: [(Int, String)] = []
                i += 1
                while i < lines.count && !lines[i].isEmpty { block.append((i + 1, lines[i])); i += 1 }
                do {
                    let c = try EvalCase.parse(header: line, line: lineNo, block)
                    if c.usesNativeHistograms || mentions(c.query, nativeNames) {
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

    /// True when `query` names one of `names` as a whole word.
    private func mentions(_ query: String, _ names: Set<String>) -> Bool {
        let words = query.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }.map(String.init)
        return words.contains { names.contains($0) }
    }

    /// Loads a `load <step>` block; native-histogram series are left out. Returns the metric names left out.
    private func load(header: String, _ block: [(Int, String)], into querier: MemoryQuerier) throws -> Set<String> {
        let parts = header.split(separator: " ")
        guard parts.count == 2 else { throw SeriesDescription.ParseError(description: "expected load <step>") }
        let step = try OspreyCore.Duration.parseMs(String(parts[1]))
        var skipped = Set<String>()
        for (lineNo, text) in block {
            if let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }), text[..<space].hasSuffix("@st") {
                continue
            }
            if text.contains("{{") {
                var i = 0
                if let labels = try? SeriesDescription.parseLabels(Array(text), &i), let name = labels.metricName {
                    skipped.insert(name)
                }
                continue
            }
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
