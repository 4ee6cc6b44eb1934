import Foundation

/// Decodes OTLP/JSON `ExportMetricsServiceRequest` bodies (the protobuf JSON mapping): field names in
/// lowerCamelCase (the original snake_case names are accepted too), 64-bit integers as strings or
/// numbers, doubles as numbers or "NaN"/"Infinity"/"-Infinity", enums as numbers or names, `bytesValue`
/// in base64. Unknown fields are ignored (exemplars with their hex trace ids among them).
public enum OTLPJSONDecoder {
    public static func decode(_ bytes: [UInt8], limits: OTLPLimits) throws(OTLPDecodeError) -> OTLPMetricsRequest {
        guard bytes.count <= limits.decodedBytesMax else {
            throw OTLPDecodeError("json: request is \(bytes.count) bytes, over the limit of \(limits.decodedBytesMax) bytes (decodedBytesMax)")
        }
        guard !bytes.isEmpty else { return OTLPMetricsRequest() }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: Data(bytes), options: []) } catch {
            throw OTLPDecodeError("json: the body is not valid JSON: \(jsonErrorText(error))")
        }
        var reader = OTLPJSONReader(limits: limits)
        return try reader.request(root)
    }

    static func jsonErrorText(_ error: Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
    }
}

struct OTLPJSONReader {
    let limits: OTLPLimits
    var path: [String] = []
    var dataPoints = 0

    func fail(_ what: String) -> OTLPDecodeError {
        OTLPDecodeError("json: " + (path.isEmpty ? what : path.joined(separator: ".") + ": " + what))
    }

    mutating func at<T>(_ element: String, _ body: (inout OTLPJSONReader) throws(OTLPDecodeError) -> T) throws(OTLPDecodeError) -> T {
        path.append(element)
        defer { path.removeLast() }
        return try body(&self)
    }

