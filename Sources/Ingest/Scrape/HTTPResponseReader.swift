/// Reads one HTTP/1.1 response from the bytes of a connection as they arrive: status line, headers, then a
/// body framed by Content-Length, chunked transfer coding, or the end of the connection. Keeps only what a
/// scrape needs (status, Content-Type, Content-Encoding, whether the connection can be reused) and collects
/// the body in one array, without copying it again.
struct HTTPResponseReader {
    struct Head {
        var status = 0
        var reason = ""
        var contentType: String?
        var contentEncoding: String?
        var location: String?
        var keepAlive = true
    }

    enum ReadError: Error, CustomStringConvertible {
        case malformed(String)
        case tooLarge(Int)
        var description: String {
            switch self {
            case .malformed(let m): return "malformed HTTP response: \(m)"
            case .tooLarge(let n): return "body size limit exceeded: the response is over \(n) bytes"
            }
        }
    }

    /// A response head larger than this is refused: real exporters send a few hundred bytes of headers.
    static let headBytesMax = 64 * 1024

    private enum Framing { case length(Int), chunked, untilClose }
    private enum State { case head, body, chunkSize, chunkData(Int), chunkDataEnd, trailers, done }

    let bodyBytesMax: Int
    private(set) var head = Head()
    private(set) var body: [UInt8] = []
    private var state = State.head
    private var framing = Framing.untilClose
    /// Bytes of an incomplete line or head, kept until the rest arrives.
    private var pending: [UInt8] = []
    /// True once any byte arrived; a reused connection that closes before that is retried.
    private(set) var receivedAny = false

    init(bodyBytesMax: Int) { self.bodyBytesMax = bodyBytesMax }

    var isComplete: Bool { if case .done = state { return true } else { return false } }

