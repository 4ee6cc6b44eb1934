import Metrics

/// The metrics of one remote, labelled `remote`, named like Prometheus's `prometheus_remote_storage_*`.
struct ForwardMetrics: Sendable {
    /// Samples the remote acknowledged with 2xx.
    let sent: Counter
    /// Samples in requests the remote refused for good (4xx other than a retried 429); not retried.
    let failed: Counter
    /// Samples in requests that will be sent again (5xx, 429, connection errors, timeouts), once per retry.
    let retried: Counter
    /// Samples never sent: dropped by `write_relabel_configs`, or the oldest ones when the buffer was full.
    let dropped: Counter
    /// Bytes in the on-disk buffer.
    let bufferBytes: Gauge
    /// Newest sample timestamp the remote acknowledged, in seconds.
    let highestSentTimestamp: Gauge
    /// How long each request took, successful or not.
    let sendDuration: Metrics.Timer

    init(remote: String) {
        let d = [("remote", remote)]
        sent = Counter(label: "osprey_remote_write_samples_sent_total", dimensions: d)
        failed = Counter(label: "osprey_remote_write_samples_failed_total", dimensions: d)
        retried = Counter(label: "osprey_remote_write_samples_retried_total", dimensions: d)
        dropped = Counter(label: "osprey_remote_write_samples_dropped_total", dimensions: d)
        bufferBytes = Gauge(label: "osprey_remote_write_buffer_bytes", dimensions: d)
        highestSentTimestamp = Gauge(label: "osprey_remote_write_highest_sent_timestamp_seconds", dimensions: d)
        sendDuration = Metrics.Timer(label: "osprey_remote_write_send_duration_seconds", dimensions: d, preferredDisplayUnit: .seconds)
    }
}
