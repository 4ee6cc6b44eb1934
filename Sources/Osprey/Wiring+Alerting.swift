import Alerting
import API
import Foundation
import Logging
import OspreyCore
import ServiceLifecycle

/// Alertmanager's state (alert store, silences, notification log under `<data>/alerting`) and its v2 API
/// (`/api/v2/*`) on the main listener.
final class AlertingWiring: @unchecked Sendable {
    let directory: String
    let clock: any Clock
    let alerts: AlertStore
    let silences: Silences
    let notificationLog: NotificationLog
    /// What the API shows; the Alertmanager configuration's wiring sets the config, receiver, route, inhibition
    /// and group closures here before `configure` runs.
    var api: AlertmanagerAPIDependencies

    init(config: OspreyConfig, logger: Logger, clock: any Clock = SystemClock()) throws {
        directory = config.dataDirectory + "/alerting"
        self.clock = clock
        alerts = AlertStore(clock: clock)
        silences = try Silences(directory: directory, clock: clock, logger: logger)
        notificationLog = try NotificationLog(directory: directory, logger: logger)
        api = AlertmanagerAPIDependencies(alerts: alerts, silences: silences, clock: clock, version: ospreyVersion, startedAtMs: clock.nowMs())
    }
}

extension Wiring {
    func configureAlerting(_ deps: inout APIDependencies) {
        let api = AlertmanagerAPI(alerting.api)
        deps.extraRoutes.append { router in api.addRoutes(to: router) }
    }

    func alertingServices() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        [.init(service: AlertingGC(alerts: alerting.alerts, silences: alerting.silences, notificationLog: alerting.notificationLog,
                                   clock: alerting.clock, logger: logger))]
    }
}
