import Foundation

/// Prometheus-style durations ("1h30m", "15d", "500ms", "2w", "1y") in milliseconds.
public enum Duration {
    public struct ParseError: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "not a valid duration: \"\(text)\" (examples: 30s, 5m, 2h, 15d, 1w)" }
    }

    static let units: [(String, Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000), ("y", 31_536_000_000),
    ]

    public static func parseMs(_ text: String) throws -> Int64 {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "0" { return 0 }
        var total: Int64 = 0
        var i = s.startIndex
        var lastUnitRank = -1
        guard !s.isEmpty else { throw ParseError(text: text) }
        while i < s.endIndex {
            let digitsStart = i
            while i < s.endIndex, s[i].isASCII, s[i].isNumber { i = s.index(after: i) }
            guard digitsStart < i, let n = Int64(s[digitsStart..<i]) else { throw ParseError(text: text) }
            let unitStart = i
            while i < s.endIndex, s[i].isLetter { i = s.index(after: i) }
            let unit = String(s[unitStart..<i])
            guard let rank = units.firstIndex(where: { $0.0 == unit }) else { throw ParseError(text: text) }
            // Units must go from largest to smallest, each at most once.
            let order = rank
            guard lastUnitRank == -1 || order < lastUnitRank else { throw ParseError(text: text) }
            lastUnitRank = order
            let (m, o1) = n.multipliedReportingOverflow(by: units[rank].1)
            let (sum, o2) = total.addingReportingOverflow(m)
            guard !o1, !o2 else { throw ParseError(text: text) }
            total = sum
        }
        return total
    }

    /// Formats milliseconds the way Prometheus prints durations: "15s", "1m30s", "2h", "500ms", "0s".
    public static func format(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms
        var out = ""
        for (unit, size) in units.reversed() where rest >= size {
            // Prometheus prints days and weeks only when they divide evenly; hours otherwise.
            if unit == "y" || unit == "w" || unit == "d" {
                guard rest % size == 0 else { continue }
            }
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}

/// Byte sizes as Prometheus writes them ("512MB", "10GB", "1TB"; base 1024, as Prometheus's units are).
public enum ByteSize {
    public struct ParseError: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "not a valid byte size: \"\(text)\" (examples: 512MB, 10GB, 1TB)" }
    }

    public static func parse(_ text: String) throws -> Int64 {
        let s = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int64)] = [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("TB", 1 << 40), ("PB", 1 << 50), ("EB", 1 << 60), ("B", 1)]
        for (suffix, mult) in units where s.hasSuffix(suffix) {
            guard let n = Int64(s.dropLast(suffix.count)), n >= 0 else { throw ParseError(text: text) }
            return n * mult
        }
        guard let n = Int64(s), n >= 0 else { throw ParseError(text: text) }
        return n
    }
}
