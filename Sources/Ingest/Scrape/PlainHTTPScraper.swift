import Foundation
import NIOCore
import NIOPosix

/// Scrapes one plain-HTTP target over a kept-alive connection of its own: the request bytes are built once,
/// the response is read by `HTTPResponseReader` on the event loop and handed over whole, in one wake-up of
/// the scrape loop. This is the common case (exporters on a private network); HTTPS, proxies and redirects go
/// through the general client.
final class PlainHTTPScraper: @unchecked Sendable {
    enum Outcome {
        case response(HTTPResponseReader.Head, [UInt8])
        /// A 3xx answer: the caller follows it with the general client.
        case redirect
    }

    let host: String
    let port: Int
    private let request: [UInt8]
    private let bodyBytesMax: Int
    /// Connections live on the scrape loop's event loop, where the loop itself runs.
    private let eventLoop: any EventLoop
    private let lock = NSLock()
    /// The kept-alive connection between scrapes, if the last response allowed reuse.
    private var idle: (Channel, ResponseHandler)?

    /// nil when `url` is not plain `http://host[:port]/path` (the general client handles it).
    init?(url: String, headers: [(String, String)], bodyBytesMax: Int, eventLoop: any EventLoop) {
        guard let c = URLComponents(string: url), c.scheme?.lowercased() == "http", let host = c.host, !host.isEmpty,
              c.user == nil else { return nil }
        self.host = host
        self.port = c.port ?? 80
        self.bodyBytesMax = bodyBytesMax
        self.eventLoop = eventLoop
        var path = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
        if let q = c.percentEncodedQuery { path += "?" + q }
        let hostHeader = (host.contains(":") ? "[\(host)]" : host) + (c.port.map { ":\($0)" } ?? "")
        var text = "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        request = Array(text.utf8)
    }

    deinit { idle?.0.close(promise: nil) }

    /// Sends the request and reads the whole response within `timeoutMs`. Called from the scrape loop
    /// (`isolation`), which runs on `eventLoop`: the answer resumes it there, without a thread hand-off.
    func fetch(timeoutMs: Int64, isolation: isolated (any Actor)?) async throws -> Outcome {
        let deadline = NIODeadline.now() + .milliseconds(timeoutMs)
        if let reused = lock.withLock({ () -> (Channel, ResponseHandler)? in defer { idle = nil }; return idle }) {
            do {
                return try await exchange(reused, deadline: deadline, isolation: isolation)
            } catch let e as StaleConnection {
                _ = e   // the server closed the kept-alive connection before answering: one fresh try
            }
        }
        let handler = ResponseHandler()
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(.milliseconds(max(1, (deadline - .now()).nanoseconds / 1_000_000)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(handler) } }
                .connect(host: host, port: port).get()
        } catch {
            if case ChannelError.connectTimeout = error {
                throw ScrapeError("context deadline exceeded while connecting to \(host):\(port)")
            }
            throw ScrapeError("dial tcp \(host):\(port): \(error)")
        }
        do {
            return try await exchange((channel, handler), deadline: deadline, isolation: isolation)
        } catch is StaleConnection {
            throw ScrapeError("the connection closed before a response")
        }
    }

    private func exchange(_ conn: (Channel, ResponseHandler), deadline: NIODeadline,
                          isolation: isolated (any Actor)?) async throws -> Outcome {
        let (channel, handler) = conn
        let promise = channel.eventLoop.makePromise(of: HTTPResponseReader.self)
        let request = self.request
        let max = bodyBytesMax
        let send: @Sendable () -> Void = {
            handler.start(HTTPResponseReader(bodyBytesMax: max), promise: promise, channel: channel, deadline: deadline)
            channel.writeAndFlush(ByteBuffer(bytes: request), promise: nil)
        }
        if channel.eventLoop.inEventLoop { send() } else { channel.eventLoop.execute(send) }
        let reader: HTTPResponseReader
        do {
            reader = try await withCheckedThrowingContinuation(isolation: isolation) { (c: CheckedContinuation<HTTPResponseReader, Error>) in
                promise.futureResult.whenComplete { c.resume(with: $0) }
            }
        } catch {
            channel.close(promise: nil)
            throw error
        }
        if reader.head.keepAlive {
            let evicted = lock.withLock { () -> Channel? in
                if idle == nil { idle = conn; return nil }
                return channel
            }
            evicted?.close(promise: nil)
        } else {
            channel.close(promise: nil)
        }
        if [301, 302, 303, 307, 308].contains(reader.head.status) { return .redirect }
        return .response(reader.head, reader.body)
    }
}

/// A kept-alive connection closed before any byte of the response.
private struct StaleConnection: Error {}

/// Feeds a connection's bytes to the reader of the request in flight; lives on the channel's event loop.
private final class ResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var reader: HTTPResponseReader?
    private var promise: EventLoopPromise<HTTPResponseReader>?
    private var timeout: Scheduled<Void>?

    func start(_ reader: HTTPResponseReader, promise: EventLoopPromise<HTTPResponseReader>, channel: Channel, deadline: NIODeadline) {
        guard channel.isActive else {
            promise.fail(StaleConnection())
            return
        }
        self.reader = reader
        self.promise = promise
        timeout = channel.eventLoop.scheduleTask(deadline: deadline) { [weak self] in
            self?.fail(ScrapeError("context deadline exceeded"))
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard reader != nil else { return }
        do {
            let done = try buffer.withUnsafeReadableBytes { try reader!.feed($0) }
            if done { succeed() }
        } catch {
            fail(ScrapeError("\(error)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if reader != nil {
            if reader!.receivedAny == false {
                fail(StaleConnection())
            } else {
                do {
                    try reader!.finishAtClose()
                    succeed()
                } catch {
                    fail(ScrapeError("\(error)"))
                }
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(ScrapeError("reading the response failed: \(error)"))
        context.close(promise: nil)
    }

    private func succeed() {
        timeout?.cancel()
        let r = reader!
        reader = nil
        promise?.succeed(r)
        promise = nil
    }

    private func fail(_ error: Error) {
        timeout?.cancel()
        reader = nil
        promise?.fail(error)
        promise = nil
    }
}
