import Foundation
import OspreyCore

/// The bodies OTLP answers with: `ExportMetricsServiceResponse` (with `partial_success` when points were
/// rejected) and, for errors, `google.rpc.Status`; protobuf or JSON, matching the request.
public enum OTLPResponse {
    /// gRPC / google.rpc.Code values OTLP uses.
    public enum Code: Int, Sendable {
        case ok = 0, invalidArgument = 3, resourceExhausted = 8, unimplemented = 12, internalError = 13, unavailable = 14
    }

    /// `ExportMetricsServiceResponse { 1: ExportMetricsPartialSuccess { 1: int64 rejected_data_points; 2: string error_message } }`.
    /// Empty (all fields default) on full success.
    public static func export(rejectedPoints: Int, message: String, format: OTLPFormat) -> [UInt8] {
        switch format {
        case .protobuf:
            guard rejectedPoints > 0 || !message.isEmpty else { return [] }
            var partial: [UInt8] = []
            if rejectedPoints > 0 {
                appendUVarint(&partial, 1 << 3 | 0)
                appendUVarint(&partial, UInt64(rejectedPoints))
            }
            appendString(2, message, to: &partial)
            var out: [UInt8] = []
            appendUVarint(&out, 1 << 3 | 2)
            appendUVarint(&out, UInt64(partial.count))
            return out + partial
        case .json:
            guard rejectedPoints > 0 || !message.isEmpty else { return Array("{}".utf8) }
            var s = "{\"partialSuccess\":{\"rejectedDataPoints\":\"\(rejectedPoints)\",\"errorMessage\":"
            appendJSONString(message, to: &s)
            s += "}}"
            return Array(s.utf8)
        }
    }

    /// `google.rpc.Status { 1: int32 code; 2: string message }`.
    public static func status(_ code: Code, _ message: String, format: OTLPFormat) -> [UInt8] {
        switch format {
        case .protobuf:
            var out: [UInt8] = []
            if code != .ok {
                appendUVarint(&out, 1 << 3 | 0)
                appendUVarint(&out, UInt64(code.rawValue))
            }
            appendString(2, message, to: &out)
            return out
        case .json:
            var s = "{\"code\":\(code.rawValue),\"message\":"
            appendJSONString(message, to: &s)
            s += "}"
            return Array(s.utf8)
        }
    }

    static func appendString(_ field: UInt64, _ s: String, to out: inout [UInt8]) {
        guard !s.isEmpty else { return }
        appendUVarint(&out, field << 3 | 2)
        appendUVarint(&out, UInt64(s.utf8.count))
        out.append(contentsOf: s.utf8)
    }
}
