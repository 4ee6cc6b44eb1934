// libFuzzer target for the exposition parsers and gzip. Not part of the SwiftPM package:
// scripts/fuzz-exposition.sh compiles this file together with Sources/Ingest/Exposition/*.swift into one module.
//
// Every input is parsed as Prometheus text 0.0.4 and as OpenMetrics, and fed to the gzip decoder (whose
// output, when accepted, is parsed too). Besides "never crash, never read out of bounds" (ASan), it checks
// that whatever is accepted is consistent: line numbers advance, series text is one line, labels() is sorted,
// unique, has __name__ and re-parses to the same labels, and the value re-parses to the same bits. Parsing
// again while expecting the series texts of the first pass (in order, and shifted by one, as a scrape that
// predicts each line from the previous scrape does) gives exactly the same samples and errors.

import Foundation
import OspreyCore

/// Small enough that one run cannot allocate much; larger than every seed.
let fuzzGzipOutputBytesMax = 1 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func expositionFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    checkParse(input, .prometheusText)
    checkParse(input, .openMetrics)
    checkExpecting(input, .prometheusText)
    checkExpecting(input, .openMetrics)

    if let plain = try? Gzip.decompress(input, limit: fuzzGzipOutputBytesMax) {
        precondition(plain.count <= fuzzGzipOutputBytesMax, "gzip output over its limit")
        checkParse(plain, .prometheusText)
        checkParse(plain, .openMetrics)
    }
    let compressed = Gzip.compress(input)
    precondition(Gzip.isGzip(compressed), "compress wrote no gzip magic")
    precondition((try? Gzip.decompress(compressed, limit: input.count)) == input, "gzip round trip changed \(input.count) bytes")
    if input.count > 0 {
        precondition((try? Gzip.decompress(compressed, limit: input.count - 1)) == nil, "gzip limit not enforced")
        precondition((try? Gzip.decompress(Array(compressed.dropLast()), limit: input.count)) == nil, "truncated gzip accepted")
    }
    return 0
}

func checkParse(_ bytes: [UInt8], _ format: ExpositionFormat) {
    let lineCount = bytes.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    var parser = ExpositionParser(bytes, format: format)
    var lastLine = 0
    do {
        while try parser.next() {
            precondition(parser.line > lastLine && parser.line <= lineCount, "line \(parser.line) after \(lastLine) of \(lineCount)")
            lastLine = parser.line
            let text = bytes[parser.seriesRange]
            precondition(!text.isEmpty && !text.contains(0x0A), "series text is empty or spans lines")
            precondition(!parser.value.isNaN || parser.value.bitPattern == normalNaN.bitPattern, "NaN value without the normal NaN bits")
            if format == .prometheusText, let ts = parser.timestamp { precondition(ts >= 0, "negative 0.0.4 timestamp") }
            guard let labels = try? parser.labels() else { continue }
            checkLabels(labels, nameBytes: Array(bytes[parser.nameRange]))
            precondition((try? parser.labels()) == labels, "labels() is not repeatable")
            checkReparse(labels, parser.value)
        }
    } catch {
        precondition(error.line >= 1 && error.line <= lineCount, "error names line \(error.line) of \(lineCount): \(error)")
        precondition(!error.message.isEmpty, "error without a message")
    }
    for (name, _) in parser.metadata {
        precondition(parser.metadata(forFamily: name) != nil, "metadata lookup misses \(name)")
    }
}

/// What one parse produced: each sample as text (series, labels, value bits, timestamp, exemplar), then the error.
func parseRecords(_ bytes: [UInt8], _ format: ExpositionFormat, expecting: [([UInt8], Int)],
                  previousMetadata: [(name: String, MetricMetadata)] = [])
    -> (records: [String], series: [([UInt8], Int)], metadata: [(name: String, MetricMetadata)]) {
    var parser = ExpositionParser(bytes, format: format, previousMetadata: previousMetadata)
    var records: [String] = []
    var series: [([UInt8], Int)] = []
    var k = 0
    do {
        while true {
            let more: Bool
            if k < expecting.count {
                let (raw, nameCount) = expecting[k]
                more = try raw.withUnsafeBufferPointer { try parser.next(expecting: $0, nameCount: nameCount) }
            } else {
                more = try parser.next()
            }
            guard more else { break }
            k += 1
            let labels = (try? parser.labels()).map { "\($0)" } ?? "labels error"
            records.append("\(parser.line) \(Array(bytes[parser.seriesRange])) \(labels) \(parser.value.bitPattern) \(String(describing: parser.timestamp)) \(String(describing: parser.exemplar)) \(parser.family)")
            series.append((Array(bytes[parser.seriesRange]), parser.nameRange.count))
        }
    } catch {
        records.append("error \(error)")
    }
    records.append("metadata \(parser.metadata.map { "\($0.name) \($0.1)" })")
    return (records, series, parser.metadata)
}

