import Foundation
import OspreyCore
import Testing

@testable import Ingest

/// One parsed sample as the tests compare it; NaN values compare equal to NaN.
struct ParsedSample: Equatable, CustomStringConvertible {
    var labels: Labels
    var value: Double
    var timestamp: Int64?
    var exemplar: Exemplar?
    var line: Int

    init(_ labels: Labels, _ value: Double, _ timestamp: Int64? = nil, exemplar: Exemplar? = nil, line: Int = 0) {
        self.labels = labels; self.value = value; self.timestamp = timestamp; self.exemplar = exemplar; self.line = line
    }

    static func == (a: ParsedSample, b: ParsedSample) -> Bool {
        a.labels == b.labels && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
            && a.timestamp == b.timestamp && a.exemplar == b.exemplar
    }

    var description: String { "\(labels) \(value) \(timestamp.map(String.init) ?? "-") \(exemplar.map { "\($0)" } ?? "")" }
}

/// A series: metric name plus labels.
func series(_ name: String, _ labels: KeyValuePairs<String, String> = [:]) -> Labels {
    Labels([Label(Labels.metricNameLabel, name)] + labels.map { Label($0.key, $0.value) })
}

struct ParseResult {
    var samples: [ParsedSample]
    var metadata: [(name: String, MetricMetadata)]
}

/// Parses all of `text`, calling labels() on every sample.
func parseAll(_ text: String, _ format: ExpositionFormat) throws(ExpositionError) -> ParseResult {
    try parseAll(Array(text.utf8), format)
}

func parseAll(_ bytes: [UInt8], _ format: ExpositionFormat) throws(ExpositionError) -> ParseResult {
    var parser = ExpositionParser(bytes, format: format)
    var samples: [ParsedSample] = []
    while try parser.next() {
        samples.append(ParsedSample(try parser.labels(), parser.value, parser.timestamp, exemplar: parser.exemplar, line: parser.line))
    }
    #expect(try parser.next() == false, "next() after the end must stay false")
    return ParseResult(samples: samples, metadata: parser.metadata)
}

/// The error parsing `text` fails with, or nil when it parses.
func parseError(_ text: String, _ format: ExpositionFormat) -> ExpositionError? {
    parseError(Array(text.utf8), format)
}

func parseError(_ bytes: [UInt8], _ format: ExpositionFormat) -> ExpositionError? {
    do {
        _ = try parseAll(bytes, format)
        return nil
    } catch {
        return error
    }
}

/// A rejected input: the line the error must name and a part of its message.
struct RejectCase: CustomStringConvertible, Sendable {
    var input: String
    var line: Int
    var message: String
    init(_ input: String, line: Int, _ message: String) { self.input = input; self.line = line; self.message = message }
    var description: String { input.debugDescription }
}

func expectRejected(_ c: RejectCase, _ format: ExpositionFormat) {
    guard let error = parseError(c.input, format) else {
        Issue.record("accepted \(c.input.debugDescription)")
        return
    }
    #expect(error.line == c.line, "\(error)")
    #expect(error.message.contains(c.message), "\(error)")
}

// MARK: - Real peers

/// Runs python3 with `arguments`; returns its exit status and standard output.
func runPython(_ arguments: [String]) -> (status: Int32, output: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        return (-1, Data())
    }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// Whether python3 can import prometheus_client, installing it with pip once if it cannot.
let prometheusClientAvailable: Bool = {
    if runPython(["-c", "import prometheus_client"]).status == 0 { return true }
    _ = runPython(["-m", "pip", "install", "--quiet", "--root-user-action=ignore", "prometheus_client"])
    return runPython(["-c", "import prometheus_client"]).status == 0
}()

struct ExpositionTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Sample lines of a 0.0.4 or OpenMetrics payload counted independently of the parser:
/// lines that are neither blank nor comments.
func sampleLineCount(_ text: String) -> Int {
    text.split(separator: "\n").filter { line in
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return !trimmed.isEmpty && !trimmed.hasPrefix("#")
    }.count
}
