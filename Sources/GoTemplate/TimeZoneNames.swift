import Foundation

/// Zone abbreviations (`CET`, `EST`, `+01`) as Go prints them with `MST` layouts: read from the system's
/// zoneinfo (TZif) files, which is where Go gets them too. Foundation on Linux only offers `GMT+1`.
enum TimeZoneNames {
    private static let lock = NSLock()
    /// Zone identifier → (UTC offset seconds, is DST, abbreviation) of every local time type in its file.
    nonisolated(unsafe) private static var cache: [String: [(Int, Bool, String)]] = [:]
    /// Most zones kept: identifiers come from templates, so a hostile one cannot grow this without bound.
    static let cachedZonesMax = 512

    static func abbreviation(_ zone: TimeZone, offset: Int, isDST: Bool) -> String? {
        let types = lock.withLock { cache[zone.identifier] } ?? load(zone.identifier)
        return types.last { $0.0 == offset && $0.1 == isDST }?.2 ?? types.last { $0.0 == offset }?.2
    }

    private static func load(_ identifier: String) -> [(Int, Bool, String)] {
        var types: [(Int, Bool, String)] = []
        if !identifier.contains(".."), let data = FileManager.default.contents(atPath: "/usr/share/zoneinfo/" + identifier) {
            types = parse([UInt8](data)) ?? []
        }
        lock.withLock { if cache.count < cachedZonesMax { cache[identifier] = types } }
        return types
    }

    /// The local time types of a TZif file (the 64-bit block when present).
    static func parse(_ b: [UInt8]) -> [(Int, Bool, String)]? {
        func u32(_ i: Int) -> Int? {
            guard i + 4 <= b.count else { return nil }
            return Int(UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]))
        }
        func block(_ start: Int, timeSize: Int) -> (types: [(Int, Bool, String)], end: Int)? {
            guard b.count >= start + 44, b[start] == 0x54, b[start + 1] == 0x5A, b[start + 2] == 0x69, b[start + 3] == 0x66,
                  let isutcnt = u32(start + 20), let isstdcnt = u32(start + 24), let leapcnt = u32(start + 28),
                  let timecnt = u32(start + 32), let typecnt = u32(start + 36), let charcnt = u32(start + 40) else { return nil }
            var p = start + 44 + timecnt * timeSize + timecnt
            let typesStart = p
            p += typecnt * 6
            let chars = p
            p += charcnt
            let end = p + leapcnt * (timeSize + 4) + isstdcnt + isutcnt
            guard end <= b.count else { return nil }
            var types: [(Int, Bool, String)] = []
            for t in 0..<typecnt {
                let e = typesStart + t * 6
                let off = Int(Int32(bitPattern: UInt32(u32(e)!)))
                let dst = b[e + 4] != 0
                var a = chars + Int(b[e + 5])
                var name: [UInt8] = []
                while a < chars + charcnt && b[a] != 0 { name.append(b[a]); a += 1 }
                types.append((off, dst, String(decoding: name, as: UTF8.self)))
            }
            return (types, end)
        }
        guard let v1 = block(0, timeSize: 4) else { return nil }
        if b.count > 4, b[4] >= UInt8(ascii: "2"), let v2 = block(v1.end, timeSize: 8) { return v2.types }
        return v1.types
    }
}
