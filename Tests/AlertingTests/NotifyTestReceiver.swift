import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP server on 127.0.0.1 that records what integrations post and answers as told: the peer the
/// webhook, Slack, PagerDuty, Teams and SMS tests send to.
final class NotifyTestReceiver: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: String

        /// The body parsed as JSON.
        func json() throws -> NSDictionary {
            guard let d = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? NSDictionary else {
                throw ReceiverError("body is not a JSON object: \(body)")
            }
            return d
        }
    }

    struct Answer: Sendable {
        var status: Int
        var contentType = "text/plain"
        var body = ""
        /// Never answer (the connection stays open): a receiver that hangs.
        var hang = false
    }

    struct ReceiverError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    let port: Int
    private let channel: any Channel
    private let recorded: Mutex<[Request]>

    var requests: [Request] { recorded.withLock { $0 } }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
        self.recorded = Mutex([])
    }

    /// Starts listening on a free port; `answer` decides each response.
    static func start(_ answer: @escaping @Sendable (Request) -> Answer = { _ in Answer(status: 200, body: "ok") }) async throws -> NotifyTestReceiver {
        let box = RequestsBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.configureHTTPServerPipeline()
                    try ch.pipeline.syncOperations.addHandler(Handler(answer: answer, record: { r in box.append(r) }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let receiver = NotifyTestReceiver(port: channel.localAddress!.port!, channel: channel)
        box.set(receiver)
        return receiver
    }

    fileprivate func append(_ r: Request) { recorded.withLock { $0.append(r) } }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async { try? await channel.close() }

    final class RequestsBox: Sendable {
        let receiver = Mutex<NotifyTestReceiver?>(nil)
        func set(_ r: NotifyTestReceiver) { receiver.withLock { $0 = r } }
        func append(_ r: Request) { receiver.withLock { $0?.append(r) } }
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let answer: @Sendable (Request) -> Answer
        let record: @Sendable (Request) -> Void
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(answer: @escaping @Sendable (Request) -> Answer, record: @escaping @Sendable (Request) -> Void) {
            self.answer = answer
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h; body.clear()
            case .body(var b): body.writeBuffer(&b)
            case .end:
                guard let h = head else { return }
                var headers: [String: String] = [:]
                for (k, v) in h.headers { headers[k.lowercased()] = v }
                let request = Request(method: h.method.rawValue, uri: h.uri, headers: headers, body: String(buffer: body))
                record(request)
                let a = answer(request)
                if a.hang { return }
                var responseHeaders = HTTPHeaders()
                responseHeaders.add(name: "Content-Type", value: a.contentType)
                responseHeaders.add(name: "Content-Length", value: String(a.body.utf8.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .init(statusCode: a.status), headers: responseHeaders))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: a.body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
