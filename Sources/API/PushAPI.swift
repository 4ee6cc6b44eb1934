import Foundation
import Hummingbird
import Ingest

/// The Pushgateway's push API: `PUT|POST|DELETE /metrics/job/<job>{/<label>/<value>}` (values may be
/// base64url-encoded as `<label>@base64/<value>`). What a push stores is written to the metric store before
/// the push is answered.
public struct PushAPI: Sendable {
    let registry: PushRegistry
    let manager: ScrapeManager
    let pushJob: String

    public init(registry: PushRegistry, manager: ScrapeManager, pushJob: String) {
        self.registry = registry
        self.manager = manager
        self.pushJob = pushJob
    }

    public func register(_ router: Router<BasicRequestContext>) {
        for path in ["/metrics/job/{job}", "/metrics/job/{job}/**", "/metrics/job@base64/{job}", "/metrics/job@base64/{job}/**"] {
            router.put(RouterPath(stringLiteral: path)) { r, c in await self.handle(r, c, .put) }
            router.post(RouterPath(stringLiteral: path)) { r, c in await self.handle(r, c, .post) }
            router.delete(RouterPath(stringLiteral: path)) { r, c in await self.handle(r, c, nil) }
        }
    }

    func handle(_ request: Request, _ context: BasicRequestContext, _ method: PushRegistry.PushMethod?) async -> Response {
        let key: [String: String]
        do { key = try PushAPI.groupingKey(request.uri.path) } catch {
            return text("\(error)\n", status: .badRequest)
        }
        do {
            if let method {
                if let ct = request.headers[.contentType], ct.contains("application/vnd.google.protobuf") {
                    return text("the protobuf push format is not supported; push the text format (Content-Type: text/plain; version=0.0.4)\n",
                                status: .unsupportedMediaType)
                }
                var req = request
                let buffer: ByteBuffer
                do { buffer = try await req.collectBody(upTo: PushRegistry.pushBodyBytesMax) } catch {
                    return text("push body is over the limit of \(PushRegistry.pushBodyBytesMax) bytes\n", status: .badRequest)
                }
                var body = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
                if request.headers[.contentEncoding]?.lowercased() == "gzip" {
                    do { body = try Gzip.decompress(body, limit: PushRegistry.pushBodyBytesMax) } catch {
                        return text("bad gzip body: \(error)\n", status: .badRequest)
                    }
                }
                try registry.push(body, groupingKey: key, method: method)
            } else {
                try registry.delete(groupingKey: key)
            }
        } catch let e as PushRegistry.PushError {
            return text("pushed metrics are invalid or inconsistent with existing metrics: \(e.message)\n", status: .badRequest)
        } catch {
            return text("\(error)\n", status: .internalServerError)
        }
        await manager.scrapeNow(job: pushJob)
        return method == nil ? Response(status: .accepted) : Response(status: .ok)
    }

    /// `/metrics/job/<job>/<label>/<value>/…` → grouping key; `@base64` suffixes decode base64url values.
    static func groupingKey(_ path: String) throws -> [String: String] {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).map(String.init)
        // A trailing slash (`…/job/x/`) is not an empty label.
        if parts.count % 2 == 1, parts.last == "" { parts.removeLast() }
        // parts: ["job", "<job>", "<label>", "<value>", …]
        guard parts.count >= 2, parts.count % 2 == 0 else {
            throw PushRegistry.PushError(message: "the path must be /metrics/job/<JOB>{/<LABEL>/<VALUE>}: labels and values come in pairs")
        }
        var key: [String: String] = [:]
        var i = 0
        while i < parts.count {
            var name = parts[i]
            var value = parts[i + 1].removingPercentEncoding ?? parts[i + 1]
            if name.hasSuffix("@base64") {
                name = String(name.dropLast(7))
                guard let decoded = PushAPI.base64URL(value) else {
                    throw PushRegistry.PushError(message: "invalid base64 encoding in label value for \(name): \"\(value)\"")
                }
                value = decoded
            }
            guard isValidLabelName(name), !name.hasPrefix("__") else {
                throw PushRegistry.PushError(message: "improper label name \"\(name)\" in the grouping key")
            }
            guard key[name] == nil else { throw PushRegistry.PushError(message: "label \(name) appears twice in the grouping key") }
            if name == "job", value.isEmpty { throw PushRegistry.PushError(message: "job name is required") }
            key[name] = value
            i += 2
        }
        return key
    }

    static func base64URL(_ s: String) -> String? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        if s == "=" || s.isEmpty { return "" }
        guard let data = Data(base64Encoded: t) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
