import Foundation
import OspreyCore

/// A streaming parser for a scrape response body in Prometheus text format 0.0.4 or OpenMetrics 1.0 text.
///
/// ```
/// var parser = ExpositionParser(body, format: .openMetrics)
/// while try parser.next() {
///     let key = body[parser.seriesRange]            // identical text -> identical series
///     let labels = cache[key] ?? (try parser.labels()) // unescaped, validated, sorted, with __name__
///     append(labels, parser.timestamp ?? scrapeTime, parser.value)
/// }
/// ```
///
/// `next()` reads one sample line and checks its syntax: metric and label names, quoting, escapes, value,
/// timestamp, exemplar, and the OpenMetrics family rules. It allocates nothing for a plain sample. What
/// only matters when a series is new — UTF-8 of label values, duplicate label names, building Strings —
/// is done by `labels()`, which a caller keyed by `seriesRange` text calls once per distinct text; an
/// error from it fails the scrape like an error from `next()`.
///
/// Accepted syntax follows Prometheus's own parsers: in 0.0.4, spaces and tabs around tokens and inside
/// the braces, optional commas between labels, blank lines and `#` comments, an integer millisecond
/// timestamp; in OpenMetrics, single spaces, no blank lines or free comments, float second timestamps
/// (truncated to milliseconds as Prometheus does), exemplars and a final `# EOF`. Both accept a trailing
/// comma in a label set and `+Inf`/`-Inf`/`NaN` (any case) values. Stricter than Prometheus: an escape
/// other than `\\`, `\"` or `\n` in a label value is an error (Prometheus keeps it verbatim), as are a
/// second TYPE or HELP for a family, TYPE after the family's samples, and, in OpenMetrics, samples
/// whose name does not fit their family's type (a counter's samples are `_total` and `_created`).
/// Quoted UTF-8 metric and label names (`{"my.metric"}`) are not supported.
///
/// Runs in time linear in the payload; the caller applies size limits.
public struct ExpositionParser {
    let bytes: [UInt8]
    public let format: ExpositionFormat

    /// Start of the next unread line, and its 1-based number.
    var offset = 0
    var nextLine = 1
    var finished = false

    /// Bytes of the current sample's series text, `name{labels}` exactly as written.
    public private(set) var seriesRange: Range<Int> = 0..<0
    /// The current sample's value. A NaN value has Prometheus's normal NaN bits, never the staleness marker's.
    public private(set) var value: Double = 0
    /// The current sample's timestamp in milliseconds, when its line carries one.
    public private(set) var timestamp: Int64?
    /// The current sample's exemplar (OpenMetrics only).
    public private(set) var exemplar: Exemplar?
    /// 1-based line number of the current sample.
    public private(set) var line = 0

    /// Bytes of the current sample's metric name, and of the text between its braces (nil without braces).
    var nameRange: Range<Int> = 0..<0
    var labelSetRange: Range<Int>?

    var families = FamilyTracker()

    public init(_ bytes: [UInt8], format: ExpositionFormat) {
        self.bytes = bytes
        self.format = format
    }

    /// A parser that reuses the Strings of `previous` (the `metadata` of the same target's last scrape) for
    /// families and help texts that did not change, instead of building them again.
    public init(_ bytes: [UInt8], format: ExpositionFormat, previousMetadata previous: [(name: String, MetricMetadata)]) {
        self.init(bytes, format: format)
        families.previous = previous
    }

    /// TYPE, HELP and UNIT seen so far, in first-seen order, keyed by metric family name: in OpenMetrics the
    /// family (`foo` for `foo_total`), in 0.0.4 the name as the TYPE/HELP line writes it. A family with only
    /// some of the lines has defaults for the others (`unknown`, empty help and unit).
    public var metadata: [(name: String, MetricMetadata)] { families.entries }

    /// The metadata of one family, by the same name as `metadata` uses.
    public func metadata(forFamily name: String) -> MetricMetadata? {
        families.index[name].map { families.entries[$0].1 }
    }

    /// The metric family of the current sample (for `foo_bucket` of histogram `foo`, `foo`).
    public var family: String { families.sampleFamily }

    /// The type of the current sample's family; `unknown` when no TYPE line gave it.
    public var metricType: MetricType { families.sampleType }

    /// Advances to the next sample; false at the end. TYPE/HELP/UNIT/comment lines are consumed on the way.
    /// Throws for the first line that is not valid, naming the line and what is wrong.
    public mutating func next() throws(ExpositionError) -> Bool {
        try next(expecting: UnsafeBufferPointer(start: nil, count: 0), nameCount: 0)
    }

    /// Whether the current sample's series text was the one `next(expecting:nameCount:)` expected.
    public private(set) var matchedExpected = false

    /// Like `next()`, for a caller that knows which series text the next sample line probably starts with
    /// (targets write their series in the same order every scrape): `expected`, with `nameCount` bytes of
    /// metric name, which this parser accepted before in the same format. When the line starts with it,
    /// the series text is not scanned again and `matchedExpected` is true; `labels()` still works.
    public mutating func next(expecting expected: UnsafeBufferPointer<UInt8>, nameCount: Int) throws(ExpositionError) -> Bool {
        if finished { return false }
        let bytes = self.bytes
        return try bytes.withUnsafeBufferPointer { (buf) throws(ExpositionError) -> Bool in
            try self.advance(buf, expected: expected, nameCount: nameCount)
        }
    }

