import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The two servers of the alerting benchmark.
enum AlertServerKind: String, CaseIterable, Sendable {
    case osprey = "Osprey"
    case alertmanager = "Alertmanager"
}

/// An alert receiver under test: Osprey (`serve` with `alerting: {config_file: alertmanager.yml}`) or the
/// real Alertmanager, each with its own empty data directory, port and log, loading the same alertmanager.yml.
final class AlertServer {
    let kind: AlertServerKind
    let port: Int
    let dir: String
    let logPath: String
    private let process: Process
    private let log: FileHandle

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    init(kind: AlertServerKind, binary: String, workDir: String, alertmanagerYAML: String) throws {
        self.kind = kind
        port = try freePort()
        dir = workDir + "/alerting-\(kind.rawValue.lowercased())"
        logPath = dir + "/server.log"
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try alertmanagerYAML.write(toFile: dir + "/alertmanager.yml", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        switch kind {
        case .osprey:
            try "scrape_configs: []\nhost_metrics: {enabled: false}\nalerting:\n  config_file: alertmanager.yml\n"
                .write(toFile: dir + "/osprey.yml", atomically: true, encoding: .utf8)
            process.arguments = ["serve", "--listen", "127.0.0.1:\(port)", "--data", dir + "/data", "--config", dir + "/osprey.yml"]
        case .alertmanager:
            process.arguments = ["--config.file=\(dir)/alertmanager.yml", "--storage.path=\(dir)/data",
                                 "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="]
        }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            guard process.isRunning else { throw HTTPError(description: "\(kind.rawValue) exited during startup; see \(logPath)") }
            if let c = try? HTTPConnection(port: port, timeoutSeconds: 5), let r = try? c.request("GET", "/-/ready"), r.status == 200 { return }
            usleep(100_000)
        }
        throw HTTPError(description: "\(kind.rawValue) not ready on port \(port) after 120 s; see \(logPath)")
    }

    /// utime + stime of every thread of the server, in seconds (/proc/PID/stat fields 14 and 15).
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let ut = Double(fields[11]), let st = Double(fields[12]) else { return .nan }
        return (ut + st) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `kB` field of /proc/PID/status (VmRSS, VmHWM), in bytes.
    func statusBytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return -1
    }

    /// SIGTERM, then SIGKILL after `graceSeconds`.
    func stop(graceSeconds: Double = 60) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(graceSeconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? log.close()
    }
}

/// Where both servers' webhook receivers point: answers every request 200 and counts them by path. With
/// group_wait far beyond the run it must receive nothing; a notification means a server flushed too early.
final class WebhookSink: Sendable {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let counter: SinkCounter

    init() throws {
        let counter = SinkCounter()
        self.counter = counter
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(SinkHandler(counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
    }

    /// Notifications received so far, by request path (the receiver's name).
    var received: [String: Int] { counter.snapshot() }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

final class SinkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func add(_ path: String) { lock.withLock { counts[path, default: 0] += 1 } }
    func snapshot() -> [String: Int] { lock.withLock { counts } }
}

private final class SinkHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let counter: SinkCounter
    private var uri = ""
    private var keepAlive = true

    init(counter: SinkCounter) { self.counter = counter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            uri = head.uri
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            counter.add(uri)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "0")
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
