import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A minimal SMTP client (RFC 5321) on SwiftNIO: EHLO (HELO when refused), STARTTLS, AUTH PLAIN/LOGIN,
/// MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. One session per message.
struct SMTPClient {
    struct Options {
        var host: String
        var port: Int
        var hello: String
        /// Require STARTTLS (unless the connection is TLS from the start, on port 465).
        var requireTLS: Bool
        var tls: TLSClientSettings
        var username: String
        var password: String
        var identity: String
        var timeoutMs: Int64
    }

    /// A reply: its code and text lines.
    struct Reply {
        var code: Int
        var lines: [String]
        var text: String { lines.joined(separator: " ") }
    }

    let options: Options

    /// Sends `message` (headers and body, CRLF line ends, not yet dot-stuffed) from `from` to `recipients`.
    func send(from: String, recipients: [String], message: String) async throws {
        let o = options
        let implicitTLS = o.port == 465
        let tlsContext = try NIOSSLContext(configuration: NotifierHTTPClients.tls(o.tls))
        let sni = Self.isIPAddress(o.tls.serverName ?? o.host) ? nil : (o.tls.serverName ?? o.host)
        let address = "\(o.host):\(o.port)"
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(o.timeoutMs))
                .connect(host: o.host, port: o.port) { ch in
                    ch.eventLoop.makeCompletedFuture {
                        if implicitTLS {
                            try ch.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: sni))
                        }
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch)
                    }
                }
        } catch {
            throw NotifyError("email: cannot connect to \(address): \(error)", retry: true)
        }
        let timedOut = Mutex(false)
        let raw = channel.channel
        let timer = Task {
            try await Task.sleep(for: .milliseconds(o.timeoutMs))
            timedOut.withLock { $0 = true }
            raw.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var session = Session(inbound: inbound.makeAsyncIterator(), outbound: outbound)
                try await session.expect(220, "greeting")
                var ext = try await session.hello(o.hello)
                var secure = implicitTLS
                if o.requireTLS && !implicitTLS {
                    guard ext["STARTTLS"] != nil else {
                        throw NotifyError("email: 'require_tls' is true (the default) but \(address) does not advertise the STARTTLS extension; enable STARTTLS on the server or set require_tls: false", retry: false)
                    }
                    try await session.command("STARTTLS", expect: 220)
                    try await raw.pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: sni), position: .first)
                    secure = true
                    ext = try await session.hello(o.hello)
                }
                if !o.username.isEmpty, let mechanisms = ext["AUTH"] {
                    try await session.authenticate(mechanisms: mechanisms.split(separator: " ").map(String.init), o, secure: secure)
                }
                try await session.command("MAIL FROM:<\(from)>", expect: 250)
                for r in recipients { try await session.command("RCPT TO:<\(r)>", expect: 250, 251) }
                try await session.command("DATA", expect: 354)
                try await session.write(Self.dotStuffed(message) + ".\r\n")
                try await session.expect(250, "message delivery")
                try? await session.write("QUIT\r\n")
                _ = try? await session.reply()
            }
        } catch let e as NotifyError {
            throw e
        } catch {
            if timedOut.withLock({ $0 }) {
                throw NotifyError("email: \(address) did not finish the SMTP session within \(o.timeoutMs) ms", retry: true)
            }
            throw NotifyError("email: SMTP session with \(address) failed: \(error)", retry: true)
        }
        if timedOut.withLock({ $0 }) {
            throw NotifyError("email: \(address) did not finish the SMTP session within \(o.timeoutMs) ms", retry: true)
        }
    }

    /// Lines starting with "." get another "." (RFC 5321 §4.5.2); the text ends with CRLF.
    static func dotStuffed(_ message: String) -> String {
        var lines = message.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }.joined(separator: "\r\n") + "\r\n"
    }

    static func isIPAddress(_ s: String) -> Bool {
        s.contains(":") || (s.split(separator: ".").count == 4 && s.allSatisfy { $0.isNumber || $0 == "." })
    }

    struct Session {
        var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        var pending: [UInt8] = []

        mutating func write(_ s: String) async throws {
            try await outbound.write(ByteBuffer(string: s))
        }

        mutating func line() async throws -> String {
            while true {
                if let i = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    var l = Array(pending[..<i])
                    pending.removeFirst(i + 1)
                    if l.last == UInt8(ascii: "\r") { l.removeLast() }
                    return String(decoding: l, as: UTF8.self)
                }
                guard let chunk = try await inbound.next() else {
                    throw NotifyError("email: the SMTP server closed the connection", retry: true)
                }
                pending += chunk.readableBytesView
            }
        }

        mutating func reply() async throws -> Reply {
            var lines: [String] = []
            while true {
                let l = try await line()
                let u = Array(l.utf8)
                guard u.count >= 3, let code = Int(String(decoding: u[0..<3], as: UTF8.self)) else {
                    throw NotifyError("email: malformed SMTP reply \"\(l.prefix(100))\"", retry: true)
                }
                lines.append(u.count > 4 ? String(decoding: u[4...], as: UTF8.self) : "")
                if u.count == 3 || u[3] != UInt8(ascii: "-") { return Reply(code: code, lines: lines) }
            }
        }

        @discardableResult
        mutating func expect(_ code: Int, _ what: String) async throws -> Reply {
            let r = try await reply()
            guard r.code == code else {
                throw NotifyError("email: \(what): server answered \(r.code) \(r.text)", retry: r.code < 500)
            }
            return r
        }

        @discardableResult
        mutating func command(_ c: String, expect codes: Int..., shown: String? = nil) async throws -> Reply {
            try await write(c + "\r\n")
            let r = try await reply()
            guard codes.contains(r.code) else {
                throw NotifyError("email: \(shown ?? c) : server answered \(r.code) \(r.text)", retry: r.code < 500)
            }
            return r
        }

        /// EHLO, or HELO when EHLO is refused; the extensions advertised (keyword → parameters).
        mutating func hello(_ name: String) async throws -> [String: String] {
            try await write("EHLO \(name)\r\n")
            let r = try await reply()
            if r.code == 250 {
                var ext: [String: String] = [:]
                for l in r.lines.dropFirst() {
                    let parts = l.split(separator: " ", maxSplits: 1)
                    guard let k = parts.first else { continue }
                    ext[k.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
                }
                return ext
            }
            try await command("HELO \(name)", expect: 250)
            return [:]
        }

        mutating func authenticate(mechanisms: [String], _ o: Options, secure: Bool) async throws {
            for m in mechanisms.map({ $0.uppercased() }) {
                switch m {
                case "PLAIN":
                    try checkSecure(secure, o)
                    let token = Data("\(o.identity)\0\(o.username)\0\(o.password)".utf8).base64EncodedString()
                    try await command("AUTH PLAIN \(token)", expect: 235, shown: "AUTH PLAIN")
                    return
                case "LOGIN":
                    try checkSecure(secure, o)
                    try await command("AUTH LOGIN", expect: 334)
                    try await command(Data(o.username.utf8).base64EncodedString(), expect: 334, shown: "AUTH LOGIN username")
                    try await command(Data(o.password.utf8).base64EncodedString(), expect: 235, shown: "AUTH LOGIN password")
                    return
                default: continue
                }
            }
            throw NotifyError("email: the server offers AUTH \(mechanisms.joined(separator: " ")); Osprey supports PLAIN and LOGIN", retry: false)
        }

        /// Passwords go in the clear only over TLS or to this machine (as Go's smtp.PlainAuth insists).
        func checkSecure(_ secure: Bool, _ o: Options) throws {
            guard secure || ["localhost", "127.0.0.1", "::1"].contains(o.host) else {
                throw NotifyError("email: refusing to send the password over an unencrypted connection to \(o.host); enable STARTTLS (require_tls: true)", retry: false)
            }
        }
    }
}
