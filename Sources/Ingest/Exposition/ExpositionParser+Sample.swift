import Foundation
import OspreyCore

/// One sample line's parts, as byte ranges into the payload where no copy is needed.
struct SampleLine {
    var name: Range<Int>
    var series: Range<Int>
    var labelSet: Range<Int>?
    var value: Double
    var timestamp: Int64?
    var exemplar: Exemplar?
}

/// Reads one line `buf[i..<end]`; every read is bounded by `end`, so nothing here looks past the line.
struct LineScanner {
    let buf: UnsafeBufferPointer<UInt8>
    var i: Int
    let end: Int
    let line: Int
    /// OpenMetrics: single spaces only, exemplars, float timestamps. Otherwise 0.0.4.
    let om: Bool

    var atEnd: Bool { i >= end }

    func error(_ message: String) -> ExpositionError { ExpositionError(line: line, message: message) }

    /// Skips spaces and tabs (0.0.4 whitespace); returns how many.
    @discardableResult
    mutating func skipBlanks() -> Int {
        let start = i
        while i < end && isBlank(buf[i]) { i += 1 }
        return i - start
    }

    /// Consumes `word` when the line continues with it.
    mutating func consume(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard end - i >= n else { return false }
        let p = word.utf8Start
        for k in 0..<n where buf[i + k] != p[k] { return false }
        i += n
        return true
    }

    /// Whether the rest of the line is exactly `word`.
    func rest(equals word: StaticString) -> Bool {
        var copy = self
        return end - i == word.utf8CodeUnitCount && copy.consume(word)
    }

    /// Consumes `word` followed by at least one blank, and the blanks.
    mutating func consumeKeyword(_ word: StaticString) -> Bool {
        let start = i
        guard consume(word), i < end, isBlank(buf[i]) else {
            i = start
            return false
        }
        skipBlanks()
        return true
    }

    /// End of the metric name starting at `i` (`i` itself when there is none).
    func metricNameEnd() -> Int {
        guard i < end, isMetricNameStart(buf[i]) else { return i }
        var k = i + 1
        while k < end && isMetricNameChar(buf[k]) { k += 1 }
        return k
    }

    /// The byte at `i` for an error message.
    func describeCurrent() -> String {
        i < end ? describeByte(buf[i]) : "the end of the line"
    }

