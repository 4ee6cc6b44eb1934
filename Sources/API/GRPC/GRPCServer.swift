import Foundation
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import ServiceLifecycle

/// gRPC status codes the server answers with.
public enum GRPCStatusCode: Int, Sendable {
    case ok = 0, invalidArgument = 3, resourceExhausted = 8, unimplemented = 12, internalError = 13, unavailable = 14
}

/// One unary call as received: the request message (still compressed when `compression` is set).
public struct GRPCRequest: Sendable {
    public var path: String
    public var message: [UInt8]
    /// `grpc-encoding` of a message sent with its compressed flag set (`gzip`); nil when uncompressed.
    public var compression: String?
}

/// The answer to a unary call: a response message on success, or a status and message.
public struct GRPCReply: Sendable {
    public var status: GRPCStatusCode
    public var message: String
    public var response: [UInt8]?

    public static func ok(_ response: [UInt8]) -> GRPCReply { GRPCReply(status: .ok, message: "", response: response) }
    public static func error(_ status: GRPCStatusCode, _ message: String) -> GRPCReply { GRPCReply(status: status, message: message, response: nil) }
}

public typealias GRPCUnaryHandler = @Sendable (GRPCRequest) async -> GRPCReply

/// A minimal gRPC server for unary calls over cleartext HTTP/2 with prior knowledge (h2c), which is
/// how OTLP exporters connect to `http://` endpoints. Handlers are registered by method path
/// (`/opentelemetry.proto.collector.metrics.v1.MetricsService/Export`), so the OTLP logs and traces
/// services can be added the same way. Requests may be gzip-compressed (`grpc-encoding: gzip`;
/// the handler decompresses). A message over `messageBytesMax` gets RESOURCE_EXHAUSTED, an unknown
/// method UNIMPLEMENTED, framing errors INVALID_ARGUMENT.
///
/// On graceful shutdown it stops accepting connections, lets calls in progress finish (up to
/// `drainSecondsMax`) and closes the connections.
public struct GRPCServer: Service {
    public let host: String
    public let port: Int
    public let messageBytesMax: Int
    let methods: [String: GRPCUnaryHandler]
    let logger: Logger
    let name: String
    /// How long shutdown waits for calls in progress; exporters retry what is cut off.
    public static let drainSecondsMax = 10.0

    public init(name: String, host: String, port: Int, messageBytesMax: Int, methods: [String: GRPCUnaryHandler], logger: Logger) {
        self.name = name
        self.host = host
        self.port = port
        self.messageBytesMax = messageBytesMax
        self.methods = methods
        self.logger = logger
    }

    typealias StreamChannel = NIOAsyncChannel<HTTP2Frame.FramePayload, HTTP2Frame.FramePayload>
    typealias Connection = (channel: any Channel, streams: NIOHTTP2Handler.AsyncStreamMultiplexer<StreamChannel>)

