/// Every file Osprey keeps under `<data>/alerting/`, in one place, so two parts never pick the same name.
public enum AlertingFiles {
    /// The folder under the data directory that holds all alerting state.
    public static let directory = "alerting"
    /// The silences: a framed record log (docs/format/alerting-record-log.md).
    public static let silences = "silences.log"
    /// The notification log (what was sent to whom, for dedup across restarts): same framed record log.
    public static let notificationLog = "nflog.log"
    /// On-call incidents, their timelines and acknowledgements: an append-only CRC-framed log
    /// (docs/format/incidents.md).
    public static let incidentsLog = "incidents.log"
}
