import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Scrapes over HTTP(S) with AsyncHTTPClient: Prometheus's Accept header (OpenMetrics preferred), gzip,
/// the job's authentication and TLS settings, the scrape timeout and a body size limit.
final class HTTPFetcher: ScrapeFetcher, @unchecked Sendable {
    let client: HTTPClient
    let auth: ScrapeAuth
    let bodyBytesMax: Int
    let userAgent: String

    init(client: HTTPClient, auth: ScrapeAuth, bodyBytesMax: Int, userAgent: String) {
        self.client = client
        self.auth = auth
        self.bodyBytesMax = bodyBytesMax
        self.userAgent = userAgent
    }

    /// The plain-HTTP path of this loop's target, made at the first scrape (nil: the target needs the general client).
    private let plainLock = NSLock()
    private var plain: (url: String, scraper: PlainHTTPScraper?)?

    private func plainScraper(_ target: ScrapeTarget, timeoutMs: Int64, eventLoop: any EventLoop) -> PlainHTTPScraper? {
        plainLock.withLock {
            if let plain, plain.url == target.url { return plain.scraper }
            var headers = [("Accept", ExpositionFormat.scrapeAcceptHeader), ("Accept-Encoding", "gzip"), ("User-Agent", userAgent),
                           ("X-Prometheus-Scrape-Timeout-Seconds", String(Double(timeoutMs) / 1000))]
            if let value = auth.headerValue { headers.append(("Authorization", value)) }
            let scraper = PlainHTTPScraper(url: target.url, headers: headers, bodyBytesMax: bodyBytesMax, eventLoop: eventLoop)
            plain = (target.url, scraper)
            return scraper
        }
    }

    func fetch(_ target: ScrapeTarget, timeoutMs: Int64, eventLoop: any EventLoop,
               isolation: isolated (any Actor)?) async throws -> (body: [UInt8], contentType: String?) {
        if let scraper = plainScraper(target, timeoutMs: timeoutMs, eventLoop: eventLoop) {
            let outcome: PlainHTTPScraper.Outcome
            do { outcome = try await scraper.fetch(timeoutMs: timeoutMs, isolation: isolation) } catch let e as ScrapeError {
                throw ScrapeError("Get \"\(target.url)\": \(e.message)")
            }
            if case .response(let head, var body) = outcome {
                guard head.status == 200 else {
                    throw ScrapeError("server returned HTTP status \(head.status) \(head.reason)")
                }
                try decompressIfNeeded(&body, encoding: head.contentEncoding)
                return (body, head.contentType)
            }
        }
        return try await fetchWithClient(target, timeoutMs: timeoutMs)
    }

    private func decompressIfNeeded(_ body: inout [UInt8], encoding: String?) throws {
        let encoding = encoding?.lowercased()
        if encoding == "gzip" || (encoding == nil && Gzip.isGzip(body)) {
            do { body = try Gzip.decompress(body, limit: bodyBytesMax) } catch {
                throw ScrapeError("decompressing the gzip response failed: \(error)")
            }
        }
    }

    /// The general path: HTTPS, redirects, anything the plain path does not take.
    private func fetchWithClient(_ target: ScrapeTarget, timeoutMs: Int64) async throws -> (body: [UInt8], contentType: String?) {
        var request = HTTPClientRequest(url: target.url)
        request.headers.add(name: "Accept", value: ExpositionFormat.scrapeAcceptHeader)
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: userAgent)
        request.headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: String(Double(timeoutMs) / 1000))
        if let value = auth.headerValue { request.headers.add(name: "Authorization", value: value) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .milliseconds(timeoutMs))
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            throw ScrapeError("Get \"\(target.url)\": context deadline exceeded (scrape timeout \(timeoutMs) ms)")
        } catch {
            throw ScrapeError("Get \"\(target.url)\": \(error)")
        }
        guard response.status == .ok else {
            throw ScrapeError("server returned HTTP status \(response.status.code) \(response.status.reasonPhrase)")
        }
        let buffer: ByteBuffer
        do { buffer = try await response.body.collect(upTo: bodyBytesMax) } catch let e as NIOTooManyBytesError {
            _ = e
            throw ScrapeError("body size limit exceeded: the response is over \(bodyBytesMax) bytes")
        } catch {
            throw ScrapeError("reading the response of \(target.url) failed: \(error)")
        }
        var body = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        try decompressIfNeeded(&body, encoding: response.headers.first(name: "Content-Encoding"))
        return (body, response.headers.first(name: "Content-Type"))
    }

    /// A client configured for a job's `tls_config`.
    static func makeClient(tls: TLSSettings) throws -> HTTPClient {
        var config = HTTPClient.Configuration()
        var t = TLSConfiguration.makeClientConfiguration()
        if tls.insecureSkipVerify { t.certificateVerification = .none }
        if let ca = tls.caFile { t.trustRoots = .file(ca) }
        if let cert = tls.certFile, let key = tls.keyFile {
            t.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            t.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        config.tlsConfiguration = t
        config.redirectConfiguration = .follow(max: 10, allowCycles: false)
        config.decompression = .disabled
        config.timeout = .init(connect: .seconds(10))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }
}

/// Reads a built-in target in-process (host metrics, pushed groups, …): `produce` returns the exposition text.
struct LocalFetcher: ScrapeFetcher {
    let produce: @Sendable () async throws -> (body: [UInt8], contentType: String?)
    func fetch(_ target: ScrapeTarget, timeoutMs: Int64, eventLoop: any EventLoop,
               isolation: isolated (any Actor)?) async throws -> (body: [UInt8], contentType: String?) {
        try await produce()
    }
}
