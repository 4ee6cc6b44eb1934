@testable import Alerting
import ConfigReader
import Foundation
import OspreyCore
import Yams

/// Parses the `oncall:` section of an osprey.yml text.
func onCallConfig(_ yaml: String) throws -> OnCallConfig {
    let root = try YAMLReader.compose(yaml, file: "osprey.yml")!
    let r = YAMLReader(file: "osprey.yml")
    let top = try r.mapping(root, "(top level)")
    guard let node = top.first(where: { $0.0 == "oncall" })?.1 else { return OnCallConfig() }
    return try OnCallConfig.parse(node, r)
}

/// The ConfigError a broken `oncall:` section gives, as text.
func onCallConfigError(_ yaml: String) -> String? {
    do { _ = try onCallConfig(yaml); return nil } catch { return "\(error)" }
}

/// Unix milliseconds of an RFC 3339 time.
func ms(_ rfc3339: String) -> Int64 {
    guard let v = WallFormat.rfc3339Ms(rfc3339) else { fatalError("bad time \(rfc3339) in a test") }
    return v
}

let minuteMs: Int64 = 60_000
let hourMs: Int64 = 3_600_000

/// A notifier that records every page and notification instead of sending them (no real peer exists
/// for an abstract pager); contact methods listed in `failing` report a failure.
final class RecordingNotifier: OnCallNotifier, @unchecked Sendable {
    struct Sent: Equatable {
        var to: String
        var step: Int
        var pass: Int
        var incident: String
    }
    private let lock = NSLock()
    private var _sent: [Sent] = []
    private var _notices: [IncidentNotice] = []
    var failing: Set<String> = []

    var sent: [Sent] { lock.withLock { _sent } }
    var notices: [IncidentNotice] { lock.withLock { _notices } }
    var recipients: [String] { sent.map(\.to) }

    func page(_ person: Person, about notice: IncidentNotice) async -> [ContactAttempt] {
        lock.withLock {
            _sent.append(Sent(to: person.name, step: notice.step, pass: notice.pass, incident: notice.incidentID))
            _notices.append(notice)
        }
        let ok = !failing.contains(person.name)
        return [ContactAttempt(channel: "email", address: person.email ?? person.name, ok: ok, error: ok ? nil : "550 mailbox unavailable")]
    }

    func notify(receiver: String, about notice: IncidentNotice) async -> [ContactAttempt] {
        lock.withLock {
            _sent.append(Sent(to: "receiver:" + receiver, step: notice.step, pass: notice.pass, incident: notice.incidentID))
            _notices.append(notice)
        }
        return [ContactAttempt(channel: "webhook", address: receiver, ok: true)]
    }
}

/// A temporary directory removed after `body`.
func withTempDir<T>(_ body: (String) async throws -> T) async throws -> T {
    let dir = NSTemporaryDirectory() + "oncall-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}