    static func snakeCase(_ camel: String) -> String {
        var out = ""
        for c in camel {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }

    /// The value of field `name` (lowerCamelCase, or its snake_case form); nil when absent or null.
    func field(_ object: [String: Any], _ name: String) -> Any? {
        let v = object[name] ?? object[Self.snakeCase(name)]
        return v is NSNull ? nil : v
    }

    func object(_ v: Any, _ what: String) throws(OTLPDecodeError) -> [String: Any] {
        guard let o = v as? [String: Any] else { throw fail("\(what) must be a JSON object") }
        return o
    }

    func list(_ object: [String: Any], _ name: String) throws(OTLPDecodeError) -> [Any] {
        guard let v = field(object, name) else { return [] }
        guard let a = v as? [Any] else { throw fail("\(name) must be a JSON array") }
        return a
    }

    func string(_ object: [String: Any], _ name: String) throws(OTLPDecodeError) -> String {
        guard let v = field(object, name) else { return "" }
        guard let s = v as? String else { throw fail("\(name) must be a string") }
        return s
    }

    func uint64(_ v: Any?, _ name: String) throws(OTLPDecodeError) -> UInt64 {
        guard let v else { return 0 }
        if let s = v as? String {
            guard let n = UInt64(s) else { throw fail("\(name) \"\(s.prefix(40))\" is not an unsigned 64-bit integer") }
            return n
        }
        if let n = v as? UInt64 { return n }
        if let d = v as? Double, d >= 0, d < 0x1p64, d == d.rounded() { return UInt64(d) }
        throw fail("\(name) must be an unsigned integer (a number or a decimal string)")
    }

    func int64(_ v: Any?, _ name: String) throws(OTLPDecodeError) -> Int64 {
        guard let v else { return 0 }
        if let s = v as? String {
            guard let n = Int64(s) else { throw fail("\(name) \"\(s.prefix(40))\" is not a 64-bit integer") }
            return n
        }
        if let n = v as? Int64 { return n }
        if let d = v as? Double, d >= -0x1p63, d < 0x1p63, d == d.rounded() { return Int64(d) }
        throw fail("\(name) must be an integer (a number or a decimal string)")
    }

    func double(_ v: Any?, _ name: String) throws(OTLPDecodeError) -> Double {
        guard let v else { return 0 }
        if let s = v as? String {
            switch s {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                guard let d = Double(s) else { throw fail("\(name) \"\(s.prefix(40))\" is not a number") }
                return d
            }
        }
        if let d = v as? Double { return d }
        throw fail("\(name) must be a number")
    }

    func bool(_ v: Any?, _ name: String) throws(OTLPDecodeError) -> Bool {
        guard let v else { return false }
        guard let b = v as? Bool else { throw fail("\(name) must be true or false") }
        return b
    }

    func temporality(_ v: Any?) throws(OTLPDecodeError) -> OTLPTemporality {
        guard let v else { return .unspecified }
        if let s = v as? String {
            switch s {
            case "AGGREGATION_TEMPORALITY_UNSPECIFIED": return .unspecified
            case "AGGREGATION_TEMPORALITY_DELTA": return .delta
            case "AGGREGATION_TEMPORALITY_CUMULATIVE": return .cumulative
            default: throw fail("aggregationTemporality \"\(s.prefix(60))\" is not AGGREGATION_TEMPORALITY_DELTA or _CUMULATIVE")
            }
        }
        let n = try int64(v, "aggregationTemporality")
        guard let t = OTLPTemporality(rawValue: Int(truncatingIfNeeded: n)), n >= 0, n <= 2 else {
            throw fail("aggregationTemporality \(n) is not one of 0 (unspecified), 1 (delta), 2 (cumulative)")
        }
        return t
    }

    mutating func countPoint() throws(OTLPDecodeError) {
        dataPoints += 1
        guard dataPoints <= limits.dataPointsPerRequestMax else {
            throw fail("the request has more than \(limits.dataPointsPerRequestMax) data points (dataPointsPerRequestMax); send smaller batches")
        }
    }

    mutating func request(_ root: Any) throws(OTLPDecodeError) -> OTLPMetricsRequest {
        let o = try object(root, "the request")
        var out = OTLPMetricsRequest()
        for (i, item) in try list(o, "resourceMetrics").enumerated() {
            out.resourceMetrics.append(try at("resourceMetrics[\(i)]") { (r) throws(OTLPDecodeError) in try r.resourceMetrics(item) })
        }
        return out
    }

    mutating func resourceMetrics(_ v: Any) throws(OTLPDecodeError) -> OTLPResourceMetrics {
        let o = try object(v, "resourceMetrics entry")
        var out = OTLPResourceMetrics()
        if let resource = field(o, "resource") {
            let ro = try object(resource, "resource")
            out.resource = try at("resource") { (r) throws(OTLPDecodeError) in try r.attributes(ro) }
        }
        for (i, item) in try list(o, "scopeMetrics").enumerated() {
            out.scopeMetrics.append(try at("scopeMetrics[\(i)]") { (r) throws(OTLPDecodeError) in try r.scopeMetrics(item) })
        }
        return out
    }

    mutating func scopeMetrics(_ v: Any) throws(OTLPDecodeError) -> OTLPScopeMetrics {
        let o = try object(v, "scopeMetrics entry")
        var out = OTLPScopeMetrics()
        if let scope = field(o, "scope") {
            let so = try object(scope, "scope")
            out.scopeName = try string(so, "name")
            out.scopeVersion = try string(so, "version")
        }
        for (i, item) in try list(o, "metrics").enumerated() {
            out.metrics.append(try at("metrics[\(i)]") { (r) throws(OTLPDecodeError) in try r.metric(item) })
        }
        return out
    }

    mutating func metric(_ v: Any) throws(OTLPDecodeError) -> OTLPMetric {
        let o = try object(v, "metric")
        var out = OTLPMetric(name: try string(o, "name"), description: try string(o, "description"), unit: try string(o, "unit"))
        if let g = field(o, "gauge") {
            let go = try object(g, "gauge")
            out.data = .gauge(try at("gauge") { (r) throws(OTLPDecodeError) in try r.points(go) { (r, p) throws(OTLPDecodeError) in try r.numberPoint(p) } })
        } else if let s = field(o, "sum") {
            let so = try object(s, "sum")
            let points = try at("sum") { (r) throws(OTLPDecodeError) in try r.points(so) { (r, p) throws(OTLPDecodeError) in try r.numberPoint(p) } }
            out.data = .sum(points, temporality: try temporality(field(so, "aggregationTemporality")), monotonic: try bool(field(so, "isMonotonic"), "isMonotonic"))
        } else if let h = field(o, "histogram") {
            let ho = try object(h, "histogram")
            let points = try at("histogram") { (r) throws(OTLPDecodeError) in try r.points(ho) { (r, p) throws(OTLPDecodeError) in try r.histogramPoint(p) } }
            out.data = .histogram(points, temporality: try temporality(field(ho, "aggregationTemporality")))
        } else if let e = field(o, "exponentialHistogram") {
            let eo = try object(e, "exponentialHistogram")
            let n = try at("exponentialHistogram") { (r) throws(OTLPDecodeError) -> Int in
                let all = try r.list(eo, "dataPoints")
                for _ in all { try r.countPoint() }
                return all.count
            }
            out.data = .exponentialHistogram(pointCount: n)
        } else if let s = field(o, "summary") {
            let so = try object(s, "summary")
            out.data = .summary(try at("summary") { (r) throws(OTLPDecodeError) in try r.points(so) { (r, p) throws(OTLPDecodeError) in try r.summaryPoint(p) } })
        }
        return out
    }

    mutating func points<P>(_ o: [String: Any], _ one: (inout OTLPJSONReader, [String: Any]) throws(OTLPDecodeError) -> P) throws(OTLPDecodeError) -> [P] {
        var out: [P] = []
        for (i, item) in try list(o, "dataPoints").enumerated() {
            try countPoint()
            out.append(try at("dataPoints[\(i)]") { (r) throws(OTLPDecodeError) in try one(&r, try r.object(item, "data point")) })
        }
        return out
    }

    mutating func numberPoint(_ o: [String: Any]) throws(OTLPDecodeError) -> OTLPNumberPoint {
        var p = OTLPNumberPoint(attributes: try attributes(o))
        p.startTimeUnixNano = try uint64(field(o, "startTimeUnixNano"), "startTimeUnixNano")
        p.timeUnixNano = try uint64(field(o, "timeUnixNano"), "timeUnixNano")
        p.flags = UInt32(truncatingIfNeeded: try uint64(field(o, "flags"), "flags"))
        if let d = field(o, "asDouble") { p.value = .double(try double(d, "asDouble")) }
        if let i = field(o, "asInt") { p.value = .int(try int64(i, "asInt")) }
        return p
    }

    mutating func histogramPoint(_ o: [String: Any]) throws(OTLPDecodeError) -> OTLPHistogramPoint {
        var p = OTLPHistogramPoint(attributes: try attributes(o))
        p.startTimeUnixNano = try uint64(field(o, "startTimeUnixNano"), "startTimeUnixNano")
        p.timeUnixNano = try uint64(field(o, "timeUnixNano"), "timeUnixNano")
        p.flags = UInt32(truncatingIfNeeded: try uint64(field(o, "flags"), "flags"))
        p.count = try uint64(field(o, "count"), "count")
        if let s = field(o, "sum") { p.sum = try double(s, "sum") }
        for (i, c) in try list(o, "bucketCounts").enumerated() { p.bucketCounts.append(try uint64(c, "bucketCounts[\(i)]")) }
        for (i, b) in try list(o, "explicitBounds").enumerated() { p.explicitBounds.append(try double(b, "explicitBounds[\(i)]")) }
        return p
    }

    mutating func summaryPoint(_ o: [String: Any]) throws(OTLPDecodeError) -> OTLPSummaryPoint {
        var p = OTLPSummaryPoint(attributes: try attributes(o))
        p.startTimeUnixNano = try uint64(field(o, "startTimeUnixNano"), "startTimeUnixNano")
        p.timeUnixNano = try uint64(field(o, "timeUnixNano"), "timeUnixNano")
        p.flags = UInt32(truncatingIfNeeded: try uint64(field(o, "flags"), "flags"))
        p.count = try uint64(field(o, "count"), "count")
        p.sum = try double(field(o, "sum"), "sum")
        for (i, q) in try list(o, "quantileValues").enumerated() {
            let qo = try object(q, "quantileValues[\(i)]")
            p.quantiles.append(.init(quantile: try double(field(qo, "quantile"), "quantileValues[\(i)].quantile"),
                                     value: try double(field(qo, "value"), "quantileValues[\(i)].value")))
        }
        return p
    }

    mutating func attributes(_ o: [String: Any]) throws(OTLPDecodeError) -> [OTLPKeyValue] {
        let all = try list(o, "attributes")
        guard all.count <= limits.attributesPerPointMax else {
            throw fail("\(all.count) attributes, more than \(limits.attributesPerPointMax) (attributesPerPointMax)")
        }
        var out: [OTLPKeyValue] = []
        for (i, item) in all.enumerated() {
            out.append(try at("attributes[\(i)]") { (r) throws(OTLPDecodeError) in try r.keyValue(item, depth: 0) })
        }
        return out
    }

    func keyValue(_ v: Any, depth: Int) throws(OTLPDecodeError) -> OTLPKeyValue {
        let o = try object(v, "attribute")
        let key = try string(o, "key")
        guard let value = field(o, "value") else { return OTLPKeyValue(key, .empty) }
        return OTLPKeyValue(key, try anyValue(value, depth: depth))
    }

    func anyValue(_ v: Any, depth: Int) throws(OTLPDecodeError) -> OTLPAnyValue {
        let o = try object(v, "attribute value")
        if let s = field(o, "stringValue") {
            guard let s = s as? String else { throw fail("stringValue must be a string") }
            return .string(s)
        }
        if let b = field(o, "boolValue") { return .bool(try bool(b, "boolValue")) }
        if let i = field(o, "intValue") { return .int(try int64(i, "intValue")) }
        if let d = field(o, "doubleValue") { return .double(try double(d, "doubleValue")) }
        if let b = field(o, "bytesValue") {
            guard let s = b as? String, let data = Data(base64Encoded: s) else { throw fail("bytesValue must be a base64 string") }
            return .bytes(Array(data))
        }
        let isList = field(o, "kvlistValue") != nil
        guard let nested = field(o, "arrayValue") ?? field(o, "kvlistValue") else { return .empty }
        guard depth < limits.attributeDepthMax else {
            throw fail("attribute value nests arrays or key-value lists more than \(limits.attributeDepthMax) deep (attributeDepthMax)")
        }
        let values = try list(try object(nested, isList ? "kvlistValue" : "arrayValue"), "values")
        if isList {
            var pairs: [OTLPKeyValue] = []
            for item in values { pairs.append(try keyValue(item, depth: depth + 1)) }
            return .kvlist(pairs)
        }
        var items: [OTLPAnyValue] = []
        for item in values { items.append(try anyValue(item, depth: depth + 1)) }
        return .array(items)
    }
}
