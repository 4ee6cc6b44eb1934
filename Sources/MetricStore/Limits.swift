/// Store-wide limits. Each says why its number.
public struct StoreLimits: Sendable {
    /// Prometheus client libraries never come near this; longer names are almost always a bug.
    public var labelNameBytesMax = 1024
    /// Long enough for URLs and SQL fingerprints, short enough that one series can't eat the index.
    public var labelValueBytesMax = 4096
    /// node_exporter's widest series have ~10 labels; 64 leaves room for relabeling.
    public var labelsPerSeriesMax = 64
    /// Head series kept in memory; ~2 KiB each, so 5M ≈ 10 GiB, below the 24 GiB machine.
    public var seriesMax = 5_000_000

    public init() {}
}