    func text(_ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self)
    }

    /// `name{labels} value [timestamp] [# {exemplar labels} value [timestamp]]`.
    mutating func sampleLine() throws(ExpositionError) -> SampleLine {
        let nameStart = i
        i = metricNameEnd()
        guard i > nameStart else {
            if buf[i] == UInt8(ascii: "{") {
                throw error("a sample line must start with a metric name; quoted metric names inside the braces are not supported")
            }
            throw error("invalid metric name: expected a letter, '_' or ':' at the start of the line, found \(describeCurrent())")
        }
        let name = nameStart..<i
        var labelSet: Range<Int>?
        var seriesEnd = i
        if !om { skipBlanks() }
        if i < end && buf[i] == UInt8(ascii: "{") {
            let open = i
            i += 1
            try scanLabelSet { (_: Range<Int>, _: Range<Int>, _: Bool) throws(ExpositionError) in }
            labelSet = open + 1..<i - 1
            seriesEnd = i
        }
        return try sampleRest(name: name, seriesEnd: seriesEnd, labelSet: labelSet)
    }

    /// A sample line whose series text is known: `name` and the label set (braces included) end at
    /// `seriesEnd`. Reads the separator, the value and what may follow it.
    mutating func sampleRest(name: Range<Int>, seriesEnd: Int, labelSet: Range<Int>?) throws(ExpositionError) -> SampleLine {
        i = seriesEnd
        var blanks = om ? 0 : skipBlanks()
        if om, i < end, buf[i] == UInt8(ascii: " ") {
            i += 1
            blanks = 1
        }
        if atEnd { throw error("expected a value after \(text(name.lowerBound..<seriesEnd)); the line looks truncated") }
        if blanks == 0 && (labelSet == nil || om) {
            throw error("invalid character \(describeCurrent()) after the metric name \(quoted(name)); expected \(om ? "'{' or a space" : "'{' or whitespace") and the value")
        }
        let value = try readValue(what: "value")
        var sample = SampleLine(name: name, series: name.lowerBound..<seriesEnd, labelSet: labelSet, value: value)
        if om {
            try readOpenMetricsTail(&sample)
        } else {
            try readTextTail(&sample)
        }
        return sample
    }

    /// The line's series text, when the line starts with `expected` (a series text of `nameCount` name bytes
    /// that this format's parser accepted before) followed by the separator: the series is then known valid
    /// and only the rest of the line needs reading. nil when the line is something else.
    func expectedSeries(_ expected: UnsafeBufferPointer<UInt8>, nameCount: Int) -> (name: Range<Int>, seriesEnd: Int, labelSet: Range<Int>?)? {
        let n = expected.count
        guard n > 0, end - i > n, let base = expected.baseAddress,
              memcmp(buf.baseAddress! + i, base, n) == 0 else { return nil }
        let after = buf[i + n]
        guard om ? after == UInt8(ascii: " ") : isBlank(after) else { return nil }
        let name = i..<i + nameCount
        guard n > nameCount else {
            // `foo` then blanks then `{…}` is a labelled series in 0.0.4: not this one.
            var k = i + n
            while k < end && isBlank(buf[k]) { k += 1 }
            if k < end && buf[k] == UInt8(ascii: "{") { return nil }
            return (name, i + n, nil)
        }
        var open = i + nameCount
        while open < end && buf[open] != UInt8(ascii: "{") { open += 1 }
        return (name, i + n, open + 1..<i + n - 1)
    }

    /// Reads a value token (up to whitespace) as Prometheus does: decimal, `Inf`, `NaN`, any case.
    private mutating func readValue(what: String) throws(ExpositionError) -> Double {
        let start = i
        while i < end && !(buf[i] == UInt8(ascii: " ") || (!om && buf[i] == UInt8(ascii: "\t"))) { i += 1 }
        if i == start { throw error("expected a \(what), found \(describeCurrent())") }
        guard let v = parseExpositionFloat(buf, start..<i) else {
            throw error("\(what) \(quoted(start..<i)) is not a number; expected a float such as 1, -2.5e3, +Inf or NaN (float64 range)")
        }
        return v.isNaN ? normalNaN : v
    }

    /// 0.0.4 after the value: `[timestamp-ms]`, whitespace allowed around it.
    private mutating func readTextTail(_ sample: inout SampleLine) throws(ExpositionError) {
        skipBlanks()
        if atEnd { return }
        let start = i
        while i < end && !isBlank(buf[i]) { i += 1 }
        guard let ms = parseMillis(buf, start..<i) else {
            throw error("timestamp \(quoted(start..<i)) is not an integer number of milliseconds since the epoch")
        }
        sample.timestamp = ms
        skipBlanks()
        if !atEnd { throw error("unexpected \(describeCurrent()) after the timestamp; a sample line ends after its timestamp") }
    }

    /// OpenMetrics after the value: `[ seconds][ # {labels} value[ seconds]]`, single spaces.
    private mutating func readOpenMetricsTail(_ sample: inout SampleLine) throws(ExpositionError) {
        if atEnd { return }
        i += 1  // the space that ended the value
        if !consume("# {") {
            let start = i
            while i < end && buf[i] != UInt8(ascii: " ") { i += 1 }
            sample.timestamp = try secondsToMillis(start..<i, what: "timestamp")
            if atEnd { return }
            guard consume(" # {") else {
                throw error("unexpected \(describeCurrent()) after the timestamp; expected the end of the line or an exemplar \" # {labels} value\"")
            }
        }
        sample.exemplar = try readExemplar()
    }

    /// After `# {`: the exemplar's labels, value and optional timestamp, to the end of the line.
    private mutating func readExemplar() throws(ExpositionError) -> Exemplar {
        var labels: [Label] = []
        let buf = self.buf, line = self.line
        try scanLabelSet { (n: Range<Int>, v: Range<Int>, escaped: Bool) throws(ExpositionError) in
            let name = String(decoding: UnsafeBufferPointer(rebasing: buf[n]), as: UTF8.self)
            labels.append(Label(name, try decodeLabelValue(buf, v, escaped: escaped, label: name, line: line)))
        }
        guard consume(" ") else { throw error("expected a space and the exemplar's value after its labels, found \(describeCurrent())") }
        let value = try readValue(what: "exemplar value")
        var ts: Int64?
        if !atEnd {
            i += 1
            let start = i
            while i < end && buf[i] != UInt8(ascii: " ") { i += 1 }
            ts = try secondsToMillis(start..<i, what: "exemplar timestamp")
            if !atEnd { throw error("unexpected \(describeCurrent()) after the exemplar timestamp; it ends the line") }
        }
        return Exemplar(labels: labels, value: value, timestamp: ts)
    }

    /// An OpenMetrics timestamp: float seconds, converted as Prometheus does (`int64(seconds * 1000)`).
    private func secondsToMillis(_ r: Range<Int>, what: String) throws(ExpositionError) -> Int64 {
        guard !r.isEmpty else { throw error("expected a \(what) after the space, found \(describeCurrent())") }
        guard let s = parseExpositionFloat(buf, r) else {
            throw error("\(what) \(quoted(r)) is not a number of seconds")
        }
        if s.isNaN { throw error("\(what) is NaN; a timestamp must be a finite number of seconds") }
        let ms = s * 1000
        guard ms.isFinite, ms > -9.2e18, ms < 9.2e18 else {
            throw error("\(what) \(quoted(r)) is out of range; expected seconds since the epoch")
        }
        return Int64(ms)
    }

    /// Scans a label set from just after `{` to just after `}`, checking names, quoting and escapes,
    /// and calls `visit(name, raw value between the quotes, whether it holds escapes)` for each label.
    mutating func scanLabelSet(_ visit: (Range<Int>, Range<Int>, Bool) throws(ExpositionError) -> Void) throws(ExpositionError) {
        while true {
            if !om { skipBlanks() }
            guard i < end else { throw error("the label set is not closed with '}'; the line looks truncated") }
            if buf[i] == UInt8(ascii: "}") {
                i += 1
                return
            }
            let nameStart = i
            guard isLetterOrUnderscore(buf[i]) else {
                if buf[i] == UInt8(ascii: "\"") { throw error("quoted label names are not supported; a label name is [a-zA-Z_][a-zA-Z0-9_]*") }
                throw error("expected a label name or '}', found \(describeCurrent()); a label name is [a-zA-Z_][a-zA-Z0-9_]*")
            }
            i += 1
            while i < end && isLabelNameChar(buf[i]) { i += 1 }
            let name = nameStart..<i
            if !om { skipBlanks() }
            guard i < end, buf[i] == UInt8(ascii: "=") else {
                throw error("expected '=' after the label name \(quoted(name)), found \(describeCurrent()); a label name is [a-zA-Z_][a-zA-Z0-9_]*")
            }
            i += 1
            if !om { skipBlanks() }
            guard i < end, buf[i] == UInt8(ascii: "\"") else {
                throw error("expected '\"' to open the value of label \(quoted(name)), found \(describeCurrent())")
            }
            i += 1
            let valueStart = i
            var escaped = false
            while true {
                guard i < end else { throw error("the value of label \(quoted(name)) is not closed with '\"'; the line looks truncated") }
                let c = buf[i]
                if c == UInt8(ascii: "\"") { break }
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < end else { throw error("the value of label \(quoted(name)) is not closed with '\"'; the line looks truncated") }
                    let e = buf[i + 1]
                    guard e == UInt8(ascii: "\\") || e == UInt8(ascii: "\"") || e == UInt8(ascii: "n") else {
                        throw error("invalid escape '\\\(describeByte(e, quoted: false))' in the value of label \(quoted(name)); only \\\\, \\\" and \\n are allowed")
                    }
                    escaped = true
                    i += 2
                    continue
                }
                i += 1
            }
            try visit(name, valueStart..<i, escaped)
            i += 1
            if !om { skipBlanks() }
            guard i < end else { throw error("the label set is not closed with '}'; the line looks truncated") }
            if buf[i] == UInt8(ascii: ",") {
                i += 1
            } else if buf[i] == UInt8(ascii: "}") {
                i += 1
                return
            } else if om {
                throw error("expected ',' or '}' after the value of label \(quoted(name)), found \(describeCurrent())")
            }
            // 0.0.4: Prometheus accepts labels separated by whitespace only.
        }
    }

    /// Up to 64 bytes of `r`, quoted, for an error message.
    func quoted(_ r: Range<Int>) -> String {
        let shown = r.lowerBound..<min(r.upperBound, r.lowerBound + 64)
        return "\"" + text(shown) + (shown.count < r.count ? "…" : "") + "\""
    }
}

func describeByte(_ c: UInt8, quoted: Bool = true) -> String {
    if c >= 0x20 && c < 0x7F {
        let s = String(UnicodeScalar(c))
        return quoted ? "'\(s)'" : s
    }
    if c == 0x0D { return quoted ? "a carriage return (lines must end with \\n only)" : "\\r" }
    let hex = String(c, radix: 16, uppercase: true)
    return (quoted ? "byte 0x" : "x") + (hex.count == 1 ? "0" + hex : hex)
}
