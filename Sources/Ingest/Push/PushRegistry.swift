import Foundation
import OspreyCore

/// Pushgateway-compatible groups of pushed metrics. A batch job pushes its metrics under a grouping key
/// (`job` plus optional labels); Osprey keeps the last push of each group and its built-in `pushgateway`
/// job scrapes them every interval with `honor_labels`, exactly as Prometheus scrapes a Pushgateway.
/// Deleting a group makes its series stale at the next scrape. Groups persist in one JSON file.
public final class PushRegistry: @unchecked Sendable {
    public struct Sample: Codable, Sendable, Equatable {
        public var labels: [String: String]
        public var value: Double
    }
    public struct Family: Codable, Sendable {
        public var type: String
        public var help: String
        public var samples: [Sample]
    }
    public struct Group: Codable, Sendable {
        public var key: [String: String]
        public var families: [String: Family]
        public var pushTimeSeconds: Double
        public var failureTimeSeconds: Double = 0
    }

    public enum PushMethod: Sendable { case put, post }

    /// Why a push was refused (400), naming the metric and label.
    public struct PushError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// Pushed groups are kept in memory and re-exposed every scrape; 64 MiB of pushed text per request is far
    /// above what any batch job pushes and bounds the memory one request can take.
    public static let pushBodyBytesMax = 64 << 20

    private let lock = NSLock()
    private var groups: [String: Group] = [:]
    private let file: String?
    private let clock: Clock

    public init(file: String?, clock: Clock = SystemClock()) throws {
        self.file = file
        self.clock = clock
        if let file, let data = FileManager.default.contents(atPath: file), !data.isEmpty {
            do {
                let list = try JSONDecoder().decode([Group].self, from: data)
                for g in list { groups[PushRegistry.id(g.key)] = g }
            } catch {
                throw PushError(message: "\(file): cannot read the pushed groups: \(error)")
            }
        }
    }

    static func id(_ key: [String: String]) -> String {
        key.sorted { $0.key < $1.key }.map { "\($0.key)\u{1}\($0.value)" }.joined(separator: "\u{2}")
    }

    /// Parses a pushed text-format body and stores it in the group. Nothing changes when the body is invalid.
    public func push(_ body: [UInt8], groupingKey key: [String: String], method: PushMethod) throws {
        var parser = ExpositionParser(body, format: .prometheusText)
        var families: [String: Family] = [:]
        do {
            while try parser.next() {
                if parser.timestamp != nil {
                    throw PushError(message: "line \(parser.line): pushed metrics must not have timestamps")
                }
                let labels = try parser.labels()
                let name = labels.metricName ?? ""
                var dict: [String: String] = [:]
                for l in labels where l.name != Labels.metricNameLabel { dict[l.name] = l.value }
                for (k, v) in key {
                    if let own = dict[k], own != v {
                        throw PushError(message: "line \(parser.line): pushed metric \(name) has label \(k)=\"\(own)\", which differs from the grouping key's \"\(v)\"")
                    }
                    dict[k] = v
                }
                let family = parser.family
                var f = families[family] ?? Family(type: "untyped", help: "", samples: [])
                if let meta = parser.metadata(forFamily: family) {
                    f.type = meta.type == .unknown ? "untyped" : meta.type.rawValue
                    f.help = meta.help
                }
                f.samples.append(Sample(labels: dict.merging(["__name__": name]) { a, _ in a }, value: parser.value))
                families[family] = f
            }
        } catch let e as ExpositionError {
            throw PushError(message: "text format parsing error in \(e)")
        }
        for (name, f) in families {
            var seen = Set<[String: String]>()
            for s in f.samples where !seen.insert(s.labels).inserted {
                throw PushError(message: "metric \(name): the same series \(s.labels) pushed twice")
            }
        }
        try lock.withLock {
            let id = PushRegistry.id(key)
            // Type consistency with what other groups expose under the same name.
            for (name, f) in families {
                for (gid, g) in groups where gid != id {
                    if let other = g.families[name], other.type != f.type {
                        throw PushError(message: "metric \(name) is pushed as \(f.type) but group \(g.key) has it as \(other.type)")
                    }
                }
            }
            var group = groups[id] ?? Group(key: key, families: [:], pushTimeSeconds: 0)
            switch method {
            case .put: group.families = families
            case .post: group.families.merge(families) { _, new in new }
            }
            group.pushTimeSeconds = Double(clock.nowMs()) / 1000
            groups[id] = group
            try persist()
        }
    }

    /// Deletes a group; false when there was none.
    @discardableResult
    public func delete(groupingKey key: [String: String]) throws -> Bool {
        try lock.withLock {
            guard groups.removeValue(forKey: PushRegistry.id(key)) != nil else { return false }
            try persist()
            return true
        }
    }

    public var groupCount: Int { lock.withLock { groups.count } }

    private func persist() throws {
        guard let file else { return }
        let list = groups.keys.sorted().map { groups[$0]! }
        let data = try JSONEncoder().encode(list)
        let tmp = file + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: data) else {
            throw PushError(message: "cannot write \(tmp)")
        }
        let fd = open(tmp, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(tmp, file) == 0 else { throw PushError(message: "cannot replace \(file): errno \(errno)") }
    }

    /// Every group's metrics in the text format, with grouping labels, plus `push_time_seconds` and
    /// `push_failure_time_seconds` per group, as a Pushgateway exposes them.
    public func exposition() -> [UInt8] {
        let snapshot = lock.withLock { groups.keys.sorted().map { groups[$0]! } }
        var byFamily: [String: (type: String, help: String, lines: [String])] = [:]
        func add(_ family: String, _ type: String, _ help: String, _ name: String, _ labels: [String: String], _ v: Double) {
            var entry = byFamily[family] ?? (type, help, [])
            let body = labels.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",")
            entry.lines.append("\(name){\(body)} \(formatPrometheusFloat(v))")
            byFamily[family] = entry
        }
        for g in snapshot {
            let keyLabels = g.key
            for (family, f) in g.families {
                for s in f.samples { add(family, f.type, f.help, s.labels["__name__"] ?? family, s.labels, s.value) }
            }
            add("push_time_seconds", "gauge", "Last Unix time when changing this group in the Pushgateway succeeded.",
                "push_time_seconds", keyLabels, g.pushTimeSeconds)
            add("push_failure_time_seconds", "gauge", "Last Unix time when changing this group in the Pushgateway failed.",
                "push_failure_time_seconds", keyLabels, g.failureTimeSeconds)
        }
        var out = ""
        for family in byFamily.keys.sorted() {
            let f = byFamily[family]!
            if !f.help.isEmpty { out += "# HELP \(family) \(f.help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n" }
            out += "# TYPE \(family) \(f.type)\n"
            for line in f.lines { out += line + "\n" }
        }
        return Array(out.utf8)
    }
}