    private mutating func advance(_ buf: UnsafeBufferPointer<UInt8>, expected: UnsafeBufferPointer<UInt8>,
                                  nameCount: Int) throws(ExpositionError) -> Bool {
        let om = format == .openMetrics
        while offset < buf.count {
            let start = offset
            let number = nextLine
            let newline = findNewline(buf, from: start)
            let end = newline ?? buf.count
            offset = end + 1
            nextLine += 1
            var scan = LineScanner(buf: buf, i: start, end: end, line: number, om: om)
            let carriageReturn = end > start && buf[end - 1] == 0x0D

            if om {
                if start == end {
                    throw scan.error("empty line; OpenMetrics allows no blank lines")
                }
                if carriageReturn { throw scan.error(crlfMessage) }
                if buf[start] == UInt8(ascii: "#") {
                    if try handleOpenMetricsComment(&scan, terminated: newline != nil) { return false }
                    continue
                }
            } else {
                scan.skipBlanks()
                if scan.atEnd { continue }
                if buf[scan.i] == UInt8(ascii: "#") {
                    try handleTextComment(&scan, terminated: newline != nil)
                    continue
                }
                if carriageReturn { throw scan.error(crlfMessage) }
            }
            if newline == nil {
                throw scan.error("the last sample line does not end with a newline; the payload looks truncated")
            }
            let sample: SampleLine
            if let known = scan.expectedSeries(expected, nameCount: nameCount) {
                sample = try scan.sampleRest(name: known.name, seriesEnd: known.seriesEnd, labelSet: known.labelSet)
                matchedExpected = true
            } else {
                sample = try scan.sampleLine()
                matchedExpected = false
            }
            try families.resolveSample(buf, name: sample.name, line: number, om: om)
            seriesRange = sample.series
            nameRange = sample.name
            labelSetRange = sample.labelSet
            value = sample.value
            timestamp = sample.timestamp
            exemplar = sample.exemplar
            line = number
            return true
        }
        finished = true
        if om {
            throw ExpositionError(line: max(nextLine - 1, 1), message: "the payload does not end with \"# EOF\"; an OpenMetrics body must, so it looks truncated")
        }
        return false
    }

    /// `# HELP`, `# TYPE`, `# UNIT` or `# EOF`. Returns true at `# EOF`.
    private mutating func handleOpenMetricsComment(_ scan: inout LineScanner, terminated: Bool) throws(ExpositionError) -> Bool {
        guard scan.consume("# ") else {
            throw scan.error("expected \"# \" followed by HELP, TYPE, UNIT or EOF; OpenMetrics has no other comments")
        }
        if scan.rest(equals: "EOF") {
            finished = true
            let buf = scan.buf
            if offset < buf.count {
                throw ExpositionError(line: scan.line + 1, message: "content after \"# EOF\"; # EOF must be the last line")
            }
            return true
        }
        let kind: MetadataKind
        if scan.consume("HELP ") { kind = .help } else if scan.consume("TYPE ") { kind = .type } else if scan.consume("UNIT ") { kind = .unit } else {
            throw scan.error("expected HELP, TYPE, UNIT or EOF after \"# \"; OpenMetrics has no other comments")
        }
        if !terminated { throw scan.error("the last line does not end with a newline and is not # EOF; the payload looks truncated") }
        try readMetadata(&scan, kind: kind)
        return false
    }

    /// 0.0.4: `# HELP name text`, `# TYPE name type`, anything else starting with `#` is a comment.
    private mutating func handleTextComment(_ scan: inout LineScanner, terminated: Bool) throws(ExpositionError) {
        scan.i += 1
        guard scan.skipBlanks() > 0 else { return }
        let kind: MetadataKind
        if scan.consumeKeyword("HELP") { kind = .help } else if scan.consumeKeyword("TYPE") { kind = .type } else { return }
        if !terminated { throw scan.error("the last line does not end with a newline; the payload looks truncated") }
        try readMetadata(&scan, kind: kind)
    }

    private mutating func readMetadata(_ scan: inout LineScanner, kind: MetadataKind) throws(ExpositionError) {
        let nameStart = scan.i
        let nameEnd = scan.metricNameEnd()
        guard nameEnd > nameStart else {
            throw scan.error("expected a metric name after \(kind.word), found \(scan.describeCurrent())")
        }
        scan.i = nameEnd
        let textStart: Int
        if scan.atEnd {
            textStart = scan.end
        } else if scan.om ? scan.buf[scan.i] == UInt8(ascii: " ") : isBlank(scan.buf[scan.i]) {
            textStart = scan.i + 1
        } else {
            throw scan.error("invalid character \(scan.describeCurrent()) in the metric name of a \(kind.word) line")
        }
        try families.record(kind, scan.buf, name: nameStart..<nameEnd, text: textStart..<scan.end, line: scan.line, om: scan.om)
    }
}

private let crlfMessage = "the line ends with a carriage return; exposition lines must end with \\n alone"

/// Index of the next `\n` at or after `from`, or nil.
@inline(__always)
func findNewline(_ buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
    guard from < buf.count, let base = buf.baseAddress else { return nil }
    guard let hit = memchr(base + from, 0x0A, buf.count - from) else { return nil }
    return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
}

@inline(__always) func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
@inline(__always) func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
@inline(__always) func isLetterOrUnderscore(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 || c == 0x5F }
@inline(__always) func isMetricNameStart(_ c: UInt8) -> Bool { isLetterOrUnderscore(c) || c == 0x3A }
@inline(__always) func isMetricNameChar(_ c: UInt8) -> Bool { isMetricNameStart(c) || isDigit(c) }
@inline(__always) func isLabelNameChar(_ c: UInt8) -> Bool { isLetterOrUnderscore(c) || isDigit(c) }
