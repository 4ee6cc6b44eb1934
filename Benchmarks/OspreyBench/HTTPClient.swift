import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct HTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var ok: Bool { (200..<300).contains(status) }

    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

struct HTTPError: Error, CustomStringConvertible {
    let description: String
}

/// A blocking HTTP/1.1 keep-alive connection to 127.0.0.1: a few syscalls a request, so the client
/// costs next to nothing beside the server it measures (and its CPU is never counted).
/// Not thread safe: one connection per sending thread.
final class HTTPConnection {
    let port: Int
    private var fd: Int32 = -1
    private var pending: [UInt8] = []
    private var readBuffer = [UInt8](repeating: 0, count: 1 << 16)
    /// A response slower than this is reported as a failure instead of hanging the benchmark.
    let timeoutSeconds: Int

    init(port: Int, timeoutSeconds: Int = 300) throws {
        self.port = port
        self.timeoutSeconds = timeoutSeconds
        try connect()
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    private func connect() throws {
        if fd >= 0 { close(fd) }
        pending = []
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPError(description: "socket(): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            fd = -1
            throw HTTPError(description: "connect to 127.0.0.1:\(port): \(e)")
        }
    }

    /// Sends one request and reads its whole response. Reconnects once if the server had closed an idle connection.
    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPResponse {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        var message = Array(head.utf8)
        message.append(contentsOf: body)
        if fd < 0 { try connect() }
        try sendAll(message)
        return try readResponse(method: method)
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw HTTPError(description: "send to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }

    /// Reads more bytes into `pending`; false at end of stream.
    private func fill() throws -> Bool {
        while true {
            let n = readBuffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0 {
                pending.append(contentsOf: readBuffer[0..<n])
                return true
            }
            if n == 0 { return false }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw HTTPError(description: "no response from 127.0.0.1:\(port) within \(timeoutSeconds) s")
            }
            throw HTTPError(description: "recv from 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
    }

    private func readResponse(method: String) throws -> HTTPResponse {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while true {
            if let r = find(crlf2, in: pending) { headEnd = r; break }
            guard try fill() else { throw HTTPError(description: "127.0.0.1:\(port) closed the connection before a response") }
        }
        let headText = String(decoding: pending[0..<headEnd!], as: UTF8.self)
        pending.removeFirst(headEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusParts = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPError(description: "bad status line from 127.0.0.1:\(port): \(headText.prefix(80))")
        }
        let headers: [(String, String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = HTTPResponse(status: status, headers: headers, body: [])
        if method == "HEAD" || status == 204 || status == 304 || status < 200 { return response }
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            response.body = try readChunked()
        } else if let length = response.header("Content-Length").flatMap(Int.init) {
            while pending.count < length {
                guard try fill() else { throw HTTPError(description: "127.0.0.1:\(port) closed the connection mid-body") }
            }
            response.body = Array(pending[0..<length])
            pending.removeFirst(length)
        } else {
            while try fill() {}
            response.body = pending
            pending = []
            close(fd)
            fd = -1
        }
        if response.header("Connection")?.lowercased() == "close" {
            close(fd)
            fd = -1
        }
        return response
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd: Int?
            while true {
                if let r = find([13, 10], in: pending) { lineEnd = r; break }
                guard try fill() else { throw HTTPError(description: "127.0.0.1:\(port) closed the connection mid-chunk") }
            }
            let sizeText = String(decoding: pending[0..<lineEnd!], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw HTTPError(description: "bad chunk size from 127.0.0.1:\(port): \(sizeText)")
            }
            pending.removeFirst(lineEnd! + 2)
            while pending.count < size + 2 {
                guard try fill() else { throw HTTPError(description: "127.0.0.1:\(port) closed the connection mid-chunk") }
            }
            if size == 0 {
                // Trailers are not used by either server; the last chunk ends with an empty line.
                pending.removeFirst(2)
                return body
            }
            body.append(contentsOf: pending[0..<size])
            pending.removeFirst(size + 2)
        }
    }

    private func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        return hay.withUnsafeBufferPointer { h in
            outer: for i in 0...(h.count - needle.count) {
                for j in 0..<needle.count where h[i + j] != needle[j] { continue outer }
                return i
            }
            return nil
        }
    }
}

/// Percent-encodes a query parameter value (everything but RFC 3986 unreserved characters; `+` too,
/// which form decoding would read as a space).
func queryEscape(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            out += String(format: "%%%02X", b)
        }
    }
    return out
}

/// An unused TCP port on 127.0.0.1 (asks the kernel for one, then releases it).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 ? getsockname(fd, $0, &len) : -1 }
    }
    guard rc == 0 else { throw HTTPError(description: "cannot find a free port: \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: addr.sin_port))
}
