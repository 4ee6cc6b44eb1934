import OspreyCore

/// One matcher of a silence, in the API's form: `isRegex` picks `=~`/`!~` over `=`/`!=`, `isEqual: false` negates.
public struct SilenceMatcher: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var value: String
    public var isRegex: Bool
    public var isEqual: Bool

    public init(name: String, value: String, isRegex: Bool = false, isEqual: Bool = true) {
        self.name = name
        self.value = value
        self.isRegex = isRegex
        self.isEqual = isEqual
    }

    public init(_ m: LabelMatcher) {
        self.init(name: m.name, value: m.value, isRegex: m.kind == .regexMatch || m.kind == .regexNoMatch,
                  isEqual: m.kind == .equal || m.kind == .regexMatch)
    }

    public var kind: LabelMatcher.Kind {
        switch (isRegex, isEqual) {
        case (false, true): return .equal
        case (false, false): return .notEqual
        case (true, true): return .regexMatch
        case (true, false): return .regexNoMatch
        }
    }

    /// The matcher with Prometheus semantics (anchored regex); throws `RegexError` for a bad regex.
    public func labelMatcher() throws -> LabelMatcher { try LabelMatcher(kind, name, value) }
}

/// Where a silence is in its life at a given time.
public enum SilenceState: String, Sendable, Codable, CaseIterable {
    case expired, active, pending

    /// Alertmanager's rule: pending before `startsAt`, active until `endsAt` (exclusive), then expired.
    public static func at(_ nowMs: Int64, startsAtMs: Int64, endsAtMs: Int64) -> SilenceState {
        if nowMs < startsAtMs { return .pending }
        if nowMs < endsAtMs { return .active }
        return .expired
    }
}

/// A silence: alerts whose labels match every matcher are muted while it is active.
/// Times are milliseconds since the epoch. An empty `id` asks `Silences.set` for a new silence.
public struct Silence: Sendable, Equatable, Codable {
    public var id: String
    public var matchers: [SilenceMatcher]
    public var startsAtMs: Int64
    public var endsAtMs: Int64
    public var updatedAtMs: Int64
    public var createdBy: String
    public var comment: String

    public init(id: String = "", matchers: [SilenceMatcher], startsAtMs: Int64, endsAtMs: Int64, updatedAtMs: Int64 = 0,
                createdBy: String, comment: String) {
        self.id = id
        self.matchers = matchers
        self.startsAtMs = startsAtMs
        self.endsAtMs = endsAtMs
        self.updatedAtMs = updatedAtMs
        self.createdBy = createdBy
        self.comment = comment
    }

    public func state(at nowMs: Int64) -> SilenceState { .at(nowMs, startsAtMs: startsAtMs, endsAtMs: endsAtMs) }
}

/// Why a silence change was refused.
public struct SilenceError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case invalid, notFound, limit, storage }
    public let kind: Kind
    /// The field at fault (`matchers[1].value`, `endsAt`), empty when none.
    public let field: String
    public let message: String

    public init(_ kind: Kind, field: String = "", _ message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}
