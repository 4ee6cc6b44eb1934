import Foundation
import Testing

@testable import Ingest

/// A fixture host: proc/, sys/, root/ and udev/ under a fresh temporary directory.
final class HostFixture {
    let base: String
    var proc: String { base + "/proc" }
    var sys: String { base + "/sys" }
    var root: String { base + "/root" }
    var udev: String { base + "/udev" }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/osprey-host-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw HostFixtureError("mkdtemp failed: errno \(errno)") }
        base = String(cString: made)
        for dir in [proc, sys, root, udev] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    /// Writes `text` to `path` (relative to the fixture base), creating parent directories.
    func write(_ path: String, _ text: String) throws {
        let full = base + "/" + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    func remove(_ path: String) { try? FileManager.default.removeItem(atPath: base + "/" + path) }

    /// The statfs timeout is far above the 5 s default: fixture mounts are local directories, and a busy test
    /// run must not make one look stuck.
    func collector() -> HostCollector {
        HostCollector(procPath: proc, sysPath: sys, rootfsPath: root, udevDataPath: udev, statfsTimeoutSeconds: 600)
    }
}

struct HostFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The `# HELP`, `# TYPE` and series lines of one family in an exposition, in output order.
func familyBlock(_ exposition: String, _ name: String) -> String {
    var lines: [Substring] = []
    for line in exposition.split(separator: "\n") {
        if line == "# HELP \(name)" || line.hasPrefix("# HELP \(name) ") || line.hasPrefix("# TYPE \(name) ") {
            lines.append(line)
        } else if line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            lines.append(line)
        }
    }
    return lines.joined(separator: "\n")
}

/// Names of the families (from `# TYPE` lines) starting with `prefix`.
func familyNames(_ exposition: String, prefix: String) -> [String] {
    exposition.split(separator: "\n").compactMap { line -> String? in
        guard line.hasPrefix("# TYPE \(prefix)") else { return nil }
        return String(line.split(separator: " ")[2])
    }
}

/// The value of the series printed exactly as `series` (name plus label block), if present.
func seriesValue(_ exposition: String, _ series: String) -> String? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
        return String(line.dropFirst(series.count + 1))
    }
    return nil
}