    /// Consumes `bytes`; returns true once the response is complete (bytes after it are ignored).
    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        if !bytes.isEmpty { receivedAny = true }
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .done:
                return true
            case .head:
                let before = pending.count
                pending.append(contentsOf: bytes[i...])
                guard let end = Self.find(crlfcrlf, in: pending, from: max(0, before - 3)) else {
                    if pending.count > Self.headBytesMax { throw ReadError.malformed("the response head is over \(Self.headBytesMax) bytes") }
                    return false
                }
                let headBytes = pending[..<end]
                i += end + 4 - before
                pending.removeAll(keepingCapacity: true)
                if try parseHead(headBytes) { continue }   // an interim 1xx response: read the next head
                switch framing {
                case .length(let len):
                    guard len <= bodyBytesMax else { throw ReadError.tooLarge(bodyBytesMax) }
                    body.reserveCapacity(len)
                    state = len == 0 ? .done : .body
                case .chunked: state = .chunkSize
                case .untilClose: state = .body
                }
            case .body:
                var take = n - i
                if case .length(let len) = framing { take = min(take, len - body.count) }
                try appendBody(bytes, i, take)
                i += take
                if case .length(let len) = framing, body.count == len { state = .done }
            case .chunkSize, .chunkDataEnd, .trailers:
                guard let line = takeLine(bytes, &i) else { return false }
                try chunkLine(line)
            case .chunkData(let left):
                let take = min(left, n - i)
                try appendBody(bytes, i, take)
                i += take
                state = take == left ? .chunkDataEnd : .chunkData(left - take)
            }
        }
        return isComplete
    }

    /// The connection ended: completes a body that runs until close; anything else is truncated.
    mutating func finishAtClose() throws {
        switch state {
        case .done: return
        case .body:
            if case .untilClose = framing { state = .done; return }
            throw ReadError.malformed("the connection closed after \(body.count) body bytes of a response announcing more")
        case .head where !receivedAny:
            throw ReadError.malformed("the connection closed before a response")
        default:
            throw ReadError.malformed("the connection closed in the middle of the response")
        }
    }

    private mutating func appendBody(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ count: Int) throws {
        guard body.count + count <= bodyBytesMax else { throw ReadError.tooLarge(bodyBytesMax) }
        body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[at..<(at + count)]))
    }

    /// The next CRLF-terminated line (without CRLF), joining pieces across reads.
    private mutating func takeLine(_ bytes: UnsafeRawBufferPointer, _ i: inout Int) -> [UInt8]? {
        var j = i
        while j < bytes.count && bytes[j] != 0x0A { j += 1 }
        if j == bytes.count {
            pending.append(contentsOf: bytes[i...])
            i = j
            return nil
        }
        var line = pending
        line.append(contentsOf: bytes[i..<j])
        pending.removeAll(keepingCapacity: true)
        i = j + 1
        if line.last == 0x0D { line.removeLast() }
        return line
    }

    private mutating func chunkLine(_ line: [UInt8]) throws {
        switch state {
        case .chunkSize:
            var size = 0
            var digits = 0
            for c in line {
                guard let d = hexValue(c) else {
                    if c == UInt8(ascii: ";") || c == 0x20 || c == 0x09 { break }   // chunk extensions are ignored
                    throw ReadError.malformed("invalid chunk size line")
                }
                digits += 1
                guard digits <= 15 else { throw ReadError.malformed("chunk size too large") }
                size = size * 16 + d
            }
            guard digits > 0 else { throw ReadError.malformed("empty chunk size line") }
            guard body.count + size <= bodyBytesMax else { throw ReadError.tooLarge(bodyBytesMax) }
            state = size == 0 ? .trailers : .chunkData(size)
        case .chunkDataEnd:
            guard line.isEmpty else { throw ReadError.malformed("chunk data longer than its size") }
            state = .chunkSize
        case .trailers:
            if line.isEmpty { state = .done }
        default:
            break
        }
    }

    /// Parses the head; returns true when it was an interim (1xx) response to skip.
    private mutating func parseHead(_ bytes: ArraySlice<UInt8>) throws -> Bool {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { l -> ArraySlice<UInt8> in
            l.last == 0x0D ? l.dropLast() : l
        }
        guard !lines.isEmpty else { throw ReadError.malformed("empty status line") }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/1.".utf8)), parts[1].count == 3,
              let code = Int(String(decoding: parts[1], as: UTF8.self)) else {
            throw ReadError.malformed("invalid status line \"\(String(decoding: statusLine.prefix(80), as: UTF8.self))\"")
        }
        if (100..<200).contains(code) && code != 101 { return true }
        var h = Head()
        h.status = code
        h.reason = parts.count > 2 ? String(decoding: parts[2], as: UTF8.self) : ""
        h.keepAlive = parts[0].last == UInt8(ascii: "1")
        var length: Int?
        var chunked = false
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw ReadError.malformed("header line without a colon")
            }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces
            switch name {
            case "content-length":
                guard let n = Int(value), n >= 0 else { throw ReadError.malformed("invalid Content-Length \"\(value)\"") }
                if let l = length, l != n { throw ReadError.malformed("conflicting Content-Length headers") }
                length = n
            case "transfer-encoding": chunked = value.lowercased().hasSuffix("chunked")
            case "content-type": h.contentType = value
            case "content-encoding": h.contentEncoding = value
            case "location": h.location = value
            case "connection":
                let v = value.lowercased()
                if v.contains("close") { h.keepAlive = false } else if v.contains("keep-alive") { h.keepAlive = true }
            default: break
            }
        }
        head = h
        if code == 204 || code == 304 {
            framing = .length(0)
        } else if chunked {
            framing = .chunked
        } else if let length {
            framing = .length(length)
        } else {
            framing = .untilClose
            head.keepAlive = false
        }
        return false
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && hay[i + 1] == needle[1] && hay[i + 2] == needle[2] && hay[i + 3] == needle[3] { return i }
            i += 1
        }
        return nil
    }
}

private let crlfcrlf: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

private func hexValue(_ c: UInt8) -> Int? {
    switch c {
    case 0x30...0x39: return Int(c - 0x30)
    case 0x61...0x66: return Int(c - 0x61 + 10)
    case 0x41...0x46: return Int(c - 0x41 + 10)
    default: return nil
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
