import Alerting
import ConfigReader
import Yams

extension ConfigLoader {
    /// `oncall:`: people, schedules and escalation policies (docs/oncall.md).
    static func onCall(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        config.onCall = try OnCallConfig.parse(node, r)
    }
}
