import Foundation
import Testing

/// `remote_write` in prometheus.yml's schema: a real-world entry loads; mistakes name file, line and field.
@Suite struct RemoteWriteConfigTests {
    @Test func prometheusStyleRemoteWriteIsAccepted() throws {
        let (status, out) = try CheckConfigTests().check("""
        remote_write:
          - url: https://mimir.example.com/api/v1/push
            name: mimir
            remote_timeout: 30s
            headers: {X-Scope-OrgID: team-a}
            basic_auth: {username: osprey, password: secret}
            tls_config: {insecure_skip_verify: true}
            write_relabel_configs:
              - source_labels: [__name__]
                regex: go_.*
                action: drop
            queue_config: {capacity: 10000, max_shards: 50, min_shards: 1, max_samples_per_send: 2000,
                           batch_send_deadline: 5s, min_backoff: 30ms, max_backoff: 5s, retry_on_http_429: true}
            metadata_config: {send: true, send_interval: 1m}
            send_exemplars: false
            buffer_bytes_max: 2GB
          - url: http://vm:8428/api/v1/write
            bearer_token: abc
        """)
        #expect(status == 0, "\(out)")
        #expect(out.contains("SUCCESS"))
        #expect(out.contains("remote_write[0].metadata_config: accepted"), "\(out)")
    }

    @Test(arguments: [
        ("remote_write:\n  - name: a\n", "DIR/osprey.yml:2: remote_write[0].url: is required"),
        ("remote_write:\n  - url: ftp://x/y\n", "DIR/osprey.yml:2: remote_write[0].url: must be an http:// or https:// URL"),
        ("remote_write:\n  - url: http://x/y\n    queue_config:\n      max_backof: 1s\n", "DIR/osprey.yml:4: remote_write[0].queue_config.max_backof: unknown field"),
        ("remote_write:\n  - url: http://x/y\n    queue_config:\n      min_backoff: 10s\n      max_backoff: 1s\n",
         "remote_write[0].queue_config.min_backoff: must not exceed max_backoff"),
        ("remote_write:\n  - url: http://x/y\n    bearer_token: a\n    basic_auth: {username: u}\n",
         "remote_write[0]: at most one of basic_auth, authorization, bearer_token and bearer_token_file"),
        ("remote_write:\n  - url: http://x/y\n    headers: {Content-Type: text/plain}\n",
         "remote_write[0].headers.Content-Type: is set by the remote write protocol"),
        ("remote_write:\n  - url: http://x/y\n  - url: http://x/y\n", "remote_write[1]: has the same url as remote_write[0]"),
        ("remote_write:\n  - url: http://x/y\n    name: ../etc\n", "DIR/osprey.yml:3: remote_write[0].name: must be 1 to 128 letters"),
        ("remote_write:\n  - url: http://x/y\n    sigv4: {region: eu-west-1}\n", "remote_write[0].sigv4: is not supported by Osprey yet"),
    ])
    func invalidRemoteWriteNamesLineAndField(_ yaml: String, _ expected: String) throws {
        let (status, out) = try CheckConfigTests().check(yaml)
        #expect(status == 1)
        #expect(out.contains(expected), "\(out)")
    }
}
