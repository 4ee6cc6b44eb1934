import Foundation
import OspreyCore
import Yams

/// Reads `file_sd_configs` files: a JSON or YAML list of `{targets: [...], labels: {...}}`, as Prometheus does.
/// A file that cannot be read or parsed keeps its previous target groups (and the error is reported), so a
/// half-written file never drops every target.
enum FileSD {
    struct FileState {
        var modified: Date?
        var size: Int = -1
        var groups: [TargetGroup] = []
        var error: String?
    }

    /// The paths `pattern` names: itself, or when its last element has `*`/`?`, the matching files.
    static func expand(_ pattern: String) -> [String] {
        let url = URL(fileURLWithPath: pattern)
        let name = url.lastPathComponent
        guard name.contains("*") || name.contains("?") else { return [pattern] }
        let dir = url.deletingLastPathComponent().path
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return entries.filter { fnmatch(name, $0, 0) == 0 }.sorted().map { dir + "/" + $0 }
    }

    static func parse(_ text: String, file: String) throws -> [TargetGroup] {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            throw ScrapeError("\(file): not valid JSON or YAML: \(error)")
        }
        guard let root else { return [] }
        guard let list = root as? [Any] else { throw ScrapeError("\(file): must be a list of target groups") }
        var groups: [TargetGroup] = []
        for (i, item) in list.enumerated() {
            guard let m = item as? [String: Any] else { throw ScrapeError("\(file): entry \(i) must be a mapping with targets and labels") }
            for key in m.keys where key != "targets" && key != "labels" {
                throw ScrapeError("\(file): entry \(i): unknown field \"\(key)\"")
            }
            let targetsAny = m["targets"] as? [Any] ?? []
            var targets: [String] = []
            for t in targetsAny {
                guard let s = scalar(t), !s.isEmpty else { throw ScrapeError("\(file): entry \(i): targets must be HOST:PORT strings") }
                targets.append(s)
            }
            var labels: [Label] = []
            if let lm = m["labels"] {
                guard let dict = lm as? [String: Any] else { throw ScrapeError("\(file): entry \(i): labels must be a mapping") }
                for (k, v) in dict {
                    guard isValidLabelName(k) else { throw ScrapeError("\(file): entry \(i): \"\(k)\" is not a valid label name") }
                    guard let s = scalar(v) else { throw ScrapeError("\(file): entry \(i): label \(k) must be a string") }
                    labels.append(Label(k, s))
                }
            }
            labels.append(Label("__meta_filepath", file))
            groups.append(TargetGroup(targets: targets, labels: labels.sorted(), source: "\(file):\(i)"))
        }
        return groups
    }

    private static func scalar(_ v: Any) -> String? {
        switch v {
        case let s as String: return s
        case let i as Int: return String(i)
        case let d as Double: return String(d)
        case let b as Bool: return String(b)
        default: return nil
        }
    }
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`: a Prometheus label name.
public func isValidLabelName(_ s: String) -> Bool {
    guard let first = s.utf8.first else { return false }
    func alpha(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
    guard alpha(first) else { return false }
    return s.utf8.allSatisfy { alpha($0) || ($0 >= 48 && $0 <= 57) }
}
