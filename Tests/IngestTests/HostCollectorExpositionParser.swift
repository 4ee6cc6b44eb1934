import Foundation

/// A minimal reader of Prometheus text format 0.0.4, enough to compare two expositions family by
/// family in tests (no timestamps, no histograms needed). Throws on anything it cannot read, so a
/// malformed line fails the test instead of being skipped.
struct ParsedExposition {
    struct Family {
        var help: String?
        var type: String?
        /// Label set rendered canonically (`a="x",b="y"`, sorted by name) → value.
        var series: [String: Double] = [:]
    }

    var families: [String: Family] = [:]

    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    init(_ text: String) throws {
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let line = Substring(raw)
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let body = line.dropFirst(7)
                let name = String(body.prefix(while: { $0 != " " }))
                let rest = body.dropFirst(name.count).drop(while: { $0 == " " })
                if line.hasPrefix("# HELP ") {
                    families[name, default: Family()].help = Self.unescape(rest, quote: false)
                } else {
                    families[name, default: Family()].type = String(rest)
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            let name = String(line.prefix(while: { $0 != "{" && $0 != " " }))
            var rest = line.dropFirst(name.count)
            var labels: [(String, String)] = []
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    guard let eq = rest.firstIndex(of: "=") else { throw ParseError(line: n + 1, message: "label without '='") }
                    let labelName = String(rest[..<eq])
                    rest = rest[rest.index(after: eq)...]
                    guard rest.first == "\"" else { throw ParseError(line: n + 1, message: "label value not quoted") }
                    rest = rest.dropFirst()
                    var value = ""
                    var escaped = false
                    while let c = rest.first {
                        rest = rest.dropFirst()
                        if escaped {
                            value.append(c == "n" ? "\n" : c)
                            escaped = false
                        } else if c == "\\" {
                            escaped = true
                        } else if c == "\"" {
                            break
                        } else {
                            value.append(c)
                        }
                    }
                    labels.append((labelName, value))
                    if rest.first == "," { rest = rest.dropFirst() }
                    guard !rest.isEmpty else { throw ParseError(line: n + 1, message: "unterminated label set") }
                }
                rest = rest.dropFirst()
            }
            let valueText = rest.drop(while: { $0 == " " }).prefix(while: { $0 != " " })
            guard let value = Self.parseValue(valueText) else {
                throw ParseError(line: n + 1, message: "bad value '\(valueText)'")
            }
            labels.sort { $0.0 < $1.0 }
            let key = labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",")
            families[name, default: Family()].series[key] = value
        }
    }

    static func parseValue(_ s: Substring) -> Double? {
        switch s {
        case "NaN": return .nan
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(s)
        }
    }

    static func unescape(_ s: Substring, quote: Bool) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped { out.append(c == "n" ? "\n" : c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }
}

/// GET http://127.0.0.1:<port><path> over a plain socket; the body, or nil when nothing answers.
func httpGetLocal(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response.append(contentsOf: buffer[0..<n])
    }
    let text = String(decoding: response, as: UTF8.self)
    guard text.hasPrefix("HTTP/1.") , text.split(separator: " ").dropFirst().first == "200",
          let split = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[split.upperBound...])
}

/// A 127.0.0.1 TCP port that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw HostFixtureError("bind 127.0.0.1:0 failed: errno \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}
