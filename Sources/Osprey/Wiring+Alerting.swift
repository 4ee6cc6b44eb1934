import Alerting
import API
import Foundation
import Logging
import OspreyCore
import ServiceLifecycle

/// Alertmanager's state (alert store, silences, notification log under `<data>/alerting`) and its v2 API
/// (`/api/v2/*`) on the main listener, fed by the `alerting:` routing configuration.
final class AlertingWiring: @unchecked Sendable {
    let directory: String
    let clock: any Clock
    let alerts: AlertStore
    let silences: Silences
    let notificationLog: NotificationLog
    /// What the API shows. Parts built later (the dispatcher) may replace `groups` here before `configure` runs.
    var api: AlertmanagerAPIDependencies
    private let lock = NSLock()
    private var routingConfig: AlertmanagerConfig?

    init(config: OspreyConfig, logger: Logger, clock: any Clock = SystemClock()) throws {
        directory = config.dataDirectory + "/alerting"
        self.clock = clock
        alerts = AlertStore(clock: clock)
        silences = try Silences(directory: directory, clock: clock, logger: logger)
        notificationLog = try NotificationLog(directory: directory, logger: logger)
        api = AlertmanagerAPIDependencies(alerts: alerts, silences: silences, clock: clock, version: ospreyVersion, startedAtMs: clock.nowMs())
        apply(config)
        api.configOriginal = { [unowned self] in routing?.original ?? "" }
        api.receivers = { [unowned self] in routing?.receivers.map(\.name) ?? [] }
        api.routeReceivers = { [unowned self] labels in routing?.route.match(labels).map(\.receiver) ?? [] }
        api.inhibition = { [unowned self] now in inhibition(now: now) }
        api.groups = { [unowned self] in groups(now: self.clock.nowMs()) }
    }

    /// The routing configuration in force.
    var routing: AlertmanagerConfig? { lock.withLock { routingConfig } }

    /// Takes a (re)loaded configuration: routes, receivers, inhibit rules and `resolve_timeout`. Without an
    /// Alertmanager configuration, every alert goes to the built-in receiver `default`.
    func apply(_ config: OspreyConfig) {
        let routing = config.alerting.routing ?? AlertmanagerConfig.fallback
        lock.withLock { routingConfig = routing }
        alerts.resolveTimeoutMs = routing.global.resolveTimeoutMs
    }

    /// Inhibition by the configured rules over the alerts firing at `now`, built once per API request.
    func inhibition(now: Int64) -> @Sendable (Labels) -> [String] {
        guard let rules = routing?.inhibitRules, !rules.isEmpty else { return { _ in [] } }
        let firing = alerts.all().filter { !$0.isResolved(at: now) }.map(\.labels)
        let inhibitor = Inhibitor(rules: rules, firing: firing)
        return { labels in
            guard let source = inhibitor.inhibition(of: labels)?.source else { return [] }
            return [Fingerprint(labels: source).description]
        }
    }

    /// The alert groups the route tree makes of the firing alerts: per matching route, by its `group_by`
    /// labels (the dispatcher's groups, computed on demand).
    func groups(now: Int64) -> [AlertGroupSnapshot] {
        guard let route = routing?.route else { return [] }
        var groups: [String: AlertGroupSnapshot] = [:]
        for alert in alerts.all() where !alert.isResolved(at: now) {
            for r in route.match(alert.labels) {
                let key = r.id + "\u{0}" + r.groupKey(alert.labels)
                groups[key, default: AlertGroupSnapshot(labels: r.groupLabels(alert.labels), receiver: r.receiver, alerts: [])].alerts.append(alert)
            }
        }
        return groups.values.map { g in
            var g = g
            g.alerts.sort(by: AlertOrder.alertBefore)
            return g
        }.sorted(by: AlertOrder.groupBefore)
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
