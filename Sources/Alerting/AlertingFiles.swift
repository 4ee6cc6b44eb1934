/// File and folder names of the alerting state under the data directory (`<data>/alerting/`).
/// Every file the alerting parts write is named here, so one look shows what the folder holds.
public enum AlertingFiles {
    /// The folder under the data directory that holds all alerting state.
    public static let directory = "alerting"
    /// On-call incidents, their timelines and acknowledgements: an append-only CRC-framed log
    /// (docs/format/incidents.md).
    public static let incidentsLog = "incidents.log"
}
