import Foundation
import OspreyCore

enum MetadataKind {
    case help, type, unit
    var word: String {
        switch self {
        case .help: "HELP"
        case .type: "TYPE"
        case .unit: "UNIT"
        }
    }
    var bit: UInt8 {
        switch self {
        case .help: 1
        case .type: 2
        case .unit: 4
        }
    }
}

/// Metadata by family, and which family each sample belongs to.
///
/// The family of a sample is the family of the last metadata line when the sample's name fits it
/// (`foo_bucket` of histogram `foo`), else the sample's own name. Resolution runs only when the sample
/// name differs from the previous sample's, so a run of samples of one family costs a byte compare each.
struct FamilyTracker {
    var entries: [(name: String, MetricMetadata)] = []
    var index: [String: Int] = [:]
    /// Per entry: which of HELP/TYPE/UNIT were given (`MetadataKind.bit`).
    var given: [UInt8] = []
    /// Families that have had samples; TYPE for them is too late.
    var sampled: Set<String> = []

    /// The family of the last metadata line.
    var currentName: [UInt8] = []
    var currentNameString = ""
    var currentIndex = -1
    var currentType: MetricType = .unknown

    /// The name bytes of the last sample, and the family and type it resolved to.
    var lastSampleName: Range<Int>?
    var sampleFamily = ""
    var sampleType: MetricType = .unknown

    /// The previous scrape's metadata of the same target: a family at the same position with the same name
    /// and help text reuses its Strings instead of building new ones.
    var previous: [(name: String, MetricMetadata)] = []

    mutating func record(_ kind: MetadataKind, _ buf: UnsafeBufferPointer<UInt8>, name: Range<Int>, text: Range<Int>,
                         line: Int, om: Bool) throws(ExpositionError) {
        let textBytes = UnsafeBufferPointer(rebasing: buf[text])
        let idx: Int
        let nameString: String
        if currentName.count == name.count, !currentName.isEmpty,
           currentName.withUnsafeBufferPointer({ memcmp($0.baseAddress!, buf.baseAddress! + name.lowerBound, name.count) == 0 }) {
            // The usual HELP-then-TYPE pair: the family of the previous metadata line.
            idx = currentIndex
            nameString = currentNameString
        } else {
            let k = entries.count
            let candidate = k < previous.count && sameBytes(previous[k].name, UnsafeBufferPointer(rebasing: buf[name]))
                ? previous[k].name : String(decoding: UnsafeBufferPointer(rebasing: buf[name]), as: UTF8.self)
            if let existing = index[candidate] {
                nameString = entries[existing].name
                idx = existing
            } else {
                nameString = candidate
                idx = k
                entries.append((nameString, MetricMetadata()))
                given.append(0)
                index[nameString] = idx
            }
        }
        if given[idx] & kind.bit != 0 {
            throw ExpositionError(line: line, message: "second \(kind.word) line for metric family \"\(nameString)\"; a family has at most one")
        }
        given[idx] |= kind.bit
        switch kind {
        case .type:
            if sampled.contains(nameString) {
                throw ExpositionError(line: line, message: "TYPE line for \"\(nameString)\" comes after samples of that family; TYPE must precede them")
            }
            let word = String(decoding: textBytes, as: UTF8.self)
            guard let type = metricType(word, om: om) else {
                let expected = om ? "counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown"
                    : "counter, gauge, histogram, summary or untyped"
                throw ExpositionError(line: line, message: "unknown metric type \"\(word.prefix(64))\" for \"\(nameString)\"; expected \(expected)")
            }
            entries[idx].1.type = type
        case .help:
            if let bad = firstInvalidUTF8(textBytes) {
                throw ExpositionError(line: line, message: "HELP text for \"\(nameString)\" is not valid UTF-8 (byte \(bad + 1) of the text)")
            }
            if idx < previous.count, previous[idx].name == nameString, !textBytes.contains(UInt8(ascii: "\\")),
               sameBytes(previous[idx].1.help, textBytes) {
                entries[idx].1.help = previous[idx].1.help
            } else {
                entries[idx].1.help = unescapeHelp(textBytes, om: om)
            }
        case .unit:
            if let bad = firstInvalidUTF8(textBytes) {
                throw ExpositionError(line: line, message: "UNIT of \"\(nameString)\" is not valid UTF-8 (byte \(bad + 1) of the text)")
            }
            let unit = String(decoding: textBytes, as: UTF8.self)
            if !unit.isEmpty && !nameString.hasSuffix("_" + unit) {
                throw ExpositionError(line: line, message: "unit \"\(unit.prefix(64))\" is not a suffix of metric family \"\(nameString)\"; a family with a UNIT must be named …_\(unit.prefix(64))")
            }
            entries[idx].1.unit = unit
        }
        if currentIndex != idx || currentName.isEmpty {
            currentName = Array(buf[name])
            currentNameString = nameString
            currentIndex = idx
        }
        currentType = entries[idx].1.type
        lastSampleName = nil
    }

