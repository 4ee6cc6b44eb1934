import AsyncHTTPClient
import Foundation
import GoTemplate
import NIOCore
import NIOSSL
import Synchronization

/// The HTTP clients notifications are sent with: one shared client for integrations with default settings,
/// and one per distinct proxy/TLS setting (AsyncHTTPClient fixes those per client). Create one for the
/// process and `shutdown()` it when the server stops.
public final class NotifierHTTPClients: Sendable {
    private let shared: HTTPClient
    private let special = Mutex<[String: HTTPClient]>([:])

    public init() {
        shared = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.configuration())
    }

    /// Shuts every client down; integrations built on them fail afterwards.
    public func shutdown() async {
        let all = special.withLock { d in defer { d = [:] }; return Array(d.values) }
        for c in all + [shared] { try? await c.shutdown() }
    }

    static func configuration(redirects: Bool = true) -> HTTPClient.Configuration {
        var c = HTTPClient.Configuration()
        c.redirectConfiguration = redirects ? .follow(max: 10, allowCycles: false) : .disallow
        c.timeout.connect = .seconds(10)
        return c
    }

    /// The client for `settings`: the shared one unless a proxy, TLS options or redirects differ.
    func client(for settings: HTTPClientSettings) throws -> HTTPClient {
        let t = settings.tlsConfig
        if settings.proxyURL == nil, t == TLSClientSettings(), settings.followRedirects { return shared }
        let key = "\(settings.proxyURL ?? "")|\(t)|\(settings.followRedirects)"
        if let c = special.withLock({ $0[key] }) { return c }
        var conf = Self.configuration(redirects: settings.followRedirects)
        if let proxy = settings.proxyURL {
            guard let u = URLComponents(string: proxy), let host = u.host else {
                throw NotifyError("proxy_url \"\(proxy)\" is not a URL", retry: false)
            }
            conf.proxy = .server(host: host, port: u.port ?? 80)
        }
        if t != TLSClientSettings() { conf.tlsConfiguration = try Self.tls(t) }
        let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: conf)
        let (client, extra) = special.withLock { d -> (HTTPClient, HTTPClient?) in
            if let existing = d[key] { return (existing, made) }
            d[key] = made
            return (made, nil)
        }
        if let extra { Task { try? await extra.shutdown() } }
        return client
    }

    static func tls(_ t: TLSClientSettings) throws -> TLSConfiguration {
        var c = TLSConfiguration.makeClientConfiguration()
        do {
            if let f = t.caFile { c.trustRoots = .file(f) }
            if let pem = t.ca { c.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))) }
            if let f = t.certFile { c.certificateChain = try NIOSSLCertificate.fromPEMFile(f).map { .certificate($0) } }
            if let pem = t.cert { c.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)).map { .certificate($0) } }
            if let f = t.keyFile { c.privateKey = .privateKey(try NIOSSLPrivateKey(file: f, format: .pem)) }
            if let pem = t.key { c.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(pem.utf8), format: .pem)) }
        } catch {
            throw NotifyError("tls_config: cannot load certificates or key: \(error)", retry: false)
        }
        if t.insecureSkipVerify { c.certificateVerification = .none }
        let versions: [String: TLSVersion] = ["TLS10": .tlsv1, "TLS11": .tlsv11, "TLS12": .tlsv12, "TLS13": .tlsv13]
        if let v = t.minVersion.flatMap({ versions[$0] }) { c.minimumTLSVersion = v }
        if let v = t.maxVersion.flatMap({ versions[$0] }) { c.maximumTLSVersion = v }
        return c
    }
}

/// A failure while preparing or sending a notification.
struct NotifyError: Error, CustomStringConvertible {
    let description: String
    let retry: Bool
    init(_ description: String, retry: Bool) {
        self.description = description
        self.retry = retry
    }
}

/// A POST to an HTTP receiver: auth and headers from `http_config`, a deadline, and the answer classified
/// as Alertmanager classifies it (2xx delivered; 5xx, 429 and network errors retryable; other codes not).
struct HTTPPost {
    /// Bytes of an error answer kept for the failure reason: enough for a provider's error message.
    static let errorBodyBytesMax = 1024
    /// Most bytes of any answer read: receivers answer "ok" or a short JSON document.
    static let responseBytesMax = 64 << 10

    struct Response {
        var status: Int
        var contentType: String
        var body: String
    }

    let clients: NotifierHTTPClients
    let settings: HTTPClientSettings
    let timeoutMs: Int64

    /// Sends `body`; returns the response of a 2xx answer, throws `NotifyError` otherwise. The URL is not
    /// put in messages (it often holds a secret token).
    func send(url: String, body: String, contentType: String = "application/json", method: String = "POST",
              headers extra: [(String, String)] = [], what: String, retryCodes: Set<Int> = [429]) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        switch method {
        case "POST": request.method = .POST
        case "PUT": request.method = .PUT
        case "GET": request.method = .GET
        case "PATCH": request.method = .PATCH
        default: request.method = .RAW(value: method)
        }
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "User-Agent", value: "Osprey")
        for (name, values) in settings.headers.sorted(by: { $0.key < $1.key }) {
            for v in values { request.headers.add(name: name, value: v) }
        }
        if let auth = try authorization() { request.headers.replaceOrAdd(name: "Authorization", value: auth) }
        for (name, value) in extra { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let client = try clients.client(for: settings)
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .milliseconds(timeoutMs))
            bytes = try await response.body.collect(upTo: Self.responseBytesMax)
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            throw NotifyError("\(what): no answer within \(timeoutMs) ms", retry: true)
        } catch {
            throw NotifyError("\(what): request failed: \(error)", retry: true)
        }
        let text = String(buffer: bytes)
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let retry = status >= 500 || retryCodes.contains(status)
            let snippet = String(text.prefix(Self.errorBodyBytesMax)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw NotifyError("\(what): unexpected status code \(status)\(snippet.isEmpty ? "" : ": \(snippet)")", retry: retry)
        }
        return Response(status: status, contentType: response.headers.first(name: "Content-Type") ?? "", body: text)
    }

    /// The `Authorization` header from `basic_auth` or `authorization`/`bearer_token`; files read now.
    func authorization() throws -> String? {
        if let user = settings.basicAuthUsername {
            var password = settings.basicAuthPassword ?? ""
            if let f = settings.basicAuthPasswordFile { password = try readSecret(f, "basic_auth.password_file") }
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        if let type = settings.authorizationType {
            var credentials = settings.authorizationCredentials ?? ""
            if let f = settings.authorizationCredentialsFile { credentials = try readSecret(f, "authorization.credentials_file") }
            return "\(type) \(credentials)"
        }
        return nil
    }
}

/// The trimmed content of a secret or URL file, read at send time as Alertmanager reads it.
func readSecret(_ path: String, _ field: String) throws -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    } catch {
        throw NotifyError("\(field): cannot read \(path): \(error.localizedDescription)", retry: false)
    }
}

extension NotifyError {
    var result: IntegrationResult { .failed(reason: description, retry: retry) }
}

/// Runs `body`, mapping errors to a failed result (template errors are not retryable).
func deliver(_ body: () async throws -> Void) async -> IntegrationResult {
    do {
        try await body()
        return .delivered
    } catch let e as NotifyError {
        return e.result
    } catch let e as TemplateError {
        return .failed(reason: "template: \(e.message)", retry: false)
    } catch {
        return .failed(reason: "\(error)", retry: true)
    }
}
