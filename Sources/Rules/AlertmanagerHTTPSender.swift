import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import OspreyCore

extension OutgoingAlert {
    /// The alerts as the JSON array `POST /api/v2/alerts` takes (Alertmanager's `postableAlerts`).
    public static func jsonArray(_ alerts: [OutgoingAlert]) -> Data {
        let list: [[String: Any]] = alerts.map { a in
            [
                "labels": Dictionary(a.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x }),
                "annotations": Dictionary(a.annotations.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x }),
                "startsAt": rfc3339(a.startsAtMs),
                "endsAt": rfc3339(a.endsAtMs),
                "generatorURL": a.generatorURL,
            ]
        }
        return (try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])) ?? Data("[]".utf8)
    }

    /// RFC 3339 with milliseconds in UTC, as Go's time.Time marshals (`2024-05-01T12:00:00.123Z`).
    static func rfc3339(_ ms: Int64) -> String {
        let seconds = floorDiv(ms, 1000)
        let millis = ms - seconds * 1000
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                          Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return millis == 0 ? base + "Z" : base + String(format: ".%03dZ", Int(millis))
    }
}

/// Sends alerts to external Alertmanagers (`alerting.alertmanagers` static configs) with
/// `POST <base URL>/api/v2/alerts`. Alerts are queued and sent in batches by a background task, so
/// evaluation never waits on the network; when the queue is full the oldest alerts are dropped, as
/// Prometheus's notifier does.
public final class AlertmanagerHTTPSender: AlertSender, @unchecked Sendable {
    /// Alerts waiting to be sent; Prometheus's notifier queue holds 10,000 by default.
    public static let queueAlertsMax = 10_000
    /// Alerts per request; Prometheus's notifier sends at most 64 in one POST.
    public static let batchAlertsMax = 64
    /// Per-request timeout (Prometheus's default for Alertmanager requests is 10s).
    public static let requestTimeoutSeconds: Int64 = 10

    /// Base URLs such as `http://alertmanager:9093` (a path prefix is kept).
    public let baseURLs: [String]
    private let client: HTTPClient
    private let logger: Logger
    private let lock = NSLock()
    private var queue: [OutgoingAlert] = []
    private var draining = false
    private var droppedCount = 0
    private let metrics: [String: SenderMetrics]

    public init(baseURLs: [String], logger: Logger) {
        self.baseURLs = baseURLs.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        // The process-wide client: it needs no shutdown, so a sender replaced on reload can simply go away.
        self.client = HTTPClient.shared
        self.logger = logger
        self.metrics = Dictionary(self.baseURLs.map { ($0, SenderMetrics(alertmanager: $0 + "/api/v2/alerts")) }, uniquingKeysWith: { a, _ in a })
    }

    public func send(_ alerts: [OutgoingAlert]) {
        let start = lock.withLock { () -> Bool in
            queue += alerts
            if queue.count > Self.queueAlertsMax {
                let drop = queue.count - Self.queueAlertsMax
                droppedCount += drop
                metrics.values.first?.dropped.increment(by: drop)
                queue.removeFirst(drop)
            }
            if draining { return false }
            draining = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    /// Alerts dropped because the queue was full, since start.
    public var dropped: Int { lock.withLock { droppedCount } }

    private func drain() async {
        while true {
            let batch = lock.withLock { () -> [OutgoingAlert] in
                let n = min(queue.count, Self.batchAlertsMax)
                let b = Array(queue.prefix(n))
                queue.removeFirst(n)
                if b.isEmpty { draining = false }
                return b
            }
            if batch.isEmpty { return }
            let body = OutgoingAlert.jsonArray(batch)
            await withTaskGroup(of: Void.self) { group in
                for url in baseURLs { group.addTask { await self.post(body, to: url, count: batch.count) } }
            }
        }
    }

    private func post(_ body: Data, to base: String, count: Int) async {
        var request = HTTPClientRequest(url: base + "/api/v2/alerts")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Osprey")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(Self.requestTimeoutSeconds))
            _ = try? await response.body.collect(upTo: 1 << 20)
            if response.status.code / 100 == 2 {
                metrics[base]?.sent.increment(by: count)
            } else {
                metrics[base]?.errors.increment(by: count)
                logger.warning("Alertmanager refused alerts", metadata: ["url": "\(base)", "status": "\(response.status.code)", "alerts": "\(count)"])
            }
        } catch {
            metrics[base]?.errors.increment(by: count)
            logger.warning("sending alerts to Alertmanager failed", metadata: ["url": "\(base)", "error": "\(error)", "alerts": "\(count)"])
        }
    }
}
