import Alerting
import API
import Foundation
import Logging
import OspreyCore
import Rules
import ServiceLifecycle

/// Alertmanager's state (alert store, silences, notification log under `<data>/alerting`), the dispatcher that
/// groups alerts and notifies receivers, and the v2 API (`/api/v2/*`) on the main listener, fed by the
/// `alerting:` routing configuration.
final class AlertingWiring: @unchecked Sendable {
    let directory: String
    let clock: any Clock
    let alerts: AlertStore
    let silences: Silences
    let notificationLog: NotificationLog
    let dispatcher: Dispatcher
    /// The HTTP clients every notifier shares. Process-wide and never released: an HTTP client must be shut
    /// down before it is freed, and a wiring that fails to start (a bad rule file) would otherwise free it.
    static let sharedNotifierClients = NotifierHTTPClients()
    var notifierClients: NotifierHTTPClients { Self.sharedNotifierClients }
    /// What the API shows.
    var api: AlertmanagerAPIDependencies
    private let lock = NSLock()
    private var routingConfig: AlertmanagerConfig?
    private let logger: Logger

    init(config: OspreyConfig, logger: Logger, clock: any Clock = SystemClock()) throws {
        directory = config.dataDirectory + "/alerting"
        self.clock = clock
        self.logger = logger
        alerts = AlertStore(clock: clock)
        silences = try Silences(directory: directory, clock: clock, logger: logger)
        notificationLog = try NotificationLog(directory: directory, logger: logger)
        var options = Dispatcher.Options()
        options.externalURL = RulesWiring.externalURL(config.listenAddress)
        let initial = config.alerting.routing ?? .fallback
        let clients = Self.sharedNotifierClients
        dispatcher = Dispatcher(routing: initial, integrations: Self.integrations(initial, smsProvider: config.onCall.smsProvider, clients: clients, logger: logger), alerts: alerts,
                                silences: silences, notificationLog: notificationLog, clock: clock, options: options,
                                logger: Logger(label: "osprey.dispatch"))
        api = AlertmanagerAPIDependencies(alerts: alerts, silences: silences, clock: clock, version: ospreyVersion, startedAtMs: clock.nowMs())
        apply(config, reload: false)
        api.configOriginal = { [unowned self] in routing?.original ?? "" }
        api.receivers = { [unowned self] in routing?.receivers.map(\.name) ?? [] }
        api.routeReceivers = { [unowned self] labels in routing?.route.match(labels).map(\.receiver) ?? [] }
        api.inhibition = { [unowned self] now in inhibition(now: now) }
        api.groups = { [unowned self] in dispatcher.groupSnapshots(now: self.clock.nowMs()) }
    }

    /// The routing configuration in force.
    var routing: AlertmanagerConfig? { lock.withLock { routingConfig } }

    /// Takes a (re)loaded configuration: routes, receivers, inhibit rules, `resolve_timeout`, and the
    /// dispatcher's routes and integrations (groups whose route remains keep their state). Without an
    /// Alertmanager configuration, every alert goes to the built-in receiver `default`.
    func apply(_ config: OspreyConfig, reload: Bool = true) {
        let routing = config.alerting.routing ?? AlertmanagerConfig.fallback
        lock.withLock { routingConfig = routing }
        alerts.resolveTimeoutMs = routing.global.resolveTimeoutMs
        if reload {
            dispatcher.apply(routing: routing, integrations: Self.integrations(routing, smsProvider: config.onCall.smsProvider, clients: notifierClients, logger: logger))
        }
    }

    /// The integrations of every receiver of a configuration, with its `templates:` over the defaults, and the
    /// personal ones on-call pages use (`smsProvider`: `oncall.sms_provider`). A template file that fails to load
    /// was already refused by the configuration check; should it fail here (changed on disk since), the default
    /// templates are used and the error logged.
    static func integrations(_ routing: AlertmanagerConfig, smsProvider: SMSProviderConfig?, clients: NotifierHTTPClients,
                             logger: Logger) -> any IntegrationProvider {
        var templates: NotificationTemplates
        do { templates = try NotificationTemplates.load(globs: routing.templates) } catch {
            logger.error("notification templates not loaded; using the default templates", metadata: ["error": "\(error)"])
            templates = (try? NotificationTemplates()) ?? { fatalError("BUG: the default notification templates do not parse") }()
        }
        let provider = AlertmanagerIntegrations(config: routing, templates: templates, clients: clients, smsProvider: smsProvider)
        for line in provider.skipped { logger.info("integration not sent to", metadata: ["integration": "\(line)"]) }
        return provider
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
}

/// Hands rule alerts to the alert store in process: the same entry `POST /api/v2/alerts` uses.
struct AlertStoreSender: AlertSender {
    let store: AlertStore
    let logger: Logger

    func send(_ alerts: [OutgoingAlert]) {
        let batch = alerts.map { a in
            PostableAlert(labels: a.labels, annotations: Dictionary(a.annotations.map { ($0.name, $0.value) }, uniquingKeysWith: { x, _ in x }),
                          startsAtMs: a.startsAtMs, endsAtMs: a.endsAtMs, generatorURL: a.generatorURL)
        }
        guard !batch.isEmpty else { return }
        do { try store.put(batch) } catch {
            // One bad alert must not keep the others out: store them one by one and report the bad ones.
            for alert in batch {
                do { try store.put([alert]) } catch {
                    logger.error("rule alert not stored", metadata: ["labels": "\(alert.labels)", "error": "\(error)"])
                }
            }
        }
    }
}

extension Wiring {
    func configureAlerting(_ deps: inout APIDependencies) {
        let api = AlertmanagerAPI(alerting.api)
        deps.extraRoutes.append { router in api.addRoutes(to: router) }
    }

    /// The alerting services in start order: the dispatcher after the alert store it subscribes to (the store
    /// lives in memory from the start), then GC. Rule alerts (after `alert_relabel_configs`, which the rules wiring applies) reach the store through
    /// `AlertStoreSender`, connected here once.
    func alertingServices() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        rules.addAlertSender(AlertStoreSender(store: alerting.alerts, logger: logger))
        return [
            .init(service: DispatcherService(dispatcher: alerting.dispatcher)),
            .init(service: AlertingGC(alerts: alerting.alerts, silences: alerting.silences, notificationLog: alerting.notificationLog,
                                      clock: alerting.clock, logger: logger)),
        ]
    }

    /// Applies a reloaded configuration to the alerting parts (where rule alerts go is the rules wiring's).
    func applyAlerting(_ next: OspreyConfig) {
        alerting.apply(next)
    }
}
