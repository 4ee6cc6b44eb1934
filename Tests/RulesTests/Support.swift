import Logging
import OspreyCore
import PromQL
@testable import Rules

/// A rule environment over an in-memory store, with the clock tests drive.
struct Harness {
    let store = MemoryStore()
    let sender = CollectingSender()
    let evaluator: RuleEvaluator

    init(externalLabels: Labels = Labels([Label]()), externalURL: String = "http://osprey.example:9700") {
        var env = RuleEnvironment(engine: Engine(querier: store), writer: store, sender: sender, logger: Logger(label: "rules-test"))
        env.externalLabels = externalLabels
        env.externalURL = externalURL
        evaluator = RuleEvaluator(env)
    }

    /// The first group of a rule file written inline.
    func group(_ yaml: String, restore: Bool = false) throws -> RuleGroupState {
        let file = try RuleFileParser.parse(yaml, file: "test.yml")
        return RuleGroupState(file.groups[0], defaultIntervalMs: 60_000, restoreForState: restore)
    }
}

let minute: Int64 = 60_000
/// A fixed start: 2024-01-01T00:00:00Z.
let t0: Int64 = 1_704_067_200_000

func L(_ pairs: KeyValuePairs<String, String>) -> Labels { Labels(pairs) }
