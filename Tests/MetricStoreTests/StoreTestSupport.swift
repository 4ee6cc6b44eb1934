import Foundation
import Logging
import OspreyCore
@testable import MetricStore

/// A temporary store directory, removed when the test ends.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "osprey-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Captures log lines so tests can check what the store reported.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }

    var logger: Logger {
        Logger(label: "test") { _ in CaptureHandler(capture: self) }
    }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message) \(event.metadata ?? [:])")
        }
    }
}

let hour: Int64 = 3_600_000
let minute: Int64 = 60_000

func openStore(_ dir: TempDir, clock: ManualClock = ManualClock(0), logs: LogCapture = LogCapture(), configure: (inout MetricStoreDB.Options) -> Void = { _ in }) throws -> MetricStoreDB {
    var options = MetricStoreDB.Options()
    options.fsync = .always
    configure(&options)
    return try MetricStoreDB.open(directory: dir.path + "/metrics", options: options, clock: clock, logger: logs.logger)
}

func series(_ name: String, _ extra: [String: String] = [:]) -> Labels {
    var d = extra
    d["__name__"] = name
    return Labels(d)
}

@discardableResult
func write(_ db: MetricStoreDB, _ labels: Labels, _ samples: [(Int64, Double)]) throws -> CommitResult {
    let app = db.appender()
    for (t, v) in samples { app.append(labels, t, v) }
    return try app.commit()
}

func read(_ db: MetricStoreDB, _ labels: Labels, mint: Int64 = .min, maxt: Int64 = .max) throws -> [Sample] {
    let matchers = labels.map { LabelMatcher.equal($0.name, $0.value) }
    return try db.select(matchers, mint: mint, maxt: maxt).first { $0.labels == labels }?.samples ?? []
}