    public func run() async throws {
        let server: NIOAsyncChannel<Connection, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { () throws -> Connection in
                        let streams = try channel.pipeline.syncOperations.configureAsyncHTTP2Pipeline(mode: .server) { stream in
                            stream.eventLoop.makeCompletedFuture { try StreamChannel(wrappingChannelSynchronously: stream) }
                        }
                        return (channel, streams)
                    }
                }
        } catch {
            throw GRPCServerError(description: "\(name): cannot listen on \(host):\(port): \(error)")
        }
        logger.info("listening", metadata: ["server": "\(name)", "address": "\(host):\(port)"])
        let registry = ConnectionRegistry()
        let serverChannel = server.channel
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { connections in
                        for try await connection in inbound {
                            registry.add(connection.channel)
                            connections.addTask {
                                await self.serve(connection, registry: registry)
                                registry.remove(connection.channel)
                            }
                        }
                    }
                }
            }
            try? await gracefulShutdown()
            serverChannel.close(promise: nil)
            await registry.drain(secondsMax: Self.drainSecondsMax)
        }
        logger.info("stopped", metadata: ["server": "\(name)"])
    }

    func serve(_ connection: Connection, registry: ConnectionRegistry) async {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                for try await stream in connection.streams.inbound {
                    group.addTask {
                        registry.streamStarted()
                        defer { registry.streamEnded() }
                        await self.serve(stream)
                    }
                }
            }
        } catch {
            logger.debug("connection ended", metadata: ["server": "\(name)", "error": "\(error)"])
        }
    }

    func serve(_ stream: StreamChannel) async {
        do {
            try await stream.executeThenClose { inbound, outbound in
                var headers: HPACKHeaders?
                var body: [UInt8] = []
                var oversized = false
                receive: for try await payload in inbound {
                    switch payload {
                    case .headers(let h):
                        if headers == nil { headers = h.headers }
                        if h.endStream { break receive }
                    case .data(let d):
                        if case .byteBuffer(let buffer) = d.data {
                            // The 5-byte prefix plus the message; anything more is read and dropped.
                            if body.count + buffer.readableBytes > messageBytesMax + 5 { oversized = true } else { body += buffer.readableBytesView }
                        }
                        if d.endStream { break receive }
                    default:
                        continue
                    }
                }
                let reply = await respond(headers ?? HPACKHeaders(), body, oversized: oversized)
                try await write(reply, to: outbound)
            }
        } catch {
            logger.debug("stream ended", metadata: ["server": "\(name)", "error": "\(error)"])
        }
    }

    func respond(_ headers: HPACKHeaders, _ body: [UInt8], oversized: Bool) async -> Reply {
        let path = headers.first(name: ":path") ?? ""
        guard headers.first(name: ":method") == "POST" else { return .http(405, "gRPC calls use POST") }
        guard let contentType = headers.first(name: "content-type"), contentType.hasPrefix("application/grpc") else {
            return .http(415, "gRPC requests have content-type application/grpc")
        }
        guard let handler = methods[path] else {
            return .grpc(.error(.unimplemented, "method \(path) is not implemented by this server (\(name))"))
        }
        if oversized {
            return .grpc(.error(.resourceExhausted, "request message is over the limit of \(messageBytesMax) bytes; send smaller batches"))
        }
        guard body.count >= 5 else {
            return .grpc(.error(.invalidArgument, body.isEmpty ? "no request message" : "request message prefix is truncated (\(body.count) of 5 bytes)"))
        }
        let compressedFlag = body[0]
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard compressedFlag <= 1 else { return .grpc(.error(.invalidArgument, "message compressed-flag is \(compressedFlag), must be 0 or 1")) }
        guard length <= messageBytesMax else {
            return .grpc(.error(.resourceExhausted, "request message is \(length) bytes, over the limit of \(messageBytesMax) bytes"))
        }
        guard body.count == 5 + length else {
            return .grpc(.error(.invalidArgument, body.count < 5 + length
                ? "request message is truncated: \(body.count - 5) of \(length) bytes"
                : "a unary call carries one message; \(body.count - 5 - length) bytes follow it"))
        }
        var compression: String?
        if compressedFlag == 1 {
            let encoding = headers.first(name: "grpc-encoding") ?? "identity"
            guard encoding == "gzip" else {
                return .grpc(.error(.unimplemented, "grpc-encoding \(encoding) is not supported; use gzip or identity"))
            }
            compression = encoding
        }
        return .grpc(await handler(GRPCRequest(path: path, message: Array(body[5...]), compression: compression)))
    }

    enum Reply {
        case grpc(GRPCReply)
        case http(Int, String)
    }

    func write(_ reply: Reply, to outbound: NIOAsyncChannelOutboundWriter<HTTP2Frame.FramePayload>) async throws {
        switch reply {
        case .http(let status, let message):
            var h = HPACKHeaders([(":status", String(status)), ("content-type", "text/plain")])
            h.add(name: "grpc-status", value: String(GRPCStatusCode.internalError.rawValue))
            h.add(name: "grpc-message", value: Self.percentEncoded(message))
            try await outbound.write(.headers(.init(headers: h, endStream: true)))
        case .grpc(let r):
            var h = HPACKHeaders([(":status", "200"), ("content-type", "application/grpc")])
            guard r.status == .ok, let response = r.response else {
                // Trailers-only response.
                h.add(name: "grpc-status", value: String(r.status.rawValue))
                if !r.message.isEmpty { h.add(name: "grpc-message", value: Self.percentEncoded(r.message)) }
                try await outbound.write(.headers(.init(headers: h, endStream: true)))
                return
            }
            try await outbound.write(.headers(.init(headers: h)))
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt32(response.count))
            buffer.writeBytes(response)
            try await outbound.write(.data(.init(data: .byteBuffer(buffer))))
            try await outbound.write(.headers(.init(headers: HPACKHeaders([("grpc-status", "0")]), endStream: true)))
        }
    }

    /// `grpc-message` is percent-encoded UTF-8: bytes outside printable ASCII and `%` itself.
    static func percentEncoded(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if b >= 0x20 && b <= 0x7E && b != 0x25 { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += String(format: "%%%02X", b) }
        }
        return out
    }
}

public struct GRPCServerError: Error, CustomStringConvertible {
    public let description: String
}

/// Open connections and calls in progress, so shutdown can wait for calls and then close connections.
final class ConnectionRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]
    private var activeStreams = 0

    func add(_ channel: any Channel) { lock.withLock { channels[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: any Channel) { _ = lock.withLock { channels.removeValue(forKey: ObjectIdentifier(channel)) } }
    func streamStarted() { lock.withLock { activeStreams += 1 } }
    func streamEnded() { lock.withLock { activeStreams -= 1 } }

    /// Waits until no call is in progress (at most `secondsMax`), then closes every connection.
    func drain(secondsMax: Double) async {
        let deadline = Date().addingTimeInterval(secondsMax)
        while lock.withLock({ activeStreams }) > 0 && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for channel in lock.withLock({ Array(channels.values) }) { channel.close(promise: nil) }
    }
}