func checkExpecting(_ bytes: [UInt8], _ format: ExpositionFormat) {
    let plain = parseRecords(bytes, format, expecting: [])
    let same = parseRecords(bytes, format, expecting: plain.series, previousMetadata: plain.metadata)
    precondition(same.records == plain.records, "expecting the same series changed the parse:\n\(plain.records)\n\(same.records)")
    if plain.series.count > 1 {
        let shifted = parseRecords(bytes, format, expecting: Array(plain.series.dropFirst()),
                                   previousMetadata: Array(plain.metadata.dropFirst()))
        precondition(shifted.records == plain.records, "expecting shifted series changed the parse:\n\(plain.records)\n\(shifted.records)")
    }
}

/// Sorted by name bytes, unique, no empty values, valid names, `__name__` equal to the metric name.
func checkLabels(_ labels: Labels, nameBytes: [UInt8]) {
    let list = labels.labels
    for (a, b) in zip(list, list.dropFirst()) {
        precondition(a.name.utf8.lexicographicallyPrecedes(b.name.utf8), "labels not sorted and unique: \(labels)")
    }
    precondition(labels.metricName.map { Array($0.utf8) } == nameBytes, "__name__ missing or not the metric name")
    for label in list {
        precondition(!label.value.isEmpty, "empty label value kept")
        let name = Array(label.name.utf8)
        precondition(!name.isEmpty && !isDigit(name[0]), "bad label name \(label.name)")
        precondition(name.allSatisfy { isMetricNameChar($0) }, "bad label name \(label.name)")
    }
}

/// Writing the labels and value back as 0.0.4 text and parsing it gives the same labels and value bits.
func checkReparse(_ labels: Labels, _ value: Double) {
    var line = labels.metricName ?? ""
    let rest = labels.labels.filter { $0.name != Labels.metricNameLabel }
    line += "{" + rest.map { label in
        let escaped = label.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\(label.name)=\"\(escaped)\""
    }.joined(separator: ",") + "} \(formatPrometheusFloat(value))\n"
    var again = ExpositionParser(Array(line.utf8), format: .prometheusText)
    guard (try? again.next()) == true, let relabels = try? again.labels() else {
        preconditionFailure("re-rendered line does not parse: \(line.debugDescription)")
    }
    precondition(relabels == labels, "labels changed on re-parse: \(labels) vs \(relabels)")
    precondition(again.value.bitPattern == value.bitPattern, "value \(value) re-parsed as \(again.value)")
}

/// With OSPREY_FUZZ_WRITE_SEEDS=<dir> set, writes the seed corpus there and exits (the script runs this once).
@_cdecl("LLVMFuzzerInitialize")
public func expositionFuzzInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let dir = ProcessInfo.processInfo.environment["OSPREY_FUZZ_WRITE_SEEDS"] else { return 0 }
    for (name, text) in expositionSeeds {
        for (suffix, bytes) in [("", Array(text.utf8)), (".gz", Gzip.compress(Array(text.utf8)))] {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name + suffix)
            do {
                try Data(bytes).write(to: url)
            } catch {
                FileHandle.standardError.write(Data("cannot write seed \(url.path): \(error)\n".utf8))
                exit(1)
            }
        }
    }
    exit(0)
}

let expositionSeeds: [(String, String)] = [
    ("text.prom", """
        # HELP http_requests_total The total number of HTTP requests.\\n\\\\ escaped
        # TYPE http_requests_total counter
        http_requests_total{method="post",code="200"} 1027 1395066363000
        http_requests_total{method="post",code="400"}    3 1395066363000
          # a comment
        msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
        metric_without_timestamp_and_labels 12.47
        something_weird{problem="division by zero"} +Inf -3982045
        # TYPE rpc_duration_seconds summary
        rpc_duration_seconds{quantile="0.01",} 3102
        rpc_duration_seconds_sum 1.7560473e+07
        rpc_duration_seconds_count 2693
        # TYPE h histogram
        h_bucket { le = "0.05" } 24054
        h_bucket{le="+Inf" b="ü"} NaN
        h_sum 53423
        h_count 144320

        """),
    ("openmetrics.om", """
        # TYPE acme_http_router_request_seconds summary
        # UNIT acme_http_router_request_seconds seconds
        # HELP acme_http_router_request_seconds Latency \\"quoted\\".
        acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
        acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
        acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
        # TYPE foo counter
        foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67 1520879602.1
        # TYPE lat histogram
        lat_bucket{le="0.5"} 3 # {} 0.1
        lat_bucket{le="+Inf"} 4
        lat_count 4
        lat_sum 1.5
        # TYPE g gaugehistogram
        g_bucket{le="+Inf"} 1
        g_gcount 1
        g_gsum 2
        # TYPE s stateset
        s{s="a"} 1
        # TYPE i info
        i_info{v="1"} 1
        # EOF

        """),
    ("bad.om", "# TYPE foo counter\nfoo 1\nbar{a=\"\\t\"} 1\n# EOF\nx\n"),
]
