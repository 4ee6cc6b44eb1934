import OspreyCore

/// One element of an instant vector.
public struct VectorElement: Sendable, Equatable {
    public var labels: Labels
    public var t: Int64
    public var v: Double
    public init(labels: Labels, t: Int64, v: Double) {
        self.labels = labels
        self.t = t
        self.v = v
    }
}

/// One series of a range vector or of a range query's result, points oldest first.
public struct RangeSeries: Sendable, Equatable {
    public var labels: Labels
    public var points: [Sample]
    public init(labels: Labels, points: [Sample]) {
        self.labels = labels
        self.points = points
    }
}

/// A query's result value.
public enum QueryValue: Sendable, Equatable {
    case scalar(t: Int64, v: Double)
    case string(t: Int64, String)
    case vector([VectorElement])
    case matrix([RangeSeries])

    public var type: ValueType {
        switch self {
        case .scalar: return .scalar
        case .string: return .string
        case .vector: return .vector
        case .matrix: return .matrix
        }
    }
}

/// Warnings and infos a query produced (Prometheus's annotations).
public struct Annotations: Sendable, Equatable {
    public var warnings: [String] = []
    public var infos: [String] = []
    public init() {}
}

public struct QueryResult: Sendable {
    public var value: QueryValue
    public var annotations: Annotations
    /// Filled when the query asked for statistics.
    public var stats: QueryStats?
    public init(value: QueryValue, annotations: Annotations = Annotations(), stats: QueryStats? = nil) {
        self.value = value
        self.annotations = annotations
        self.stats = stats
    }
}

/// Timings in seconds and sample counts of one query, in the shape of Prometheus's `stats=all`.
public struct QueryStats: Sendable {
    public var parseSeconds = 0.0
    public var prepareSeconds = 0.0
    public var evalSeconds = 0.0
    public var totalSeconds = 0.0
    public var totalSamples = 0
    public var peakSamples = 0
    /// Samples touched per step of a range query (only with `stats=all`).
    public var samplesPerStep: [Sample] = []
    public init() {}
}

/// A query error, classified as Prometheus's HTTP API reports it.
public struct PromQLError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Parse and type errors, bad parameters: `errorType: bad_data`, HTTP 400.
        case badData = "bad_data"
        /// Errors while evaluating (too many samples, many-to-many matching, duplicate label sets): HTTP 422.
        case execution
        /// The query ran past its timeout: HTTP 503.
        case timeout
        /// The client went away: HTTP 499 (client closed request).
        case canceled
        case `internal`
    }

    public var kind: Kind
    /// Prometheus's wording, e.g. `1:5: parse error: unexpected end of input` or
    /// `found duplicate series for the match group …`.
    public var message: String
    /// Where in the query text, for parse and type errors.
    public var position: PositionRange?

    public init(_ kind: Kind, _ message: String, position: PositionRange? = nil) {
        self.kind = kind
        self.message = message
        self.position = position
    }

    public var description: String { message }
}
