import OspreyCore

/// Builds JSON text directly; the API's responses are simple and this keeps their shape exact.
struct JSONWriter {
    var out: String = ""

    init(capacity: Int = 256) { out.reserveCapacity(capacity) }

    mutating func raw(_ s: String) { out += s }

    mutating func string(_ s: String) {
        appendJSONString(s, to: &out)
    }

    mutating func labels(_ labels: Labels) {
        out += "{"
        var first = true
        for l in labels {
            if !first { out += "," }
            first = false
            string(l.name)
            out += ":"
            string(l.value)
        }
        out += "}"
    }

    mutating func stringArray(_ values: [String]) {
        out += "["
        for (i, v) in values.enumerated() {
            if i > 0 { out += "," }
            string(v)
        }
        out += "]"
    }
}

enum APIErrorType: String {
    case badData = "bad_data"
    case execution
    case unavailable
    case internalError = "internal"
    case timeout
    case canceled
}

/// An error answered in Prometheus's shape: `{"status":"error","errorType":…,"error":…}`.
struct APIError: Error {
    let type: APIErrorType
    let message: String
    var status: Int {
        switch type {
        case .badData: return 400
        case .execution: return 422
        case .unavailable: return 503
        case .internalError: return 500
        case .timeout: return 503
        // Prometheus answers a query whose client went away with nginx's 499 (client closed request).
        case .canceled: return 499
        }
    }

    static func badData(_ m: String) -> APIError { APIError(type: .badData, message: m) }
}
