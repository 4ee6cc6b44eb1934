import Alerting
import Foundation
import OspreyCore

/// A group of two HighLatency alerts, firing or resolved, and the texts Alertmanager's default templates
/// make of it.
enum NotifyFixtures {
    static let t0: Int64 = 1_800_000_000_000  // 2027-01-15T08:00:00Z
    static let minute: Int64 = 60_000
    static let groupKey = #"{}:{alertname="HighLatency"}"#
    static let externalURL = "http://osprey.example:9700"
    static let generatorURL = "http://prom.example/graph?g0.expr=latency&g0.tab=1"

    static func labels(_ instance: String) -> Labels {
        Labels(["alertname": "HighLatency", "instance": instance, "severity": "critical"])
    }

    static func alert(_ instance: String, startMinutesAgo: Int64, resolved: Bool) -> Alert {
        Alert(labels: labels(instance), annotations: ["summary": "Latency high on \(instance)"],
              startsAtMs: t0 - startMinutesAgo * minute, endsAtMs: resolved ? t0 - minute : t0 + 5 * minute,
              updatedAtMs: t0, generatorURL: generatorURL, timeout: false)
    }

    static func group(resolved: Bool, receiver: String = "team-x", links: [String: String] = [:]) -> GroupNotification {
        GroupNotification(receiver: receiver, groupKey: groupKey, groupLabels: Labels(["alertname": "HighLatency"]),
                          alerts: [alert("a:9100", startMinutesAgo: 10, resolved: resolved), alert("b:9100", startMinutesAgo: 5, resolved: resolved)],
                          nowMs: t0, externalURL: externalURL, links: links)
    }

    static let firingSubject = "[FIRING:2] HighLatency (critical)"
    static let resolvedSubject = "[RESOLVED] HighLatency (critical)"
    static let alertsURL = "http://osprey.example:9700/#/alerts?receiver=team-x"

    /// `__text_alert_list` of both alerts.
    static let textAlertList = ["a:9100", "b:9100"].map { i in
        "Labels:\n - alertname = HighLatency\n - instance = \(i)\n - severity = critical\nAnnotations:\n - summary = Latency high on \(i)\nSource: \(generatorURL)\n"
    }.joined()

    /// `__text_alert_list_markdown` of both alerts.
    static let markdownAlertList = ["a:9100", "b:9100"].map { i in
        "\nLabels:\n  - alertname = HighLatency\n  - instance = \(i)\n  - severity = critical\n\nAnnotations:\n  - summary = Latency high on \(i)\n\nSource: \(generatorURL)\n"
    }.joined() + "\n"

    static func fingerprint(_ instance: String) -> String { Fingerprint(labels: labels(instance)).description }

    /// A configuration with one receiver built from `receiverYAML` (indented entries under the receiver).
    static func config(_ receiverYAML: String, global: String = "") throws -> AlertmanagerConfig {
        let text = """
        global:
          resolve_timeout: 5m
        \(global)
        route:
          receiver: team-x
        receivers:
          - name: team-x
        \(receiverYAML)

        """
        return try AlertmanagerConfig.parse(text, file: "alertmanager.yml")
    }
}
