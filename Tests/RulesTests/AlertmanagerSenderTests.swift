import Foundation
import Logging
import OspreyCore
import Testing
@testable import Rules

/// The HTTP sender against the real Alertmanager from the Debian package (prometheus-alertmanager), read back
/// with the real amtool.
@Suite struct AlertmanagerSenderTests {
    static let alertmanager = "/usr/bin/prometheus-alertmanager"
    static let amtool = "/usr/bin/amtool"

    @Test func firingAndResolvedAlertsReachARealAlertmanager() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.alertmanager), "install prometheus-alertmanager (make deps)")
        let dir = NSTemporaryDirectory() + "rules-am-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "route:\n  receiver: blackhole\nreceivers:\n- name: blackhole\n".write(toFile: dir + "/am.yml", atomically: true, encoding: .utf8)
        let port = try freePort()
        let am = Process()
        am.executableURL = URL(fileURLWithPath: Self.alertmanager)
        am.arguments = ["--config.file=\(dir)/am.yml", "--storage.path=\(dir)/data", "--web.listen-address=127.0.0.1:\(port)",
                        "--cluster.listen-address="]
        am.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        am.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try am.run()
        defer { am.terminate(); am.waitUntilExit() }
        let url = "http://127.0.0.1:\(port)"
        try #require(await waitFor { (try? amtoolQuery(url)) != nil }, "alertmanager did not start")

        let sender = AlertmanagerHTTPSender(baseURLs: [url + "/"], logger: Logger(label: "rules-test"))
        let now = Int64(Date().timeIntervalSince1970 * 1000) / 1000 * 1000
        let firing = OutgoingAlert(labels: L(["alertname": "InstanceDown", "instance": "a:1", "severity": "critical"]),
                                   annotations: L(["summary": "a:1 is down"]), startsAtMs: now - 60_000,
                                   endsAtMs: now + 240_000, generatorURL: "http://osprey:9700/graph?g0.expr=up+%3D%3D+0&g0.tab=1")
        sender.send([firing])
        var alerts: [[String: Any]] = []
        try #require(await waitFor {
            alerts = (try? amtoolQuery(url)) ?? []
            return !alerts.isEmpty
        }, "the alert did not arrive")
        #expect(alerts[0]["labels"] as? [String: String] == ["alertname": "InstanceDown", "instance": "a:1", "severity": "critical"])
        #expect(alerts[0]["annotations"] as? [String: String] == ["summary": "a:1 is down"])
        #expect(alerts[0]["generatorURL"] as? String == firing.generatorURL)
        // Alertmanager prints the same instant with milliseconds.
        #expect(alerts[0]["startsAt"] as? String == String(OutgoingAlert.rfc3339(now - 60_000).dropLast()) + ".000Z")
        #expect((alerts[0]["status"] as? [String: Any])?["state"] as? String == "active")

        // Resolved: endsAt in the past; Alertmanager stops listing it as active.
        var resolved = firing
        resolved.endsAtMs = now - 1000
        sender.send([resolved])
        #expect(await waitFor { (try? amtoolQuery(url))?.isEmpty == true }, "the resolution did not arrive")
    }

    @Test func payloadShape() throws {
        let a = OutgoingAlert(labels: L(["alertname": "A"]), annotations: L(["s": "x"]), startsAtMs: 1_704_067_200_123,
                              endsAtMs: 1_704_067_500_000, generatorURL: "http://h/graph")
        let text = String(decoding: OutgoingAlert.jsonArray([a]), as: UTF8.self)
        #expect(text == #"[{"annotations":{"s":"x"},"endsAt":"2024-01-01T00:05:00Z","generatorURL":"http:\/\/h\/graph","labels":{"alertname":"A"},"startsAt":"2024-01-01T00:00:00.123Z"}]"#)
    }

    /// Active alerts as amtool prints them with `-o json`.
    func amtoolQuery(_ url: String) throws -> [[String: Any]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.amtool)
        p.arguments = ["alert", "query", "-o", "json", "--alertmanager.url=\(url)"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return list
    }

    func waitFor(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<300 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
