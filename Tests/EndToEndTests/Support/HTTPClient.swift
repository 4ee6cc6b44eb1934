import Foundation

/// An HTTP/1.1 response as received.
struct HTTPResponse: Sendable {
    let status: Int
    /// Header names lowercased.
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A small blocking HTTP/1.1 client over POSIX sockets: one connection per request
/// (`Connection: close`), no retries, no pooling, a timeout on every send and receive.
/// The tests need exactly this: a request cut off by a crash fails instead of being retried
/// behind their back, and they can send bodies no well-behaved client would.
struct HTTPClient: Sendable {
    let port: Int
    var host = "127.0.0.1"
    var timeoutSeconds: Double = 30

    init(port: Int, timeoutSeconds: Double = 30) {
        self.port = port
        self.timeoutSeconds = timeoutSeconds
    }

    func get(_ target: String) throws -> HTTPResponse { try request("GET", target) }

    func post(_ target: String, body: [UInt8] = [], headers: [(String, String)] = [], chunked: Bool = false) throws -> HTTPResponse {
        try request("POST", target, body: body, headers: headers, chunked: chunked)
    }

    /// Sends one request. `chunked` sends the body with `Transfer-Encoding: chunked` and no length.
    func request(_ method: String, _ target: String, body: [UInt8] = [], headers: [(String, String)] = [], chunked: Bool = false) throws -> HTTPResponse {
        let fd = try connectSocket()
        defer { close(fd) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        var out: [UInt8]
        if chunked {
            head += "Transfer-Encoding: chunked\r\n\r\n"
            out = Array(head.utf8)
            var at = 0
            while at < body.count {
                let n = min(4096, body.count - at)
                out += Array((String(n, radix: 16) + "\r\n").utf8) + body[at..<(at + n)] + Array("\r\n".utf8)
                at += n
            }
            out += Array("0\r\n\r\n".utf8)
        } else {
            head += "Content-Length: \(body.count)\r\n\r\n"
            out = Array(head.utf8) + body
        }
        let sendFailure = sendAll(fd, out)
        do {
            return try readResponse(fd)
        } catch {
            // A server may answer early and close (a body over its limit); only fail if there is no answer.
            if let sendFailure { throw E2EError("\(method) \(target) on port \(port): send failed (\(sendFailure)), then \(error)") }
            throw E2EError("\(method) \(target) on port \(port): \(error)")
        }
    }

    private func connectSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw E2EError("socket: \(errnoText())") }
        var tv = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - timeoutSeconds.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let text = errnoText()
            close(fd)
            throw E2EError("connect to \(host):\(port): \(text)")
        }
        return fd
    }

    /// Sends everything; returns what went wrong, or nil. MSG_NOSIGNAL: a closed peer must not SIGPIPE the test.
    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> String? {
        var at = 0
        while at < bytes.count {
            let n = bytes[at...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return errnoText()
            }
            at += n
        }
        return nil
    }

    private func readResponse(_ fd: Int32) throws -> HTTPResponse {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var eof = false
        func fill() throws {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { return }
                throw E2EError(errno == EAGAIN ? "no response within \(timeoutSeconds) s" : "receive: \(errnoText())")
            }
            if n == 0 { eof = true } else { buffer += chunk[0..<n] }
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.firstRange(of: separator)?.upperBound
            if headerEnd != nil { break }
            if eof { throw E2EError("connection closed before a complete response header (\(buffer.count) bytes received)") }
            try fill()
        }
        let headText = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw E2EError("malformed status line \"\(statusLine)\"")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var rest = Array(buffer[headerEnd!...])
        func readMore() throws {
            if eof { throw E2EError("connection closed in the middle of the response body") }
            let before = buffer.count
            try fill()
            rest += buffer[before...]
        }
        let body: [UInt8]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            var decoded: [UInt8] = []
            var at = 0
            while true {
                var lineEnd = rest[at...].firstRange(of: [13, 10])
                while lineEnd == nil {
                    try readMore()
                    lineEnd = rest[at...].firstRange(of: [13, 10])
                }
                let sizeText = String(decoding: rest[at..<lineEnd!.lowerBound], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                    throw E2EError("malformed chunk size \"\(sizeText)\"")
                }
                at = lineEnd!.upperBound
                if size == 0 { break }
                while rest.count < at + size + 2 { try readMore() }
                decoded += rest[at..<(at + size)]
                at += size + 2
            }
            body = decoded
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            while rest.count < length { try readMore() }
            body = Array(rest[0..<length])
        } else {
            while !eof { try readMore() }
            body = rest
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}

func errnoText() -> String { String(cString: strerror(errno)) + " (errno \(errno))" }

/// Percent-encodes a query parameter value (everything but unreserved characters).
func urlEncode(_ s: String) -> String {
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed)!
}

/// `path?k=v&…` with each value percent-encoded.
func target(_ path: String, _ query: [(String, String)]) -> String {
    query.isEmpty ? path : path + "?" + query.map { "\(urlEncode($0.0))=\(urlEncode($0.1))" }.joined(separator: "&")
}
