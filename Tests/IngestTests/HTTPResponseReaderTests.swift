import Testing
@testable import Ingest

/// The scrape path's HTTP/1.1 response reader: framing by Content-Length, chunked coding and connection close,
/// with the response split into arbitrary pieces as a network delivers it.
@Suite struct HTTPResponseReaderTests {
    /// Feeds `response` in pieces of `piece` bytes; returns the reader and whether it reported completion.
    private func read(_ response: String, piece: Int, limit: Int = 1 << 20, close: Bool = false) throws -> HTTPResponseReader {
        var r = HTTPResponseReader(bodyBytesMax: limit)
        let bytes = Array(response.utf8)
        var i = 0
        var done = false
        while i < bytes.count && !done {
            let end = min(bytes.count, i + piece)
            done = try bytes[i..<end].withUnsafeBytes { try r.feed($0) }
            i = end
        }
        if close { try r.finishAtClose() }
        return r
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func contentLengthBodyInAnyPieces(piece: Int) throws {
        let body = String(repeating: "metric_a 1\n", count: 20)
        let r = try read("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)", piece: piece)
        #expect(r.isComplete)
        #expect(r.head.status == 200)
        #expect(r.head.contentType == "text/plain; version=0.0.4")
        #expect(r.head.keepAlive)
        #expect(String(decoding: r.body, as: UTF8.self) == body)
    }

    @Test(arguments: [1, 5, 4096])
    func chunkedBodyWithExtensionsAndTrailers(piece: Int) throws {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n" +
            "5;ext=1\r\nhello\r\nA\r\n world 123\r\n0\r\nX-Trailer: t\r\n\r\n"
        let r = try read(response, piece: piece)
        #expect(r.isComplete)
        #expect(r.head.contentEncoding == "gzip")
        #expect(String(decoding: r.body, as: UTF8.self) == "hello world 123")
    }

    @Test func bodyUntilCloseNeedsTheClose() throws {
        let r0 = try read("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nup 1\n", piece: 3)
        #expect(!r0.isComplete)
        #expect(!r0.head.keepAlive)
        let r = try read("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nup 1\n", piece: 3, close: true)
        #expect(r.isComplete)
        #expect(String(decoding: r.body, as: UTF8.self) == "up 1\n")
    }

    @Test func interimContinueIsSkipped() throws {
        let r = try read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", piece: 4)
        #expect(r.head.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == "ok")
    }

    @Test func connectionCloseHeaderStopsReuse() throws {
        let r = try read("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", piece: 100)
        #expect(r.isComplete)
        #expect(r.head.status == 503)
        #expect(r.head.reason == "Service Unavailable")
        #expect(!r.head.keepAlive)
    }

    @Test func bodyOverTheLimitIsRefusedByLengthAndByChunks() {
        #expect(throws: HTTPResponseReader.ReadError.self) {
            try read("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", piece: 100, limit: 10)
        }
        #expect(throws: HTTPResponseReader.ReadError.self) {
            try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n", piece: 5, limit: 10)
        }
        #expect(throws: HTTPResponseReader.ReadError.self) {
            try read("HTTP/1.0 200 OK\r\n\r\n" + String(repeating: "x", count: 50), piece: 7, limit: 10)
        }
    }

    @Test func truncatedAndMalformedResponsesAreErrors() {
        #expect(throws: HTTPResponseReader.ReadError.self) {
            try read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", piece: 100, close: true)
        }
        #expect(throws: HTTPResponseReader.ReadError.self) {
            try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", piece: 100, close: true)
        }
        #expect(throws: HTTPResponseReader.ReadError.self) { try read("SSH-2.0-OpenSSH\r\n\r\n", piece: 100) }
        #expect(throws: HTTPResponseReader.ReadError.self) {
            try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", piece: 100)
        }
        #expect(throws: HTTPResponseReader.ReadError.self) {
            try read("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n", piece: 100)
        }
    }
}
