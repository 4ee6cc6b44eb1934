import Foundation
import GoTemplate

/// `email_configs`: a multipart/alternative message (text part when `text` is set, HTML part when `html` is
/// set, as Alertmanager sends them) through `smarthost`.
public struct EmailIntegration: Integration {
    public let name = "email"
    public let index: Int
    public var sendResolved: Bool { config.sendResolved }
    let config: EmailConfig
    let context: IntegrationContext

    init(config: EmailConfig, index: Int, context: IntegrationContext) {
        self.config = config
        self.index = index
        self.context = context
    }

    public func notify(_ notification: GroupNotification) async -> IntegrationResult {
        await deliver {
            let data = NotificationData(notification)
            let t = context.templates
            let from = try Self.addresses(try t.render(config.from, data), field: "from")
            guard from.count == 1 else { throw NotifyError("email: must be exactly one 'from' address (got: \(from.count))", retry: false) }
            let to = try Self.addresses(try t.render(config.to, data), field: "to")
            let message = try buildMessage(data, nowMs: notification.nowMs)
            let (host, port) = try Self.hostPort(config.smarthost)
            var password = config.authPassword
            if !config.authPasswordFile.isEmpty { password = try readSecret(config.authPasswordFile, "auth_password_file") }
            let client = SMTPClient(options: .init(
                host: host, port: port, hello: config.hello.isEmpty ? "localhost" : config.hello, requireTLS: config.requireTLS,
                tls: config.tlsConfig, username: config.authUsername, password: password, identity: config.authIdentity,
                timeoutMs: context.defaultTimeoutMs))
            try await client.send(from: from[0], recipients: to, message: message)
        }
    }

    /// Headers (configured ones templated, plus Message-Id, Date, MIME) and the parts, CRLF line ends.
    func buildMessage(_ data: NotificationData, nowMs: Int64) throws -> String {
        let t = context.templates
        var headers = config.headers
        if headers["From"] == nil { headers["From"] = config.from }
        if headers["To"] == nil { headers["To"] = config.to }
        var out = ""
        for name in headers.keys.sorted() {
            out += "\(name): \(Self.qEncode(try t.render(headers[name]!, data)))\r\n"
        }
        let boundary = Self.boundary()
        if headers["Message-Id"] == nil {
            out += "Message-Id: <\(nowMs * 1_000_000 + Int64.random(in: 0..<1_000_000)).\(UInt64.random(in: 0...UInt64.max))@\(Self.hostname())>\r\n"
        }
        out += "Date: \(GoTime(unixMs: nowMs).in(TimeZone.current).format("Mon, 02 Jan 2006 15:04:05 -0700"))\r\n"
        out += "Content-Type: multipart/alternative;  boundary=\(boundary)\r\n"
        out += "MIME-Version: 1.0\r\n\r\n"
        var parts: [(String, String)] = []
        if !config.text.isEmpty { parts.append(("text/plain", try t.render(config.text, data))) }
        if !config.html.isEmpty { parts.append(("text/html", try t.renderHTML(config.html, data))) }
        for (type, body) in parts {
            out += "--\(boundary)\r\n"
            out += "Content-Transfer-Encoding: quoted-printable\r\n"
            out += "Content-Type: \(type); charset=UTF-8\r\n\r\n"
            out += Self.quotedPrintable(body) + "\r\n"
        }
        out += "--\(boundary)--\r\n"
        return out
    }

    static func boundary() -> String {
        (0..<30).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
    }

    static func hostname() -> String {
        ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
    }

    /// "HOST:PORT" (IPv6 in brackets).
    static func hostPort(_ s: String) throws -> (String, Int) {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]) else {
            throw NotifyError("email: smarthost \"\(s)\" is not HOST:PORT", retry: false)
        }
        var host = String(s[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    /// The addresses of an RFC 5322 address list (`Name <a@b>, c@d`).
    static func addresses(_ list: String, field: String) throws -> [String] {
        var items: [String] = []
        var current = "", quoted = false, angle = false
        for c in list {
            switch c {
            case "\"": quoted.toggle(); current.append(c)
            case "<": angle = true; current.append(c)
            case ">": angle = false; current.append(c)
            case "," where !quoted && !angle: items.append(current); current = ""
            default: current.append(c)
            }
        }
        items.append(current)
        var out: [String] = []
        for item in items.map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            var address = item
            if let l = item.lastIndex(of: "<"), let r = item.lastIndex(of: ">"), l < r {
                address = String(item[item.index(after: l)..<r])
            }
            guard address.contains("@"), !address.contains(" ") else {
                throw NotifyError("email: parse '\(field)' addresses: \"\(item)\" is not an email address", retry: false)
            }
            out.append(address)
        }
        guard !out.isEmpty else { throw NotifyError("email: no '\(field)' address", retry: false) }
        return out
    }

    /// RFC 2047 Q-encoding of a header value when it has characters outside printable ASCII (Go's mime.QEncoding).
    static func qEncode(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value > 0x7e }) else { return s }
        var out = "=?utf-8?q?"
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: " "): out += "_"
            case 0x21...0x7e where b != UInt8(ascii: "=") && b != UInt8(ascii: "?") && b != UInt8(ascii: "_"):
                out.unicodeScalars.append(UnicodeScalar(b))
            default: out += "=" + hex2(b)
            }
        }
        return out + "?="
    }

    /// Quoted-printable (RFC 2045) with CRLF line ends and soft breaks keeping lines within 76 characters.
    static func quotedPrintable(_ s: String) -> String {
        var lines: [String] = []
        for raw in s.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(raw.utf8)
            var line = ""
            var width = 0
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                let piece: String
                if (b == UInt8(ascii: " ") || b == UInt8(ascii: "\t")) && last {
                    piece = "=" + hex2(b)
                } else if (b >= 0x21 && b <= 0x7e && b != UInt8(ascii: "=")) || b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") {
                    piece = String(UnicodeScalar(b))
                } else {
                    piece = "=" + hex2(b)
                }
                if width + piece.count > 75 {
                    line += "=\r\n"
                    width = 0
                }
                line += piece
                width += piece.count
            }
            lines.append(line)
        }
        return lines.joined(separator: "\r\n")
    }

    static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }
}
