import Alerting
import ConfigReader
import Yams

extension ConfigLoader {
    /// `oncall:`: people, schedules and escalation policies (docs/oncall.md).
    static func onCall(_ r: Reader, _ node: Node, _ config: inout OspreyConfig) throws {
        config.onCall = try OnCallConfig.parse(node, r)
    }
}

extension ConfigLoader {
    /// Receivers named in `oncall:` must exist in Alertmanager's `receivers` when `alerting:` defines them:
    /// a misspelt name would otherwise never escalate anything.
    static func checkOnCallReceivers(_ r: Reader, _ config: OspreyConfig) throws {
        guard let routing = config.alerting.routing else { return }
        for ref in config.onCall.receiverReferences where routing.receiver(named: ref.name) == nil {
            throw ConfigError(file: r.file, line: ref.line, field: ref.field,
                              message: "unknown receiver \"\(ref.name)\"; define it in alerting.receivers")
        }
    }
}
