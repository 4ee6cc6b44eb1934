import Alerting
import OspreyCore
import Testing

/// Inhibition as Alertmanager documents it: a firing source mutes matching targets that share the
/// `equal` labels; missing on both sides is equal; an alert matching both sides does not mute itself.
@Suite struct InhibitorTests {
    func rules(_ yaml: String) throws -> [InhibitRuleConfig] {
        try AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules:\n" + yaml, file: "am.yml").inhibitRules
    }

    static let criticalOverWarning = """
          - source_matchers: ['severity="critical"']
            target_matchers: ['severity=~"warning|info"']
            equal: [alertname, cluster]
        """

    @Test func sourceMutesTargetsWithEqualLabels() throws {
        let source = Labels(["alertname": "Latency", "cluster": "eu", "severity": "critical"])
        let inh = Inhibitor(rules: try rules(Self.criticalOverWarning), firing: [source])
        let hit = inh.inhibition(of: Labels(["alertname": "Latency", "cluster": "eu", "severity": "warning", "instance": "a"]))
        #expect(hit == .init(rule: 0, source: source))
        #expect(inh.isInhibited(Labels(["alertname": "Latency", "cluster": "eu", "severity": "info"])))
        // A different value of an `equal` label: not inhibited.
        #expect(!inh.isInhibited(Labels(["alertname": "Latency", "cluster": "us", "severity": "warning"])))
        // Not a target.
        #expect(!inh.isInhibited(Labels(["alertname": "Latency", "cluster": "eu", "severity": "error"])))
        // The label present on one side only: not equal.
        #expect(!inh.isInhibited(Labels(["alertname": "Latency", "severity": "warning"])))
    }

    @Test func labelMissingOnBothSidesCountsAsEqual() throws {
        let inh = Inhibitor(rules: try rules(Self.criticalOverWarning), firing: [Labels(["alertname": "Latency", "severity": "critical"])])
        #expect(inh.isInhibited(Labels(["alertname": "Latency", "severity": "warning"])))
        #expect(!inh.isInhibited(Labels(["alertname": "Latency", "cluster": "eu", "severity": "warning"])))
    }

    @Test func noSourceNoInhibition() throws {
        let inh = Inhibitor(rules: try rules(Self.criticalOverWarning), firing: [Labels(["alertname": "Latency", "severity": "warning"])])
        #expect(!inh.isInhibited(Labels(["alertname": "Latency", "severity": "warning"])))
    }

    @Test func anAlertMatchingBothSidesDoesNotInhibitItself() throws {
        // Every alert of a node is a target; NodeDown is also a source.
        let r = try rules("""
              - source_matchers: [alertname=NodeDown]
                target_matchers: ['instance=~".+"']
                equal: [instance]
            """)
        let nodeDown = Labels(["alertname": "NodeDown", "instance": "a"])
        let cpu = Labels(["alertname": "HighCPU", "instance": "a"])
        let alone = Inhibitor(rules: r, firing: [nodeDown])
        #expect(!alone.isInhibited(nodeDown))
        let both = Inhibitor(rules: r, firing: [nodeDown, cpu])
        #expect(both.isInhibited(cpu))
        #expect(!both.isInhibited(nodeDown))
        // Two alerts matching both sides do not mute each other either.
        let other = Labels(["alertname": "NodeDown", "instance": "a", "reason": "ping"])
        let pair = Inhibitor(rules: r, firing: [nodeDown, other])
        #expect(!pair.isInhibited(nodeDown))
        #expect(!pair.isInhibited(other))
    }

    @Test func twoSidedTargetIsMutedBySourceThatIsNotATarget() throws {
        // Source: anything critical. Target: team=db. A critical db alert is muted by a critical
        // alert that is not itself a db alert, but not by another critical db alert.
        let r = try rules("""
              - source_matchers: [severity=critical]
                target_matchers: [team=db]
                equal: [cluster]
            """)
        let dbCritical = Labels(["alertname": "Replication", "severity": "critical", "team": "db", "cluster": "eu"])
        let dbCritical2 = Labels(["alertname": "Disk", "severity": "critical", "team": "db", "cluster": "eu"])
        let netCritical = Labels(["alertname": "Network", "severity": "critical", "team": "net", "cluster": "eu"])
        #expect(!Inhibitor(rules: r, firing: [dbCritical, dbCritical2]).isInhibited(dbCritical))
        let withNet = Inhibitor(rules: r, firing: [dbCritical, dbCritical2, netCritical])
        #expect(withNet.inhibition(of: dbCritical) == .init(rule: 0, source: netCritical))
    }

    @Test func firstMatchingRuleIsReported() throws {
        let r = try rules(Self.criticalOverWarning + """

              - source_matchers: [alertname=ClusterDown]
                target_matchers: ['alertname!="ClusterDown"']
                equal: [cluster]
            """)
        let down = Labels(["alertname": "ClusterDown", "cluster": "eu", "severity": "critical"])
        let inh = Inhibitor(rules: r, firing: [down])
        #expect(inh.inhibition(of: Labels(["alertname": "Latency", "cluster": "eu", "severity": "warning"]))?.rule == 1)
        #expect(!inh.isInhibited(down))
    }

    @Test func tenThousandAlerts() throws {
        // 5,000 critical sources across 1,000 clusters and 5,000 warnings; half of the warnings share a
        // cluster and alert name with a source.
        let r = try rules(Self.criticalOverWarning)
        var firing: [Labels] = []
        for i in 0..<5_000 {
            firing.append(Labels(["alertname": "A\(i % 5)", "cluster": "c\(i % 1_000)", "severity": "critical"]))
        }
        var targets: [Labels] = []
        for i in 0..<5_000 {
            let name = i % 2 == 0 ? "A\(i % 5)" : "B\(i % 5)"
            targets.append(Labels(["alertname": name, "cluster": "c\(i % 1_000)", "severity": "warning", "i": "\(i)"]))
        }
        let inh = Inhibitor(rules: r, firing: firing + targets)
        let muted = targets.filter(inh.isInhibited).count
        #expect(muted == 2_500)
        #expect(!firing.contains(where: inh.isInhibited))
    }
}
