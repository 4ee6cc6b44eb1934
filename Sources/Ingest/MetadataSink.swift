/// The Prometheus type of a metric family, as metadata reports it.
public enum MetricFamilyType: String, Sendable {
    case counter, gauge, histogram, summary, unknown
}

/// Where ingest paths put metric metadata (type, help, unit per family), for the metadata API.
/// Called once per family and target in each request; implementations keep the latest and must not block.
public protocol MetadataSink: Sendable {
    /// `job`/`instance` identify the target the family came from when known; `unit` is the Prometheus
    /// unit name (`seconds`, `bytes_per_second`), empty when there is none.
    func record(job: String?, instance: String?, family: String, type: MetricFamilyType, help: String, unit: String)
}
