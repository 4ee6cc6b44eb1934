import Alerting
import API
import Logging
import OspreyCore
import ServiceLifecycle

/// On-call: the incidents store in `<data>/alerting/`, the escalation engine, its service and its API.
/// Pages go through `UnwiredOnCallNotifier` (recorded as not delivered) until notifiers are wired in.
final class OnCallWiring: Sendable {
    let engine: EscalationEngine

    init(config: OspreyConfig, logger: Logger) throws {
        let store = try IncidentStore(directory: config.dataDirectory + "/" + AlertingFiles.directory,
                                      retentionMs: config.onCall.incidentRetentionMs, logger: logger)
        engine = EscalationEngine(config: config.onCall, store: store, notifier: UnwiredOnCallNotifier(logger: logger),
                                  clock: SystemClock(), externalURL: "http://\(config.listenAddress)", logger: logger)
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
