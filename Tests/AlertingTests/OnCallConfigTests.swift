@testable import Alerting
import Foundation
import OspreyCore
import Testing

@Suite struct OnCallConfigTests {
    static let base = """
        oncall:
          people:
            - name: alice
              email: alice@example.com
            - name: bob
              email: bob@example.com
          schedules:
            - name: primary
              time_zone: Europe/Berlin
              layers:
                - rotation: daily
                  handoff: "09:00"
                  start: 2026-01-05
                  participants: [alice, bob]
        """

    @Test(arguments: [
        ("participants: [alice, bobb]", "osprey.yml:14: oncall.schedules[0].layers[0].participants[1]: unknown person \"bobb\""),
        ("time_zone: Europe/Berlin", ""),
        ("time_zone: Mars/Olympus", "osprey.yml:9: oncall.schedules[0].time_zone: unknown time zone \"Mars/Olympus\""),
        ("handoff: \"9am\"", "osprey.yml:12: oncall.schedules[0].layers[0].handoff: must be a local time HH:MM"),
        ("handoff: \"24:00\"", "osprey.yml:12: oncall.schedules[0].layers[0].handoff: must be a local time HH:MM"),
        ("start: 2026-02-30", "osprey.yml:13: oncall.schedules[0].layers[0].start: must be a date YYYY-MM-DD"),
        ("rotation: hourly", "osprey.yml:11: oncall.schedules[0].layers[0].rotation: must be daily, weekly or custom"),
        ("rotation: custom", "osprey.yml:11: oncall.schedules[0].layers[0].length: a custom rotation needs a length"),
    ])
    func scheduleErrorsNameFileLineAndField(replace: String, expected: String) throws {
        let key = String(replace.split(separator: ":")[0])
        // Replace the line holding `key` (keeping its indentation and list dash).
        let yaml = Self.base.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let indent = String(line.prefix { $0 == " " || $0 == "-" })
            return line.dropFirst(indent.count).hasPrefix(key + ":") ? indent + replace : String(line)
        }.joined(separator: "\n")
        let error = onCallConfigError(yaml)
        if expected.isEmpty {
            #expect(error == nil)
        } else {
            let e = try #require(error)
            #expect(e.hasPrefix(expected), "\(e)")
        }
    }

    @Test func policyErrorsNameFileLineAndField() throws {
        func policy(_ body: String) -> String? {
            onCallConfigError(Self.base + "\n  escalation_policies:\n    - name: p\n      receivers: [pager]\n" + body)
        }
        #expect(policy("      steps:\n        - notify_schedule: secondary\n") ==
                "osprey.yml:19: oncall.escalation_policies[0].steps[0].notify_schedule: unknown schedule \"secondary\"; define it in oncall.schedules")
        #expect(policy("      steps:\n        - notify_person: alice\n        - notify_person: bob\n")?
                    .hasPrefix("osprey.yml:19: oncall.escalation_policies[0].steps[0].wait: is required") == true)
        let badRegex = policy("      matchers: ['severity=~\"(\"']\n      steps:\n        - notify_person: alice\n")
        #expect(badRegex?.hasPrefix("osprey.yml:18: oncall.escalation_policies[0].matchers[0]: ") == true && badRegex?.contains("(") == true,
                "\(badRegex ?? "no error")")
        #expect(policy("      steps:\n        - notify_person: alice\n          wait: soon\n")?
                    .hasPrefix("osprey.yml:20: oncall.escalation_policies[0].steps[0].wait:") == true)
        #expect(policy("      steps:\n        - wait: 5m\n") ==
                "osprey.yml:19: oncall.escalation_policies[0].steps[0]: a step needs notify_schedule, notify_person or notify_receiver")
        #expect(policy("      steps:\n        - notify_person: alice\n      colour: red\n") ==
                "osprey.yml:20: oncall.escalation_policies[0].colour: unknown field")
    }

    @Test func fullPolicyParses() throws {
        let c = try onCallConfig(Self.base + """

              escalation_policies:
                - name: critical
                  matchers: ['severity="critical"', 'team!~"(?i)test.*"']
                  steps:
                    - notify_schedule: primary
                      wait: 10m
                    - notify_person: [alice, bob]
                      notify_receiver: team-chat
                      wait: 15m
                  repeat: 2
            """)
        let p = try #require(c.policies.first)
        #expect(p.steps == [EscalationStep(targets: [.schedule("primary")], waitMs: 600_000),
                            EscalationStep(targets: [.person("alice"), .person("bob"), .receiver("team-chat")], waitMs: 900_000)])
        #expect(p.repeatCount == 2 && p.receivers.isEmpty)
        #expect(p.applies(receiver: "any", labels: Labels(["severity": "critical", "team": "db"])))
        #expect(!p.applies(receiver: "any", labels: Labels(["severity": "critical", "team": "Testing"])))
        #expect(!p.applies(receiver: "any", labels: Labels(["severity": "warning"])))
    }
}
