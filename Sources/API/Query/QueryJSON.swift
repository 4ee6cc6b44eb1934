import OspreyCore
import PromQL

/// JSON of query results in the Prometheus HTTP API's shapes.
extension JSONWriter {
    /// Prometheus prints at most this many warnings and infos per response, then how many it left out.
    static let annotationsShownMax = 10

    /// `{"status":"success","data":…,"warnings":[…],"infos":[…]}`; empty lists are left out, as Prometheus does.
    static func success(data: String, warnings: [String] = [], infos: [String] = []) -> String {
        var w = JSONWriter(capacity: data.utf8.count + 64)
        w.raw("{\"status\":\"success\",\"data\":")
        w.raw(data)
        w.annotations("warnings", warnings, kind: "warning")
        w.annotations("infos", infos, kind: "info")
        w.raw("}")
        return w.out
    }

    private mutating func annotations(_ key: String, _ list: [String], kind: String) {
        guard !list.isEmpty else { return }
        var shown = Array(list.prefix(JSONWriter.annotationsShownMax))
        if list.count > shown.count { shown.append("\(list.count - shown.count) more \(kind) annotations omitted") }
        raw(",\"\(key)\":")
        stringArray(shown)
    }

    /// A timestamp in seconds with millisecond digits, as Prometheus writes it (`1435781451.781`, `12`, `1.500`).
    mutating func timestamp(_ t: Int64) {
        let magnitude = t.magnitude
        if t < 0 { raw("-") }
        raw(String(magnitude / 1000))
        let fraction = magnitude % 1000
        if fraction != 0 {
            raw(fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".")
            raw(String(fraction))
        }
    }

    /// `[t, "v"]`
    mutating func point(_ t: Int64, _ v: Double) {
        raw("[")
        timestamp(t)
        raw(",\"")
        raw(formatAPIFloat(v))
        raw("\"]")
    }

    /// `{"resultType":…,"result":…}` plus `stats` when present.
    mutating func queryData(_ value: QueryValue, stats: QueryStats?, perStep: Bool) {
        raw("{\"resultType\":\"")
        raw(value.type.rawValue)
        raw("\",\"result\":")
        switch value {
        case .scalar(let t, let v):
            point(t, v)
        case .string(let t, let s):
            raw("[")
            timestamp(t)
            raw(",")
            string(s)
            raw("]")
        case .vector(let elements):
            raw("[")
            for (i, e) in elements.enumerated() {
                if i > 0 { raw(",") }
                raw("{\"metric\":")
                labels(e.labels)
                raw(",\"value\":")
                point(e.t, e.v)
                raw("}")
            }
            raw("]")
        case .matrix(let series):
            raw("[")
            for (i, s) in series.enumerated() {
                if i > 0 { raw(",") }
                raw("{\"metric\":")
                labels(s.labels)
                raw(",\"values\":[")
                for (j, p) in s.points.enumerated() {
                    if j > 0 { raw(",") }
                    point(p.t, p.v)
                }
                raw("]}")
            }
            raw("]")
        }
        if let stats { raw(",\"stats\":"); queryStats(stats, perStep: perStep) }
        raw("}")
    }

    /// Prometheus's `stats` object: timings in seconds and sample counts.
    mutating func queryStats(_ s: QueryStats, perStep: Bool) {
        raw("{\"timings\":{")
        raw("\"evalTotalTime\":\(jsonNumber(s.evalSeconds)),\"resultSortTime\":0,")
        raw("\"queryPreparationTime\":\(jsonNumber(s.prepareSeconds)),\"innerEvalTime\":\(jsonNumber(s.evalSeconds)),")
        raw("\"execQueueTime\":0,\"execTotalTime\":\(jsonNumber(s.totalSeconds))},")
        raw("\"samples\":{")
        if perStep {
            raw("\"totalQueryableSamplesPerStep\":[")
            for (i, p) in s.samplesPerStep.enumerated() {
                if i > 0 { raw(",") }
                raw("[")
                timestamp(p.t)
                raw(",\(Int64(p.v))]")
            }
            raw("],")
        }
        raw("\"totalQueryableSamples\":\(s.totalSamples),\"samplesRead\":\(s.totalSamples),\"peakSamples\":\(s.peakSamples)}}")
    }
}

/// A JSON number for a finite double (timings); 0 for anything else.
func jsonNumber(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    return formatAPIFloat(v)
}

/// Sample values as the Prometheus API writes them: Go's `'f'` format with the shortest round-trip digits,
/// switching to the exponent form below 1e-6 and from 1e21 (`1e-07`, `1e+21`); `NaN`, `+Inf`, `-Inf`.
func formatAPIFloat(_ v: Double) -> String {
    let magnitude = abs(v)
    if v.isFinite, magnitude != 0, magnitude < 1e-6 || magnitude >= 1e21 {
        // Swift prints these magnitudes in exponent form with Go's spelling: at least two exponent digits.
        return "\(v)"
    }
    return formatPrometheusFloat(v)
}
