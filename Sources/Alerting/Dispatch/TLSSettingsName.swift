/// The TLS settings type's former name, still used by the notifier sources until they take the new one
/// (`TLSClientSettings`); internal, so it cannot clash with Ingest's `TLSSettings` outside this module.
typealias TLSSettings = TLSClientSettings
