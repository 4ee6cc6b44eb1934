import OspreyCore

/// The series notation of promqltest `load` blocks and promtool's rule unit tests, for other modules:
/// `metric{label="value"}` selectors and the expanding value notation (`1+2x3 _ _x2 stale`).
public enum SeriesNotation {
    /// A series or value text that does not follow the notation.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The labels of `metric{a="b"}`, `{__name__="m", a="b"}` or a bare metric name.
    public static func labels(_ text: String) throws -> Labels {
        let chars = Array(text)
        var i = 0
        do {
            let labels = try SeriesDescription.parseLabels(chars, &i)
            while i < chars.count, chars[i].isWhitespace { i += 1 }
            guard i == chars.count else { throw ParseError(description: "unexpected \"\(String(chars[i...]))\" after the series") }
            return labels
        } catch let e as SeriesDescription.ParseError {
            throw ParseError(description: e.description)
        }
    }

    /// The values of an expanding-notation text, one per step: nil for an omitted step (`_`), `StaleNaN.value`
    /// for `stale`. Native-histogram values are refused.
    public static func values(_ text: String) throws -> [Double?] {
        let parsed: [SequenceValue]
        do { parsed = try SeriesDescription.parseValues(text) } catch let e as SeriesDescription.ParseError {
            throw ParseError(description: e.description)
        }
        return try parsed.map { v in
            switch v {
            case .value(let d): return d
            case .omitted: return nil
            case .native: throw ParseError(description: "native histogram values are not supported")
            }
        }
    }
}
