import Foundation

/// One `remote_write` entry of prometheus.yml: where Osprey forwards every sample it stores, and how.
///
/// Field names follow Prometheus's `remote_write` schema; durations are milliseconds here.
///
/// ```swift
/// var config = RemoteWriteConfig(url: "http://mimir:9009/api/v1/push")
/// config.queue.maxSamplesPerSend = 5000
/// ```
public struct RemoteWriteConfig: Sendable, Equatable {
    /// A password, token or other credential: given inline or read from a file before every request.
    public enum Secret: Sendable, Equatable {
        case inline(String)
        case file(String)
    }

    /// How requests authenticate (`basic_auth`, `authorization`, `bearer_token`, `bearer_token_file`).
    public enum Authorization: Sendable, Equatable {
        case basic(username: String, password: Secret?)
        /// `Authorization: <type> <credentials>`; `bearer_token` is type `Bearer`.
        case credentials(type: String, Secret)
    }

    /// `tls_config`.
    public struct TLS: Sendable, Equatable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public var insecureSkipVerify = false
        public var serverName: String?
        public init() {}
    }

    /// `queue_config`. Defaults are Prometheus's, except `max_samples_per_send` (see there).
    public struct Queue: Sendable, Equatable {
        /// Accepted for compatibility; the on-disk buffer (`buffer_bytes_max`) holds the queue.
        public var capacity = 2500
        /// Accepted; one sender per remote sends in order (measured: it keeps up with ingest on loopback).
        public var maxShards = 200
        public var minShards = 1
        /// Samples per request. Prometheus 2.42 defaults to 500 with up to 200 parallel shards; Osprey sends
        /// with one sender, so it defaults to 2000 (Prometheus's later default) to keep requests per second low.
        public var maxSamplesPerSend = 2000
        /// A partly filled request is sent once its first sample has waited this long.
        public var batchSendDeadlineMs: Int64 = 5000
        public var minBackoffMs: Int64 = 30
        public var maxBackoffMs: Int64 = 5000
        /// Retry requests answered 429 Too Many Requests (otherwise they are dropped like other 4xx).
        public var retryOnHTTP429 = true
        public init() {}
    }

    public var url: String
    /// `name`: unique among remote_write entries; names the buffer directory and the `remote` metric label.
    public var name: String?
    /// `remote_timeout`: how long one request may take.
    public var remoteTimeoutMs: Int64 = 30_000
    /// Extra request headers (`headers`). Headers the protocol sets itself are refused by the config reader.
    public var headers: [String: String] = [:]
    public var authorization: Authorization?
    public var tls = TLS()
    public var queue = Queue()
    /// `buffer_bytes_max` (Osprey extension): the on-disk buffer's bound. At 16 bytes a sample plus the series key,
    /// 1 GiB holds roughly 20 to 50 million samples: about an hour of a 10k-samples/s server, enough to ride out
    /// a receiver restart or a long deploy, small beside the store itself. Over it, the oldest samples are dropped.
    public var bufferBytesMax: Int64 = 1 << 30

    public init(url: String) {
        self.url = url
    }

    /// The `remote` label on metrics and in logs: the name, or the URL when there is none.
    public var displayName: String { name ?? url }

    /// The buffer's directory under `data/forward/`: the name, or `url-` and a hash of the URL.
    public var directoryName: String {
        if let name { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for b in url.utf8 {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "url-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Request headers the remote write protocol sets itself; `headers` may not override them.
    public static let reservedHeaders: Set<String> = [
        "host", "authorization", "content-encoding", "content-type", "content-length", "user-agent",
        "x-prometheus-remote-write-version", "connection", "transfer-encoding",
    ]
}
