import Alerting
import Foundation
import Logging
import MetricsTestKit
import OspreyCore

/// A stand-in integration for dispatcher tests (the real ones are tested against real peers elsewhere): it
/// records every notification it is asked to send and answers from a script of results (then `delivered`).
final class RecordingIntegration: Integration, @unchecked Sendable {
    let name: String
    let index: Int
    let sendResolved: Bool
    private let lock = NSLock()
    private var script: [IntegrationResult]
    private var received: [GroupNotification] = []

    init(_ name: String = "webhook", index: Int = 0, sendResolved: Bool = true, results: [IntegrationResult] = []) {
        self.name = name
        self.index = index
        self.sendResolved = sendResolved
        self.script = results
    }

    func notify(_ notification: GroupNotification) async -> IntegrationResult {
        lock.withLock {
            received.append(notification)
            return script.isEmpty ? .delivered : script.removeFirst()
        }
    }

    /// Every attempt so far, failed ones included.
    var calls: [GroupNotification] { lock.withLock { received } }

    /// Takes the attempts so far, so a test can look at what came since.
    func take() -> [GroupNotification] { lock.withLock { defer { received = [] }; return received } }

    /// Makes the next sends answer these results.
    func answer(_ results: [IntegrationResult]) { lock.withLock { script = results } }
}

/// Receiver name → its stand-in integrations.
struct TestProvider: IntegrationProvider {
    var byReceiver: [String: [RecordingIntegration]]
    func integrations(forReceiver name: String) -> [any Integration] { byReceiver[name] ?? [] }
}

/// A dispatcher over an in-memory alert store and silences, a notification log (in `directory` when given),
/// a manual clock, and retries that wait by advancing that clock.
final class DispatchHarness: @unchecked Sendable {
    static let t0: Int64 = 1_790_000_000_000 // 2026-09-21T14:13:20Z
    let clock: ManualClock
    let store: AlertStore
    let silences: Silences
    let nflog: NotificationLog
    let config: AlertmanagerConfig
    let provider: TestProvider
    let metrics = TestMetrics()
    let dispatcher: Dispatcher

    init(_ yaml: String, receivers: [String: [RecordingIntegration]], nflogDirectory: String? = nil,
         clock: ManualClock = ManualClock(DispatchHarness.t0)) throws {
        self.clock = clock
        config = try AlertmanagerConfig.parse(yaml, file: "alertmanager.yml")
        store = AlertStore(clock: clock)
        silences = try Silences(directory: nil, clock: clock)
        nflog = try NotificationLog(directory: nflogDirectory)
        provider = TestProvider(byReceiver: receivers)
        var logger = Logger(label: "test.dispatch")
        logger.logLevel = .critical
        let box = WaitBox()
        dispatcher = Dispatcher(routing: config, integrations: provider, alerts: store, silences: silences, notificationLog: nflog,
                                clock: clock, sleep: { ms in box.add(ms); clock.advance(ms) }, metricsFactory: metrics, logger: logger)
        waitBox = box
        dispatcher.start()
    }

    private let waitBox: WaitBox

    /// The retry waits so far, in milliseconds.
    var retryWaits: [Int64] { waitBox.all }

    var now: Int64 { clock.nowMs() }

    /// Posts one alert (as `POST /api/v2/alerts` would); times are offsets from t0 in milliseconds. The end
    /// defaults to a day after t0, as a rule evaluator sets a firing alert's end ahead of time; the start to now.
    @discardableResult
    func post(_ labels: [String: String], startsAt: Int64? = nil, endsAt: Int64 = 24 * 3_600_000) throws -> Alert {
        try store.put([PostableAlert(labels: Labels(labels), startsAtMs: startsAt.map { Self.t0 + $0 } ?? now, endsAtMs: Self.t0 + endsAt)])[0]
    }

    /// Resolves an alert now, as a client posting it with `endsAt` = now does.
    func resolve(_ labels: [String: String]) throws {
        let stored = store.get(Fingerprint(labels: Labels(labels)))!
        try store.put([PostableAlert(labels: Labels(labels), startsAtMs: stored.startsAtMs, endsAtMs: now)])
    }

    /// Sets the clock to t0 + `offsetMs` and runs the dispatcher's tick there.
    func tick(at offsetMs: Int64) async {
        clock.set(Self.t0 + offsetMs)
        await dispatcher.tick(now: clock.nowMs())
    }

    /// Ticks at every `stepMs` from `fromMs` through `toMs` (offsets from t0).
    func ticks(from fromMs: Int64, through toMs: Int64, every stepMs: Int64) async {
        var t = fromMs
        while t <= toMs {
            await tick(at: t)
            t += stepMs
        }
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
        metrics.counterTotal(label: label, dimensions: dimensions)
    }
}

final class WaitBox: @unchecked Sendable {
    private let lock = NSLock()
    private var waits: [Int64] = []
    func add(_ ms: Int64) { lock.withLock { waits.append(ms) } }
    var all: [Int64] { lock.withLock { waits } }
}

extension GroupNotification {
    /// The alert names of the notification (sorted as sent) with `+` for firing and `-` for resolved.
    var summary: [String] {
        alerts.map { ($0.isResolved(at: nowMs) ? "-" : "+") + ($0.labels["alertname"] ?? "") + ($0.labels["instance"].map { "@" + $0 } ?? "") }
    }
}

let second: Int64 = 1000
let minute: Int64 = 60_000
let hour: Int64 = 3_600_000
