/// Typed reads of function arguments, with Go's wording when the type is wrong.
extension Array where Element == TemplateValue {
    /// Argument `i` as a string (`string` or `safeHTML`).
    public func string(_ i: Int) throws -> String {
        guard let s = self[i].stringValue else {
            throw TemplateFunctionError("wrong type for value; expected string; got \(self[i].goTypeName)")
        }
        return s
    }

    /// Argument `i` as a float, converted as Prometheus's template functions convert: floats, ints,
    /// numeric strings, and durations (as seconds).
    public func float(_ i: Int) throws -> Double {
        switch self[i].resolved {
        case .float(let f): return f
        case .int(let n): return Double(n)
        case .duration(let d): return Double(d) / 1e9
        case .string(let s), .safeHTML(let s):
            guard let f = parseGoFloat(s) else {
                throw TemplateFunctionError("strconv.ParseFloat: parsing \(goQuote(s)): invalid syntax")
            }
            return f
        default:
            throw TemplateFunctionError("can't convert \(self[i].goTypeName) to float")
        }
    }

    /// Argument `i` as a time (`time` values only).
    public func time(_ i: Int) throws -> GoTime {
        guard case .time(let t) = self[i].resolved else {
            throw TemplateFunctionError("wrong type for value; expected time.Time; got \(self[i].goTypeName)")
        }
        return t
    }
}

/// Go's `strconv.ParseFloat` for the forms Prometheus values take (`1.5`, `1e3`, `NaN`, `+Inf`, `-inf`).
func parseGoFloat(_ s: String) -> Double? {
    switch s.lowercased() {
    case "nan": return .nan
    case "inf", "+inf", "infinity", "+infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    default: break
    }
    guard let first = s.unicodeScalars.first, first == "+" || first == "-" || first == "." || ("0"..."9").contains(first) else { return nil }
    if s.contains("_") { return nil }
    return Double(s)
}