    /// Finds the current sample's family; in OpenMetrics, rejects a sample name its family's type does not have.
    mutating func resolveSample(_ buf: UnsafeBufferPointer<UInt8>, name: Range<Int>, line: Int, om: Bool) throws(ExpositionError) {
        if let last = lastSampleName, last.count == name.count,
           memcmp(buf.baseAddress! + last.lowerBound, buf.baseAddress! + name.lowerBound, name.count) == 0 {
            lastSampleName = name
            return
        }
        lastSampleName = name
        let sample = UnsafeBufferPointer(rebasing: buf[name])
        if !currentName.isEmpty, let suffix = familySuffix(sample) {
            let allowed = allowedSuffixes(currentType, om: om)
            if allowed.contains(suffix) {
                setSampleFamily(currentNameString, currentType)
                return
            }
            if om && strictTypes.contains(currentType) && (suffix.isEmpty || knownSuffixes.contains(suffix)) {
                let names = allowed.map { currentNameString + $0 }.joined(separator: ", ")
                throw ExpositionError(line: line, message: "sample \"\(String(decoding: sample, as: UTF8.self))\" does not fit \(currentType.rawValue) family \"\(currentNameString)\", whose samples are named \(names)")
            }
        }
        let own = String(decoding: sample, as: UTF8.self)
        setSampleFamily(own, index[own].map { entries[$0].1.type } ?? .unknown)
    }

    private mutating func setSampleFamily(_ name: String, _ type: MetricType) {
        sampleFamily = name
        sampleType = type
        sampled.insert(name)
    }

    /// "" when `sample` is the current family's name, "_total" for `<family>_total`, nil when unrelated.
    private func familySuffix(_ sample: UnsafeBufferPointer<UInt8>) -> String? {
        let n = currentName.count
        guard sample.count >= n, currentName.withUnsafeBufferPointer({ memcmp($0.baseAddress!, sample.baseAddress!, n) == 0 }) else {
            return nil
        }
        if sample.count == n { return "" }
        guard sample[n] == UInt8(ascii: "_") else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: sample[n...]), as: UTF8.self)
    }
}

/// Types whose samples all carry a suffix set by the type (OpenMetrics); other names are errors for them.
private let strictTypes: Set<MetricType> = [.counter, .histogram, .gaugehistogram, .summary, .info]
private let knownSuffixes: Set<String> = ["_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"]

private func allowedSuffixes(_ type: MetricType, om: Bool) -> [String] {
    if !om {
        // 0.0.4 names counters freely; only summaries and histograms group several names.
        return type == .summary || type == .histogram ? ["", "_bucket", "_count", "_sum"] : [""]
    }
    switch type {
    case .counter: return ["_total", "_created"]
    case .histogram: return ["_bucket", "_count", "_sum", "_created"]
    case .gaugehistogram: return ["_bucket", "_gcount", "_gsum"]
    case .summary: return ["", "_count", "_sum", "_created"]
    case .info: return ["_info"]
    case .gauge, .stateset, .unknown: return [""]
    }
}

private func metricType(_ word: String, om: Bool) -> MetricType? {
    switch word {
    case "counter": return .counter
    case "gauge": return .gauge
    case "histogram": return .histogram
    case "summary": return .summary
    case "untyped" where !om: return .unknown
    case "unknown" where om, "gaugehistogram" where om, "info" where om, "stateset" where om: return MetricType(rawValue: word)
    default: return nil
    }
}

/// HELP escapes: `\\` and `\n` (and `\"` in OpenMetrics); another backslash is kept as written, as Prometheus does.
private func unescapeHelp(_ text: UnsafeBufferPointer<UInt8>, om: Bool) -> String {
    guard text.contains(UInt8(ascii: "\\")) else { return String(decoding: text, as: UTF8.self) }
    var out: [UInt8] = []
    out.reserveCapacity(text.count)
    var i = 0
    while i < text.count {
        let c = text[i]
        if c == UInt8(ascii: "\\"), i + 1 < text.count {
            let e = text[i + 1]
            if e == UInt8(ascii: "\\") || (om && e == UInt8(ascii: "\"")) {
                out.append(e)
                i += 2
                continue
            }
            if e == UInt8(ascii: "n") {
                out.append(0x0A)
                i += 2
                continue
            }
        }
        out.append(c)
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

/// Whether `s` is exactly `bytes` (one memcmp for a native String).
private func sameBytes(_ s: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    if let same = s.utf8.withContiguousStorageIfAvailable({ own in
        own.count == bytes.count && (own.isEmpty || memcmp(own.baseAddress!, bytes.baseAddress!, own.count) == 0)
    }) {
        return same
    }
    return s.utf8.elementsEqual(bytes)
}

/// Offset of the first invalid UTF-8 byte, or nil.
func firstInvalidUTF8(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let base = text.baseAddress, !text.isEmpty else { return nil }
    return firstInvalidUTF8(base, text.count)
}
