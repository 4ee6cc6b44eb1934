/// Go's `strings.ToLower` / `strings.ToUpper`, which Prometheus's lowercase and uppercase actions use:
/// each code point maps to one code point (simple case mapping), so `ß` stays `ß` in upper case
/// where Swift's `uppercased()` gives `SS`.
enum CaseMapping {
    static func lower(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s.lowercased() }
        return map(s) { c in
            if c == "\u{130}" { return "i" }  // İ: the one letter whose full lower-case mapping is two code points
            return single(c.properties.lowercaseMapping) ?? c
        }
    }

    static func upper(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s.uppercased() }
        return map(s) { c in
            // Where the full mapping is several code points (ᾳ → ΑΙ), the simple one is the title-case letter (ᾼ) or none.
            single(c.properties.uppercaseMapping) ?? single(c.properties.titlecaseMapping) ?? c
        }
    }

    private static func map(_ s: String, _ f: (Unicode.Scalar) -> Unicode.Scalar) -> String {
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars { out.append(f(c)) }
        return String(out)
    }

    private static func single(_ s: String) -> Unicode.Scalar? {
        let scalars = s.unicodeScalars
        guard let first = scalars.first, scalars.index(after: scalars.startIndex) == scalars.endIndex else { return nil }
        return first
    }
}
