import Foundation
import OspreyCore

/// The alerting benchmark's data, identical for both servers: `alertCount` firing alerts in `groupCount`
/// groups of the routing tree below, `silenceCount` silences (most for things that no longer exist, a few
/// silencing part of the alerts), and what each alert's status must be.
///
/// Labels: `alertname` BenchAlert0…9 (severity by name: 0–1 critical, 2–5 warning, 6–9 info), `service`
/// svc-000… (team by service), `instance` node-S-I (I in 0..<alertCount/groupCount), `env` by instance parity,
/// `job`. Grouping by `[alertname, service]` gives exactly groupCount groups of alertCount/groupCount alerts,
/// and every group's alerts share severity and team, so each group lands on exactly one route.
struct AlertingWorkload {
    static let alertnameCount = 10
    static let teams = ["frontend", "backend", "db", "storage", "network"]
    /// One in this many silences silences some alerts; the others name services, hosts and alerts that are gone.
    static let matchingSilenceEvery = 50

    struct Alert {
        var labels: [(String, String)]
        var map: [String: String]
        /// The alert's JSON up to (not including) its `endsAt`, which changes every round.
        var jsonPrefix: String
    }

    /// One silence matcher; regular expressions are alternations of literals so the expected outcome is a set lookup.
    struct Matcher {
        var name: String
        var values: [String]
        var isRegex: Bool
        var isEqual: Bool

        func matches(_ labels: [String: String]) -> Bool {
            let v = labels[name] ?? ""
            return values.contains(v) == isEqual
        }

        var json: String {
            let value = values.joined(separator: "|")
            return "{\"name\":\(jsonString(name)),\"value\":\(jsonString(value)),\"isRegex\":\(isRegex),\"isEqual\":\(isEqual)}"
        }
    }

    let alertCount: Int
    let groupCount: Int
    let silenceCount: Int
    let instancesPerGroup: Int
    let serviceCount: Int
    let alerts: [Alert]
    let silences: [[Matcher]]
    /// Alerts (by index) that some silence matches, and that the inhibit rule mutes.
    let expectedSilenced: Set<Int>
    let expectedInhibited: Set<Int>
    /// startsAt of every alert: the moment the benchmark started (Prometheus keeps an alert's activeAt).
    let startsAtMs: Int64

    init(alerts alertCount: Int, groups groupCount: Int, silences silenceCount: Int, seed: UInt64, nowMs: Int64) throws {
        guard groupCount % Self.alertnameCount == 0, groupCount > 0, alertCount % groupCount == 0, alertCount >= groupCount else {
            throw HTTPError(description: "--alert-groups must be a multiple of \(Self.alertnameCount) and divide --alerts (got \(groupCount) groups, \(alertCount) alerts)")
        }
        self.alertCount = alertCount
        self.groupCount = groupCount
        self.silenceCount = silenceCount
        instancesPerGroup = alertCount / groupCount
        serviceCount = groupCount / Self.alertnameCount
        startsAtMs = nowMs
        let startsAt = AlertingWorkload.timestamp(nowMs)
        var alerts: [Alert] = []
        alerts.reserveCapacity(alertCount)
        for s in 0..<serviceCount {
            for a in 0..<Self.alertnameCount {
                for i in 0..<instancesPerGroup {
                    let labels = AlertingWorkload.labels(alertname: a, service: s, instance: i)
                    let map = Dictionary(uniqueKeysWithValues: labels)
                    let labelJSON = labels.map { "\(jsonString($0.0)):\(jsonString($0.1))" }.joined(separator: ",")
                    let summary = "BenchAlert\(a) firing on \(map["instance"]!) of \(map["service"]!)"
                    let description = "Value 0.93 has been above the threshold of 0.9 for 5 minutes on \(map["instance"]!) (team \(map["team"]!)). Runbook: https://runbooks.example/BenchAlert\(a)"
                    let prefix = "{\"labels\":{\(labelJSON)},\"annotations\":{\"summary\":\(jsonString(summary)),\"description\":\(jsonString(description))},"
                        + "\"generatorURL\":\"http://prometheus.example:9090/graph?g0.expr=bench_alert_\(a)%3E0.9&g0.tab=1\",\"startsAt\":\"\(startsAt)\""
                    alerts.append(Alert(labels: labels, map: map, jsonPrefix: prefix))
                }
            }
        }
        self.alerts = alerts
        var rng = SplitMix64(seed: seed &+ 0xA1E7)
        silences = (0..<silenceCount).map { k in
            AlertingWorkload.silence(k, matching: k % Self.matchingSilenceEvery == 0, services: groupCount / Self.alertnameCount,
                                     instances: alertCount / groupCount, rng: &rng)
        }
        (expectedSilenced, expectedInhibited) = AlertingWorkload.expectations(alerts: alerts, silences: silences,
                                                                             services: groupCount / Self.alertnameCount)
    }

