import Foundation
import Testing

/// `osprey check config FILE`: a valid file passes (sections for later parts accepted and reported),
/// an invalid one fails naming file, line and field.
@Suite struct CheckConfigTests {
    func check(_ yaml: String) throws -> (status: Int32, output: String) {
        try withTemporaryDirectory("check-config") { dir in
            let file = dir + "/osprey.yml"
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try TestEnvironment.ospreyBinary())
            p.arguments = ["check", "config", file]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, out.replacingOccurrences(of: dir, with: "DIR"))
        }
    }

    @Test func prometheusStyleFileIsAccepted() throws {
        let (status, out) = try check("""
        global:
          scrape_interval: 15s
          external_labels: {cluster: eu-1}
        scrape_configs:
          - job_name: node
            static_configs: [{targets: ['localhost:9100']}]
        rule_files: [rules/*.yml]
        storage:
          retention:
            time: 30d
            size: 50GB
          wal:
            fsync: always
        web:
          listen_address: 0.0.0.0:9700
        """)
        #expect(status == 0, "\(out)")
        #expect(out.contains("SUCCESS"))
        #expect(out.contains("scrape_configs: accepted, not used by this version"))
    }

    @Test(arguments: [
        ("storage:\n  retention:\n    time: 15 days\n", "DIR/osprey.yml:3: storage.retention.time: not a valid duration"),
        ("storage:\n  wal:\n    fsync: sometimes\n", "DIR/osprey.yml:3: storage.wal.fsync: must be always, batch or never"),
        ("web:\n  listen_adress: 1.2.3.4:9\n", "DIR/osprey.yml:2: web.listen_adress: unknown field"),
        ("storage:\n  retention:\n    size: lots\n", "DIR/osprey.yml:3: storage.retention.size: not a valid byte size"),
        ("storage:\n  limits:\n    series_max: -1\n", "DIR/osprey.yml:3: storage.limits.series_max: must be a positive integer"),
        ("scrape_configs: [\n", "DIR/osprey.yml:"),
    ])
    func invalidFileNamesFileLineAndField(_ yaml: String, _ expected: String) throws {
        let (status, out) = try check(yaml)
        #expect(status == 1)
        #expect(out.contains("FAILED"))
        #expect(out.contains(expected), "\(out)")
    }
}
