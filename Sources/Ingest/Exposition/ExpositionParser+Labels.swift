import OspreyCore

extension ExpositionParser {
    /// Metric name and labels of the current sample: unescaped, UTF-8 checked, sorted, `__name__` included.
    /// Labels with an empty value are left out (an empty value means no such label, as in Prometheus).
    /// Throws for invalid UTF-8 in a label value and for a label name given twice, naming the line.
    public func labels() throws(ExpositionError) -> Labels {
        let bytes = self.bytes
        let om = format == .openMetrics
        let line = self.line, name = nameRange, labelSet = labelSetRange
        return try bytes.withUnsafeBufferPointer { (buf) throws(ExpositionError) -> Labels in
            var list: [Label] = [Label(Labels.metricNameLabel, String(decoding: UnsafeBufferPointer(rebasing: buf[name]), as: UTF8.self))]
            if let labelSet {
                // The set was checked by next(); this pass only collects it. `end` includes the closing brace.
                var scan = LineScanner(buf: buf, i: labelSet.lowerBound, end: labelSet.upperBound + 1, line: line, om: om)
                try scan.scanLabelSet { (n: Range<Int>, v: Range<Int>, escaped: Bool) throws(ExpositionError) in
                    let labelName = String(decoding: UnsafeBufferPointer(rebasing: buf[n]), as: UTF8.self)
                    list.append(Label(labelName, try decodeLabelValue(buf, v, escaped: escaped, label: labelName, line: line)))
                }
            }
            return try sortedLabels(list, line: line)
        }
    }
}

/// Sorts by name, rejects a repeated name, drops empty values.
func sortedLabels(_ list: [Label], line: Int) throws(ExpositionError) -> Labels {
    var list = list
    list.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    for k in list.indices.dropFirst() where list[k].name == list[k - 1].name {
        throw ExpositionError(line: line, message: "label \"\(list[k].name)\" appears twice in one series; label names must be unique (the metric name counts as __name__)")
    }
    list.removeAll { $0.value.isEmpty }
    return Labels(sorted: list)
}

/// The value of a label from its raw bytes between the quotes: UTF-8 checked, `\\ \" \n` unescaped.
func decodeLabelValue(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, escaped: Bool, label: String, line: Int) throws(ExpositionError) -> String {
    let raw = UnsafeBufferPointer(rebasing: buf[r])
    if let bad = firstInvalidUTF8(raw) {
        throw ExpositionError(line: line, message: "the value of label \"\(label)\" is not valid UTF-8 (byte \(bad + 1) of the value)")
    }
    guard escaped else { return String(decoding: raw, as: UTF8.self) }
    var out: [UInt8] = []
    out.reserveCapacity(raw.count)
    var i = 0
    while i < raw.count {
        let c = raw[i]
        if c == UInt8(ascii: "\\") && i + 1 < raw.count {
            let e = raw[i + 1]
            out.append(e == UInt8(ascii: "n") ? 0x0A : e)
            i += 2
        } else {
            out.append(c)
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}