    static func service(_ s: Int) -> String { "svc-" + String(1000 + s).dropFirst() }

    static func labels(alertname a: Int, service s: Int, instance i: Int) -> [(String, String)] {
        let severity = a < 2 ? "critical" : a < 6 ? "warning" : "info"
        return [("alertname", "BenchAlert\(a)"), ("env", i % 2 == 0 ? "prod" : "staging"), ("instance", "node-\(s)-\(i):9100"),
                ("job", "node"), ("service", service(s)), ("severity", severity), ("team", teams[s % teams.count])]
    }

    /// Silence `k`: a matching one silences part of the alerts (a whole group, some instances of a service,
    /// staging only, all but some instances); the others match nothing that exists. Equality, regex and
    /// negative matchers in both kinds.
    static func silence(_ k: Int, matching: Bool, services: Int, instances: Int, rng: inout SplitMix64) -> [Matcher] {
        let a = rng.int(0...(alertnameCount - 1)), s = rng.int(0...(services - 1))
        let s2 = rng.int(0...(services - 1)), i = rng.int(0...(instances - 1))
        let name = "BenchAlert\(a)", svc = service(s)
        func eq(_ n: String, _ v: String) -> Matcher { Matcher(name: n, values: [v], isRegex: false, isEqual: true) }
        func re(_ n: String, _ vs: [String], equal: Bool = true) -> Matcher { Matcher(name: n, values: vs, isRegex: true, isEqual: equal) }
        if matching {
            switch (k / matchingSilenceEvery) % 4 {
            case 0: return [eq("alertname", name), eq("service", svc)]
            case 1: return [eq("service", svc), re("instance", (0..<min(3, instances)).map { "node-\(s)-\(($0 + i) % instances):9100" })]
            case 2: return [eq("alertname", name), Matcher(name: "env", values: ["prod"], isRegex: false, isEqual: false),
                            re("service", [svc, service(s2)])]
            default: return [eq("team", teams[s % teams.count]), eq("alertname", name), eq("service", svc),
                             re("instance", ["node-\(s)-\(i):9100", "node-\(s2)-\(i):9100"], equal: false)]
            }
        }
        switch k % 4 {
        case 0: return [eq("service", "svc-retired-\(k)"), eq("alertname", name)]
        case 1: return [re("instance", ["old-node-\(k)-0:9100", "old-node-\(k)-1:9100", "old-node-\(k)-2:9100"]), eq("job", "node")]
        case 2: return [eq("alertname", "GoneAlert\(k)"), Matcher(name: "env", values: ["prod"], isRegex: false, isEqual: false)]
        default: return [eq("service", "svc-retired-\(k)"), re("instance", ["node-\(s)-\(i):9100"], equal: false)]
        }
    }

