import Logging
import OspreyCore

/// How escalation reaches the outside. The server uses `IntegrationOnCallNotifier` (email, SMS, webhooks,
/// receivers' integrations); tests of the engine pass a recorder. Both calls return one attempt per contact method tried, and
/// must not throw: a failure is an attempt with `ok == false` and an error message.
public protocol OnCallNotifier: Sendable {
    /// Pages one person about an incident through their contact methods (email, phone, chat, webhook).
    func page(_ person: Person, about notice: IncidentNotice) async -> [ContactAttempt]
    /// Sends an incident to an Alertmanager receiver (a team channel, a pager service).
    func notify(receiver: String, about notice: IncidentNotice) async -> [ContactAttempt]
}

/// What a page or receiver notification says about an incident.
public struct IncidentNotice: Sendable, Equatable {
    public var incidentID: String
    public var summary: String
    public var labels: Labels
    public var groupKey: String
    public var receiver: String
    /// The escalation step (1-based) and pass (1 is the first run) sending this.
    public var step: Int
    public var pass: Int
    /// GET shows a confirmation page whose button acknowledges (chat tools prefetch links, so a GET never does).
    public var acknowledgeURL: String
    public var resolveURL: String
    /// The incident and its timeline in the API.
    public var incidentURL: String
}
