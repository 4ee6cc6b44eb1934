import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// What a remote answered to one request.
struct RemoteWriteResponse: Sendable {
    var status: Int
    /// The start of the response body, for logs.
    var body: String
    /// `Retry-After` in milliseconds, when given in seconds.
    var retryAfterMs: Int64?
}

/// Sends one remote write request body; throws on connection errors and timeouts.
protocol RemoteWriteTransport: Sendable {
    func post(_ body: [UInt8]) async throws -> RemoteWriteResponse
    func shutdown() async
}

/// Remote write over HTTP(S) with AsyncHTTPClient: the protocol's headers, authorization, TLS, timeout.
final class HTTPRemoteWriteTransport: RemoteWriteTransport {
    /// Response bodies are read up to this much for the log line; receivers put their reason in the first bytes.
    static let responseBodyBytesMax = 4 << 10

    private let client: HTTPClient
    private let config: RemoteWriteConfig
    private let userAgent: String

    init(config: RemoteWriteConfig, userAgent: String) throws {
        self.config = config
        self.userAgent = userAgent
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .milliseconds(config.remoteTimeoutMs), read: .milliseconds(config.remoteTimeoutMs))
        configuration.redirectConfiguration = .disallow
        if config.url.lowercased().hasPrefix("https:") || config.tls != RemoteWriteConfig.TLS() {
            configuration.tlsConfiguration = try Self.tlsConfiguration(config.tls)
        }
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func tlsConfiguration(_ tls: RemoteWriteConfig.TLS) throws -> TLSConfiguration {
        var c = TLSConfiguration.makeClientConfiguration()
        if let ca = tls.caFile { c.trustRoots = .file(ca) }
        if let cert = tls.certFile {
            c.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
        }
        if let key = tls.keyFile { c.privateKey = .file(key) }
        if tls.insecureSkipVerify { c.certificateVerification = .none }
        return c
    }

    func post(_ body: [UInt8]) async throws -> RemoteWriteResponse {
        var request = HTTPClientRequest(url: config.url)
        request.method = .POST
        for (name, value) in config.headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "Content-Encoding", value: "snappy")
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-protobuf")
        request.headers.replaceOrAdd(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
        request.headers.replaceOrAdd(name: "User-Agent", value: userAgent)
        if let auth = try authorizationHeader() { request.headers.replaceOrAdd(name: "Authorization", value: auth) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .milliseconds(config.remoteTimeoutMs))
        var text: [UInt8] = []
        for try await part in response.body where text.count < Self.responseBodyBytesMax {
            text += part.readableBytesView.prefix(Self.responseBodyBytesMax - text.count)
        }
        let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        return RemoteWriteResponse(status: Int(response.status.code), body: String(decoding: text, as: UTF8.self),
                                   retryAfterMs: retryAfter.map { $0 * 1000 })
    }

    /// The `Authorization` value; credential files are read for every request, so rotated secrets apply at once.
    private func authorizationHeader() throws -> String? {
        switch config.authorization {
        case nil: return nil
        case .basic(let user, let password):
            let pass = try password.map(Self.resolve) ?? ""
            return "Basic " + Data((user + ":" + pass).utf8).base64EncodedString()
        case .credentials(let type, let secret):
            return type + " " + (try Self.resolve(secret))
        }
    }

    private static func resolve(_ secret: RemoteWriteConfig.Secret) throws -> String {
        switch secret {
        case .inline(let s): return s
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ForwardBufferError(message: "cannot read credentials file \(path)")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}
