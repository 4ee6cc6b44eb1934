import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The scrape benchmark's targets: one HTTP server on 127.0.0.1 answering `GET /metrics?shard=N&series=M`
/// with shard N's payload of M series (`ScrapePayload`), values as of the moment of the request. Payload
/// shapes are built once (`prepare`); a request only renders values. Plain 0.0.4 text, no gzip, so the
/// scrapers' cost is parsing and storing, not decompressing. Its CPU is the benchmark process's, never
/// counted for the servers under test.
final class TargetServer: Sendable {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let payloads: PayloadTable

    /// Starts serving `payloads` (shard → payload), values moving from time zero at `epoch`.
    init(payloads: [String: ScrapePayload], epoch: Date, threads: Int = 2) throws {
        let table = PayloadTable(payloads: payloads, epoch: epoch)
        self.payloads = table
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(table: table))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
    }

    /// Requests answered so far (all shards), and how many were not 200.
    var requests: (total: Int, failed: Int) { payloads.counts() }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// The payloads by `shard` query value, and request counters.
final class PayloadTable: @unchecked Sendable {
    private let payloads: [String: ScrapePayload]
    private let epoch: Date
    private let lock = NSLock()
    private var total = 0
    private var failed = 0

    init(payloads: [String: ScrapePayload], epoch: Date) {
        self.payloads = payloads
        self.epoch = epoch
    }

    func counts() -> (total: Int, failed: Int) { lock.withLock { (total, failed) } }

    /// The body for a request URI, or nil (404) for an unknown shard or series count.
    func body(for uri: String) -> [UInt8]? {
        var shard: String?, series: Int?
        if let q = uri.firstIndex(of: "?") {
            for pair in uri[uri.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                if kv[0] == "shard" { shard = String(kv[1]) }
                if kv[0] == "series" { series = Int(kv[1]) }
            }
        }
        let payload = shard.flatMap { payloads[$0] }
        let ok = payload != nil && (series == nil || series == payload!.seriesCount)
        lock.withLock {
            total += 1
            if !ok { failed += 1 }
        }
        guard ok, let payload else { return nil }
        return payload.render(at: Date().timeIntervalSince(epoch))
    }
}

private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let table: PayloadTable
    private var uri = ""
    private var keepAlive = true

    init(table: PayloadTable) { self.table = table }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            uri = head.uri
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            let body = table.body(for: uri)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: body == nil ? "text/plain; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8")
            let bytes = body ?? Array("unknown shard or series count: \(uri)\n".utf8)
            headers.add(name: "Content-Length", value: String(bytes.count))
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: body == nil ? .notFound : .ok, headers: headers))), promise: nil)
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
