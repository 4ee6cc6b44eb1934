import OspreyCore

/// Where an alert is in Prometheus's state machine.
public enum AlertState: String, Sendable {
    /// Resolved: the expression stopped returning the alert (kept a while to send the resolution).
    case inactive
    /// Returned by the expression, waiting out `for:`.
    case pending
    /// Returned for at least `for:` (or kept by `keep_firing_for:`).
    case firing
}

/// One alert of an alerting rule: a label set the expression returns, with its timers. Times in ms.
public struct ActiveAlert: Sendable, Equatable {
    /// The series' labels without `__name__`, with the rule's labels and `alertname` (no external labels).
    public var labels: Labels
    /// Expanded annotations.
    public var annotations: Labels
    public var state: AlertState
    /// The expression's value at the last evaluation that returned the alert.
    public var value: Double
    /// When it became pending (what `ALERTS_FOR_STATE` records, in seconds).
    public var activeAtMs: Int64
    public var firedAtMs: Int64?
    public var resolvedAtMs: Int64?
    public var lastSentAtMs: Int64?
    /// The endsAt sent with the last notification of a firing alert.
    public var validUntilMs: Int64?
    /// Since when `keep_firing_for` has kept the alert firing without the expression returning it.
    public var keepFiringSinceMs: Int64?

    /// Prometheus's rule: pending alerts are never sent; a resolution not sent yet is sent now;
    /// otherwise an alert is re-sent once `resendDelayMs` has passed since the last send.
    func needsSending(at t: Int64, resendDelayMs: Int64) -> Bool {
        if state == .pending { return false }
        if let resolved = resolvedAtMs, resolved > (lastSentAtMs ?? Int64.min) { return true }
        guard let last = lastSentAtMs else { return true }
        return last + resendDelayMs < t
    }
}

/// An alert as handed to an Alertmanager: the payload of `POST /api/v2/alerts`.
public struct OutgoingAlert: Sendable, Equatable {
    /// Alert labels with the external labels added (an alert's own label wins).
    public var labels: Labels
    public var annotations: Labels
    /// When it started firing, ms.
    public var startsAtMs: Int64
    /// For a firing alert, how long the Alertmanager may consider it firing without hearing again
    /// (now + 4 × max(evaluation interval, resend delay)); for a resolved one, when it resolved.
    public var endsAtMs: Int64
    /// Link back to the expression: `<external URL>/graph?g0.expr=…&g0.tab=1`.
    public var generatorURL: String

    public init(labels: Labels, annotations: Labels, startsAtMs: Int64, endsAtMs: Int64, generatorURL: String) {
        self.labels = labels
        self.annotations = annotations
        self.startsAtMs = startsAtMs
        self.endsAtMs = endsAtMs
        self.generatorURL = generatorURL
    }
}

/// Hands alerts on to Alertmanager(s) or to Osprey's own alert routing. Called after each evaluation of an
/// alerting rule with the alerts that need (re)sending; must not block on the network (queue instead).
public protocol AlertSender: Sendable {
    func send(_ alerts: [OutgoingAlert])
}

/// Sends each alert to every one of several senders.
public struct FanOutAlertSender: AlertSender {
    public let senders: [any AlertSender]
    public init(_ senders: [any AlertSender]) { self.senders = senders }
    public func send(_ alerts: [OutgoingAlert]) {
        for s in senders { s.send(alerts) }
    }
}

/// One sample a rule produced (recording rule output, `ALERTS`, `ALERTS_FOR_STATE`, or a staleness marker).
public struct RuleSample: Sendable, Equatable {
    public var labels: Labels
    public var t: Int64
    public var v: Double
    public init(labels: Labels, t: Int64, v: Double) {
        self.labels = labels
        self.t = t
        self.v = v
    }
}

/// Where rule output is stored. One call per rule evaluation; the samples of a call are committed together.
/// The server's writer stores them through the same path as ingest, so remote-write forwarding sees them.
public protocol RuleSampleWriter: Sendable {
    func write(_ samples: [RuleSample]) throws
}
