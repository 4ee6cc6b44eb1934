import Foundation
import Hummingbird
import Ingest

/// OTLP/HTTP metrics: `POST /v1/metrics` with `application/x-protobuf` or `application/json` bodies,
/// optionally `Content-Encoding: gzip`. Answers as the OTLP/HTTP specification says: 200 with an
/// `ExportMetricsServiceResponse` in the request's encoding (with `partial_success` when points were
/// rejected), 400 with a `google.rpc.Status` for malformed payloads (nothing stored), 415 for other
/// content types or encodings, 503 while the store is not ready.
public struct OTLPHTTPHandler: Sendable {
    let receiver: OTLPMetricsReceiver

    /// Paths the handler is mounted on: its own listener, and on the main router as Osprey's and Prometheus's paths.
    public static let listenerPath = "/v1/metrics"
    public static let mainRouterPaths = ["/otlp/v1/metrics", "/api/v1/otlp/v1/metrics"]

    public init(receiver: OTLPMetricsReceiver) {
        self.receiver = receiver
    }

    /// Adds `POST path` for each path to `router`.
    public func addRoutes(to router: Router<BasicRequestContext>, paths: [String]) {
        for path in paths {
            router.post(RouterPath(path)) { request, context in try await self.handle(request, context) }
        }
    }

    public func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let contentType = (request.headers[.contentType] ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        let format: OTLPFormat
        switch contentType {
        case "application/x-protobuf": format = .protobuf
        case "application/json": format = .json
        default:
            return text("unsupported Content-Type \"\(contentType)\"; OTLP/HTTP takes application/x-protobuf or application/json\n",
                        status: .unsupportedMediaType)
        }
        let encoding = (request.headers[.contentEncoding] ?? "identity").trimmingCharacters(in: .whitespaces).lowercased()
        guard encoding == "gzip" || encoding == "identity" || encoding.isEmpty else {
            return text("unsupported Content-Encoding \"\(encoding)\"; use gzip or none\n", status: .unsupportedMediaType)
        }
        let limit = receiver.limits.bodyBytesMax
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            return status(.badRequest, .invalidArgument, "request body is \(length) bytes, over the limit of \(limit) bytes (bodyBytesMax)", format)
        }
        var req = request
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: limit) } catch {
            return status(.badRequest, .invalidArgument, "request body is over the limit of \(limit) bytes (bodyBytesMax)", format)
        }
        let body = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        switch receiver.export(body, format: format, gzip: encoding == "gzip") {
        case .success(let rejected, let message):
            let bytes = OTLPResponse.export(rejectedPoints: rejected, message: message, format: format)
            return Response(status: .ok, headers: [.contentType: Self.contentType(format)], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .invalid(let message):
            return status(.badRequest, .invalidArgument, "bad OTLP metrics request: \(message)", format)
        case .unavailable(let message):
            var response = status(.serviceUnavailable, .unavailable, message, format)
            response.headers[.retryAfter] = "1"
            return response
        case .failed(let message):
            return status(.internalServerError, .internalError, message, format)
        }
    }

    static func contentType(_ format: OTLPFormat) -> String {
        format == .json ? "application/json" : "application/x-protobuf"
    }

    func status(_ http: HTTPResponse.Status, _ code: OTLPResponse.Code, _ message: String, _ format: OTLPFormat) -> Response {
        Response(status: http, headers: [.contentType: Self.contentType(format)],
                 body: .init(byteBuffer: ByteBuffer(bytes: OTLPResponse.status(code, message, format: format))))
    }
}
