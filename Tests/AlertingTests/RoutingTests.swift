import Alerting
import OspreyCore
import Testing

/// The routing tree: depth-first matching with `continue`, route keys and IDs, group labels and keys,
/// as Alertmanager documents them.
@Suite struct RoutingTests {
    static let config = """
        route:
          receiver: default
          group_by: [alertname]
          routes:
            - matchers: ['alertname="Watchdog"']
              receiver: heartbeat
            - matchers: ['severity="critical"']
              receiver: pager
              continue: true
              routes:
                - matchers: [team=db]
                  receiver: pager-db
            - matchers: ['severity=~"critical|warning"']
              receiver: chat
              group_by: ['...']
              routes:
                - matchers: [team=db]
                  receiver: chat-db
                  continue: true
                - matchers: [service=~"pay.*"]
                  receiver: chat-pay
            - matchers: ['severity="info"']
              receiver: email
            - matchers: ['severity="info"']
              receiver: never-reached
        receivers:
          - {name: default}
          - {name: heartbeat}
          - {name: pager}
          - {name: pager-db}
          - {name: chat}
          - {name: chat-db}
          - {name: chat-pay}
          - {name: email}
          - {name: never-reached}
        """

    /// (alert labels, receivers of the matched routes in order).
    @Test(arguments: [
        (["alertname": "Watchdog", "severity": "critical"], ["heartbeat"]),
        (["severity": "critical"], ["pager", "chat"]),
        (["severity": "critical", "team": "db"], ["pager-db", "chat-db"]),
        // chat-db has `continue`, so the next sibling is tried too.
        (["severity": "warning", "team": "db", "service": "payments"], ["chat-db", "chat-pay"]),
        (["severity": "warning", "service": "payroll"], ["chat-pay"]),
        (["severity": "warning", "service": "web"], ["chat"]),
        // The first matching route without `continue` stops the search.
        (["severity": "info"], ["email"]),
        (["severity": "debug"], ["default"]),
        ([:], ["default"]),
        // Regex matchers are anchored: "critical2" is not "critical".
        (["severity": "critical2"], ["default"]),
    ])
    func routesAlerts(_ labels: [String: String], _ receivers: [String]) throws {
        let c = try AlertmanagerConfig.parse(Self.config, file: "am.yml")
        #expect(c.route.match(Labels(labels)).map(\.receiver) == receivers)
    }

    @Test func routeKeysAndIDsAreAlertmanagers() throws {
        let c = try AlertmanagerConfig.parse(Self.config, file: "am.yml")
        var ids: [String] = []
        c.route.walk { ids.append($0.id) }
        #expect(ids == [
            "{}",
            #"{}/{alertname="Watchdog"}/0"#,
            #"{}/{severity="critical"}/1"#,
            #"{}/{severity="critical"}/{team="db"}/0"#,
            #"{}/{severity=~"critical|warning"}/2"#,
            #"{}/{severity=~"critical|warning"}/{team="db"}/0"#,
            #"{}/{severity=~"critical|warning"}/{service=~"pay.*"}/1"#,
            #"{}/{severity="info"}/3"#,
            #"{}/{severity="info"}/4"#,
        ])
        // Keys leave out the position, so two siblings with the same matchers share one.
        #expect(c.route.routes[3].key == c.route.routes[4].key)
        // Every ID finds its own node.
        c.route.walk { r in #expect(c.route.route(withID: r.id) === r) }
        #expect(c.route.route(withID: "{}/{nope=\"x\"}/0") == nil)
    }

    @Test func groupLabelsAndKeys() throws {
        let c = try AlertmanagerConfig.parse(Self.config, file: "am.yml")
        let alert = Labels(["alertname": "HighLatency", "severity": "critical", "instance": "a:9100", "team": "web"])
        let routes = c.route.match(alert)
        #expect(routes.map(\.receiver) == ["pager", "chat"])
        // pager inherits group_by [alertname]; chat groups by all labels.
        #expect(routes[0].groupLabels(alert) == Labels(["alertname": "HighLatency"]))
        #expect(routes[0].groupKey(alert) == #"{}/{severity="critical"}:{alertname="HighLatency"}"#)
        #expect(routes[1].groupLabels(alert) == alert)
        #expect(routes[1].groupKey(alert) ==
            #"{}/{severity=~"critical|warning"}:{alertname="HighLatency", instance="a:9100", severity="critical", team="web"}"#)
        // A group_by label the alert lacks is left out, not set empty.
        #expect(c.route.groupLabels(Labels(["severity": "x"])) == Labels([]))
        #expect(c.route.groupKey(Labels(["severity": "x"])) == "{}:{}")
    }

    @Test func fallbackSendsEverythingToOneReceiver() {
        let c = AlertmanagerConfig.fallback
        #expect(c.route.match(Labels(["alertname": "x", "severity": "critical"])).map(\.receiver) == ["default"])
        #expect(c.receivers.map(\.name) == ["default"])
        #expect(c.receivers[0].integrationCount == 0)
    }

    @Test func labelValuesAreGoQuotedInGroupKeys() {
        #expect(Route.formatLabelSet(Labels(["b": "say \"hi\"\n", "a": "x"])) == #"{a="x", b="say \"hi\"\n"}"#)
    }
}
