import Foundation
import Logging
import MetricStore
import OspreyCore

@testable import Ingest

/// A fresh directory under the system temp directory, removed afterwards.
func withForwardDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let dir = NSTemporaryDirectory() + "osprey-forward-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

let quietLogger: Logger = {
    var l = Logger(label: "forward-test")
    l.logLevel = .critical
    return l
}()

/// A batch of `series` series `name{i="k"}`, each with samples at `t0 + j*step` for j in 0..<perSeries, value = t.
func makeBatch(series: Int, perSeries: Int, t0: Int64 = 1_000, step: Int64 = 1_000, name: String = "m") -> EncodedBatch {
    var b = EncodedBatch()
    for k in 0..<series {
        let key = Labels(["__name__": name, "i": "\(k)"]).encoded
        let ks = b.keyBytes.count
        b.keyBytes += key
        let ss = b.timestamps.count
        for j in 0..<perSeries {
            let t = t0 + Int64(j) * step
            b.timestamps.append(t)
            b.values.append(Double(t) + Double(k) / 1000)
        }
        b.series.append(.init(keyStart: Int32(ks), keyEnd: Int32(b.keyBytes.count), sampleStart: Int32(ss), sampleEnd: Int32(b.timestamps.count)))
    }
    return b
}

/// Every (labels, sample) of a batch, for comparisons.
func flatten(_ b: EncodedBatch) -> [Labels: [Sample]] {
    var out: [Labels: [Sample]] = [:]
    for s in b.series {
        let labels = Labels(encoded: b.keyBytes[Int(s.keyStart)..<Int(s.keyEnd)])!
        for i in Int(s.sampleStart)..<Int(s.sampleEnd) { out[labels, default: []].append(Sample(b.timestamps[i], b.values[i])) }
    }
    return out
}

/// A receiver scripted per request: answers from `script` in turn (the last answer repeats), records every body.
final class ScriptedTransport: RemoteWriteTransport, @unchecked Sendable {
    enum Answer { case status(Int, String = "", retryAfterMs: Int64? = nil), connectionRefused }
    private let lock = NSLock()
    private var script: [Answer]
    private(set) var attempts: [(atMs: Int64, series: [Labels: [Sample]])] = []
    let clock: ManualClock

    init(_ script: [Answer], clock: ManualClock) {
        self.script = script
        self.clock = clock
    }

    /// Requests the receiver answered 2xx, decoded.
    private(set) var accepted: [[Labels: [Sample]]] = []

    func post(_ body: [UInt8]) async throws -> RemoteWriteResponse {
        let decoded = try RemoteWriteDecoder.decode(snappyBody: body, limits: RemoteWriteLimits())
        var series: [Labels: [Sample]] = [:]
        for (i, s) in decoded.series.enumerated() {
            let labels = decoded.labels(of: i)
            precondition(series[labels] == nil, "series \(labels) twice in one request")
            series[labels] = (Int(s.sampleStart)..<Int(s.sampleEnd)).map { Sample(decoded.timestamps[$0], decoded.values[$0]) }
        }
        let answer: Answer = lock.withLock {
            attempts.append((clock.nowMs(), series))
            return script.count > 1 ? script.removeFirst() : script[0]
        }
        switch answer {
        case .connectionRefused: throw ForwardBufferError(message: "connection refused")
        case .status(let code, let body, let retryAfter):
            if (200..<300).contains(code) { lock.withLock { accepted.append(series) } }
            return RemoteWriteResponse(status: code, body: body, retryAfterMs: retryAfter)
        }
    }

    func shutdown() async {}
}

/// Records the sleeps asked for and advances the manual clock instead of sleeping; after `limit` sleeps it
/// throws, as a cancelled task's sleep does.
final class RecordingSleeper: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var sleeps: [Int64] = []
    let clock: ManualClock
    let limit: Int

    init(clock: ManualClock, limit: Int = 100_000) {
        self.clock = clock
        self.limit = limit
    }

    var function: @Sendable (Int64) async throws -> Void {
        { ms in
            let stop = self.lock.withLock { () -> Bool in
                self.sleeps.append(ms)
                return self.sleeps.count > self.limit
            }
            if stop { throw CancellationError() }
            self.clock.advance(ms)
            await Task.yield()
        }
    }
}

func makeForwarder(_ dir: String, transport: ScriptedTransport, sleeper: RecordingSleeper, configure: (inout RemoteWriteConfig) -> Void = { _ in },
                   filter: (@Sendable (Labels) -> Labels?)? = nil) throws -> RemoteWriteForwarder {
    var config = RemoteWriteConfig(url: "http://127.0.0.1:1/api/v1/write")
    config.name = "test"
    configure(&config)
    return try RemoteWriteForwarder(config: config, directory: dir, transport: transport, clock: transport.clock,
                                    sleep: sleeper.function, jitter: { 0.5 }, filter: filter, logger: quietLogger)
}
