import OspreyCore

/// An alert's identity as Alertmanager computes it: FNV-1a (64 bit) over the label names and values sorted by
/// name, each followed by the byte 0xff; written as 16 hex digits.
public struct Fingerprint: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public init(labels: Labels) {
        var h: UInt64 = 14_695_981_039_346_656_037
        @inline(__always) func add(_ b: UInt8) { h ^= UInt64(b); h = h &* 1_099_511_628_211 }
        for label in labels {
            for b in label.name.utf8 { add(b) }
            add(0xff)
            for b in label.value.utf8 { add(b) }
            add(0xff)
        }
        value = h
    }

    /// Parses 16 hex digits (or fewer, as Go's ParseUint would).
    public init?(hex: String) {
        guard !hex.isEmpty, hex.count <= 16, let v = UInt64(hex, radix: 16) else { return nil }
        value = v
    }

    public var description: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    public static func < (a: Fingerprint, b: Fingerprint) -> Bool { a.value < b.value }
}

/// An alert as a client posts it (`POST /api/v2/alerts`, or a rule evaluator in process): times are optional.
public struct PostableAlert: Sendable, Equatable {
    public var labels: Labels
    public var annotations: [String: String]
    /// Milliseconds since the epoch; nil when not given.
    public var startsAtMs: Int64?
    public var endsAtMs: Int64?
    public var generatorURL: String

    public init(labels: Labels, annotations: [String: String] = [:], startsAtMs: Int64? = nil, endsAtMs: Int64? = nil, generatorURL: String = "") {
        self.labels = labels
        self.annotations = annotations
        self.startsAtMs = startsAtMs
        self.endsAtMs = endsAtMs
        self.generatorURL = generatorURL
    }
}

/// A stored alert. `endsAtMs` is always set: an alert posted without an end gets `now + resolve_timeout` and
/// `timeout == true`, so it resolves by itself unless it is posted again.
public struct Alert: Sendable, Equatable {
    public var labels: Labels
    public var annotations: [String: String]
    public var startsAtMs: Int64
    public var endsAtMs: Int64
    public var updatedAtMs: Int64
    public var generatorURL: String
    /// True when `endsAtMs` came from the resolve timeout rather than from the client.
    public var timeout: Bool
    public let fingerprint: Fingerprint

    public init(labels: Labels, annotations: [String: String], startsAtMs: Int64, endsAtMs: Int64, updatedAtMs: Int64,
                generatorURL: String, timeout: Bool) {
        self.labels = labels
        self.annotations = annotations
        self.startsAtMs = startsAtMs
        self.endsAtMs = endsAtMs
        self.updatedAtMs = updatedAtMs
        self.generatorURL = generatorURL
        self.timeout = timeout
        self.fingerprint = Fingerprint(labels: labels)
    }

    /// Resolved once its end time has passed (Alertmanager: `EndsAt <= now`).
    public func isResolved(at nowMs: Int64) -> Bool { endsAtMs <= nowMs }

    /// Alertmanager's merge of two versions of one alert: the more recently updated one wins, except that the
    /// earliest start is kept, and its end is replaced by the older one's later end when both are resolved, or
    /// when the newer is firing and the older's later end was set explicitly (not by the resolve timeout).
    public func merged(with other: Alert, now nowMs: Int64) -> Alert {
        if other.updatedAtMs < updatedAtMs { return other.merged(with: self, now: nowMs) }
        var result = other
        if startsAtMs < other.startsAtMs { result.startsAtMs = startsAtMs }
        if other.isResolved(at: nowMs) {
            if isResolved(at: nowMs) && endsAtMs > other.endsAtMs { result.endsAtMs = endsAtMs }
        } else if endsAtMs > other.endsAtMs && !timeout {
            result.endsAtMs = endsAtMs
        }
        return result
    }
}

/// Alerts the dispatcher grouped for one receiver, as `GET /api/v2/alerts/groups` lists them.
public struct AlertGroupSnapshot: Sendable {
    public var labels: Labels
    public var receiver: String
    public var alerts: [Alert]

    public init(labels: Labels, receiver: String, alerts: [Alert]) {
        self.labels = labels
        self.receiver = receiver
        self.alerts = alerts
    }
}
