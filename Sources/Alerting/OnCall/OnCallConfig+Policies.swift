import ConfigReader
import OspreyCore
import Yams

extension OnCallConfig {
    /// The longest `repeat`: more than this many rounds of paging nobody answers means the policy needs
    /// another step, not more repeats.
    static let repeatCountMax = 20
    /// Steps one policy may have.
    static let stepsMax = 50

    static func policies(_ node: Node, _ r: YAMLReader, _ field: String, people: Set<String>, schedules: Set<String>,
                         receivers refs: inout [ReceiverReference]) throws -> [EscalationPolicy] {
        var seen = Set<String>()
        return try r.sequence(node, field).enumerated().map { i, item in
            let f = "\(field)[\(i)]"
            var name: String?
            var receivers: [String] = []
            var matchers: [LabelMatcher] = []
            var stepsNode: Node?
            var repeatCount = 0
            for (k, v) in try r.mapping(item, f) {
                switch k {
                case "name": name = try requireName(v, r, "\(f).name", &seen)
                case "receivers":
                    for (j, item) in try r.sequence(v, "\(f).receivers").enumerated() {
                        let name = try r.string(item, "\(f).receivers[\(j)]")
                        receivers.append(name)
                        refs.append(ReceiverReference(name: name, line: item.mark?.line, field: "\(f).receivers[\(j)]"))
                    }
                case "matchers":
                    let items = try r.sequence(v, "\(f).matchers")
                    // Alertmanager's syntax; one entry may hold several matchers (`a="1", b=~"2"`).
                    for (j, m) in items.enumerated() {
                        let mf = "\(f).matchers[\(j)]"
                        let text = try r.string(m, mf)
                        do { matchers += try AlertMatchers.parse(text) } catch {
                            throw r.invalid(m, mf, "\(error)")
                        }
                    }
                case "steps": stepsNode = v
                case "repeat":
                    repeatCount = try r.nonNegativeInt(v, "\(f).repeat")
                    guard repeatCount <= repeatCountMax else { throw r.invalid(v, "\(f).repeat", "must be at most \(repeatCountMax)") }
                default: throw r.unknown(v, "\(f).\(k)")
                }
            }
            guard let name else { throw r.invalid(item, "\(f).name", "is required") }
            guard !receivers.isEmpty || !matchers.isEmpty else {
                throw r.invalid(item, "\(f).receivers", "a policy needs receivers or matchers saying which alerts it escalates")
            }
            let stepNodes = try stepsNode.map { try r.sequence($0, "\(f).steps") } ?? []
            guard !stepNodes.isEmpty else { throw r.invalid(stepsNode ?? item, "\(f).steps", "a policy needs at least one step") }
            guard stepNodes.count <= stepsMax else { throw r.invalid(stepsNode!, "\(f).steps", "at most \(stepsMax) steps") }
            let steps = try stepNodes.enumerated().map { j, s in
                try step(s, r, "\(f).steps[\(j)]", last: j == stepNodes.count - 1 && repeatCount == 0, people: people,
                         schedules: schedules, receivers: &refs)
            }
            return EscalationPolicy(name: name, receivers: receivers, matchers: matchers, steps: steps, repeatCount: repeatCount)
        }
    }

    /// One step: `notify_schedule`, `notify_person` and/or `notify_receiver` (each a name or a list), and
    /// `wait` before the next step — required unless nothing follows.
    static func step(_ node: Node, _ r: YAMLReader, _ f: String, last: Bool, people: Set<String>, schedules: Set<String>,
                     receivers refs: inout [ReceiverReference]) throws -> EscalationStep {
        var targets: [EscalationTarget] = []
        var wait: Int64?
        func names(_ v: Node, _ field: String) throws -> [(String, Node)] {
            if v.sequence != nil {
                return try r.sequence(v, field).enumerated().map { (try r.string($1, "\(field)[\($0)]"), $1) }
            }
            return [(try r.string(v, field), v)]
        }
        for (k, v) in try r.mapping(node, f) {
            let field = "\(f).\(k)"
            switch k {
            case "notify_schedule":
                for (n, at) in try names(v, field) {
                    guard schedules.contains(n) else { throw r.invalid(at, field, "unknown schedule \"\(n)\"; define it in oncall.schedules") }
                    targets.append(.schedule(n))
                }
            case "notify_person":
                for (n, at) in try names(v, field) {
                    guard people.contains(n) else { throw r.invalid(at, field, "unknown person \"\(n)\"; add them to oncall.people") }
                    targets.append(.person(n))
                }
            case "notify_receiver":
                for (n, at) in try names(v, field) {
                    guard !n.isEmpty else { throw r.invalid(at, field, "must name a receiver") }
                    targets.append(.receiver(n))
                    refs.append(ReceiverReference(name: n, line: at.mark?.line, field: field))
                }
            case "wait":
                wait = try r.duration(v, field)
                guard wait! >= 0 else { throw r.invalid(v, field, "must not be negative") }
            default: throw r.unknown(v, field)
            }
        }
        guard !targets.isEmpty else {
            throw r.invalid(node, f, "a step needs notify_schedule, notify_person or notify_receiver")
        }
        guard let wait = wait ?? (last ? 0 : nil) else {
            throw r.invalid(node, "\(f).wait", "is required: how long to wait for an acknowledgement before the next step, such as 10m")
        }
        return EscalationStep(targets: targets, waitMs: wait)
    }
}
