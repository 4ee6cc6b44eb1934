import Alerting
import API
import Logging
import OspreyCore
import ServiceLifecycle

/// On-call: the incidents store in `<data>/alerting/`, the escalation engine, its service and its API. The
/// dispatcher tells the engine about every flush (alert groups an escalation policy covers open incidents),
/// and pages go out through the notifiers (`IntegrationOnCallNotifier`).
final class OnCallWiring: Sendable {
    let engine: EscalationEngine

    init(config: OspreyConfig, alerting: AlertingWiring, logger: Logger) throws {
        let store = try IncidentStore(directory: config.dataDirectory + "/" + AlertingFiles.directory,
                                      retentionMs: config.onCall.incidentRetentionMs, logger: logger)
        let externalURL = RulesWiring.externalURL(config.listenAddress)
        let notifier = IntegrationOnCallNotifier(dispatcher: alerting.dispatcher, clock: alerting.clock,
                                                 externalURL: config.onCall.externalURL ?? externalURL, logger: logger)
        let dispatcher = alerting.dispatcher
        engine = EscalationEngine(config: config.onCall, store: store, notifier: notifier, clock: alerting.clock,
                                  externalURL: externalURL, logger: logger,
                                  groupExists: { dispatcher.group(key: $0, receiver: $1) != nil })
        alerting.dispatcher.setEscalation(OnCallEscalation(engine: engine, logger: logger))
    }

    func configure(_ deps: inout APIDependencies) {
        let api = OnCallAPI(engine: engine)
        deps.extraRoutes.append { router in api.register(router) }
    }

    func services() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        [.init(service: OnCallService(engine: engine))]
    }

    /// A reloaded configuration's schedules and policies apply from the next tick.
    func apply(_ next: OnCallConfig) async {
        await engine.update(config: next)
    }
}