    /// The routing configuration both servers load unchanged (alertmanager.yml). Long group_wait: the
    /// benchmark measures receiving, routing and grouping, not notifying; the sink must get nothing.
    static func alertmanagerYAML(sinkPort: Int, services: Int) -> String {
        let receivers = ["default", "pager", "db-chat", "chat", "frontend-email", "frontend-digest"]
        let inhibitServices = (0..<min(10, services)).map(service).joined(separator: "|")
        return """
            route:
              receiver: default
              group_by: [alertname, service]
              group_wait: 1h
              group_interval: 1h
              repeat_interval: 4h
              routes:
                - matchers: ['severity="critical"']
                  receiver: pager
                - matchers: ['severity="warning"', 'team=~"db|storage"']
                  receiver: db-chat
                - matchers: ['severity="warning"']
                  receiver: chat
                - matchers: ['team="frontend"']
                  receiver: frontend-email
                  routes:
                    - matchers: ['alertname=~"BenchAlert[67]"']
                      receiver: frontend-digest
            inhibit_rules:
              - source_matchers: ['alertname="BenchAlert0"', 'service=~"\(inhibitServices)"']
                target_matchers: ['severity="info"']
                equal: [service, instance]
            receivers:

            """ + receivers.map { "  - name: \($0)\n    webhook_configs:\n      - url: http://127.0.0.1:\(sinkPort)/\($0)\n" }.joined()
    }

    /// Silenced: some silence's matchers all match. Inhibited: an info alert whose service and instance
    /// also fire BenchAlert0 in one of the first ten services (the inhibit rule above; every instance fires it).
    static func expectations(alerts: [Alert], silences: [[Matcher]], services: Int) -> (Set<Int>, Set<Int>) {
        var byPair: [String: [Int]] = [:]
        for (n, a) in alerts.enumerated() {
            for (k, v) in a.labels { byPair[k + "\u{0}" + v, default: []].append(n) }
        }
        var silenced = Set<Int>()
        for matchers in silences {
            let candidates = matchers.first { $0.isEqual && !$0.isRegex }.map { byPair[$0.name + "\u{0}" + $0.values[0]] ?? [] }
                ?? Array(alerts.indices)
            for n in candidates where matchers.allSatisfy({ $0.matches(alerts[n].map) }) { silenced.insert(n) }
        }
        let sources = Set((0..<min(10, services)).map(service))
        var inhibited = Set<Int>()
        for (n, a) in alerts.enumerated() where a.map["severity"] == "info" && sources.contains(a.map["service"]!) { inhibited.insert(n) }
        return (silenced, inhibited)
    }

    /// `POST /api/v2/alerts` bodies of one evaluation round: every alert, `batch` to a request, with `endsAt`.
    func roundBodies(endsAtMs: Int64, batch: Int) -> [[UInt8]] {
        let endsAt = ",\"endsAt\":\"\(AlertingWorkload.timestamp(endsAtMs))\"}"
        return stride(from: 0, to: alerts.count, by: batch).map { start in
            Array(("[" + alerts[start..<min(start + batch, alerts.count)].map { $0.jsonPrefix + endsAt }.joined(separator: ",") + "]").utf8)
        }
    }

    /// `POST /api/v2/silences` body of silence `k`, active from `nowMs` for a day.
    func silenceBody(_ k: Int, nowMs: Int64) -> [UInt8] {
        let m = silences[k].map(\.json).joined(separator: ",")
        return Array("{\"matchers\":[\(m)],\"startsAt\":\"\(AlertingWorkload.timestamp(nowMs))\",\"endsAt\":\"\(AlertingWorkload.timestamp(nowMs + 86_400_000))\",\"createdBy\":\"osprey-bench\",\"comment\":\"benchmark silence \(k)\"}".utf8)
    }

    /// `labels` of an API alert as the key both servers' answers are compared by.
    static func key(_ labels: [String: String]) -> String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    func key(_ n: Int) -> String { alerts[n].labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") }

    /// RFC 3339 UTC with milliseconds, as Prometheus sends alert times.
    static func timestamp(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

/// A JSON string literal.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
