import Foundation

/// An OTLP `ExportMetricsServiceRequest` as Osprey reads it: only the fields the translation to
/// Prometheus series needs (see docs/proto/otlp_metrics.proto). Exemplars, scope attributes and
/// min/max of histograms are skipped.
public struct OTLPMetricsRequest: Sendable, Equatable {
    public var resourceMetrics: [OTLPResourceMetrics] = []
    public init(resourceMetrics: [OTLPResourceMetrics] = []) { self.resourceMetrics = resourceMetrics }

    /// Data points in the request, of every metric type.
    public var dataPointCount: Int {
        resourceMetrics.reduce(0) { $0 + $1.scopeMetrics.reduce(0) { $0 + $1.metrics.reduce(0) { $0 + $1.data.pointCount } } }
    }
}

public struct OTLPResourceMetrics: Sendable, Equatable {
    public var resource: [OTLPKeyValue] = []
    public var scopeMetrics: [OTLPScopeMetrics] = []
    public init(resource: [OTLPKeyValue] = [], scopeMetrics: [OTLPScopeMetrics] = []) {
        self.resource = resource
        self.scopeMetrics = scopeMetrics
    }
}

public struct OTLPScopeMetrics: Sendable, Equatable {
    public var scopeName = ""
    public var scopeVersion = ""
    public var metrics: [OTLPMetric] = []
    public init(scopeName: String = "", scopeVersion: String = "", metrics: [OTLPMetric] = []) {
        self.scopeName = scopeName
        self.scopeVersion = scopeVersion
        self.metrics = metrics
    }
}

public struct OTLPMetric: Sendable, Equatable {
    public var name = ""
    public var description = ""
    public var unit = ""
    public var data: OTLPMetricData = .none
    public init(name: String = "", description: String = "", unit: String = "", data: OTLPMetricData = .none) {
        self.name = name
        self.description = description
        self.unit = unit
        self.data = data
    }
}

/// `AggregationTemporality` as on the wire: 0 unspecified, 1 delta, 2 cumulative.
public enum OTLPTemporality: Int, Sendable, Equatable {
    case unspecified = 0, delta = 1, cumulative = 2
}

public enum OTLPMetricData: Sendable, Equatable {
    /// No data field was set.
    case none
    case gauge([OTLPNumberPoint])
    case sum([OTLPNumberPoint], temporality: OTLPTemporality, monotonic: Bool)
    case histogram([OTLPHistogramPoint], temporality: OTLPTemporality)
    /// Not stored yet (native histograms); only the number of points is kept, to report them rejected.
    case exponentialHistogram(pointCount: Int)
    case summary([OTLPSummaryPoint])

    public var pointCount: Int {
        switch self {
        case .none: return 0
        case .gauge(let p), .sum(let p, _, _): return p.count
        case .histogram(let p, _): return p.count
        case .exponentialHistogram(let n): return n
        case .summary(let p): return p.count
        }
    }
}

/// `DataPointFlags.FLAG_NO_RECORDED_VALUE_MASK`: the point marks the series as ended.
public let otlpNoRecordedValueFlag: UInt32 = 1

public struct OTLPNumberPoint: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case absent
        case double(Double)
        case int(Int64)
    }
    public var attributes: [OTLPKeyValue] = []
    public var startTimeUnixNano: UInt64 = 0
    public var timeUnixNano: UInt64 = 0
    public var value: Value = .absent
    public var flags: UInt32 = 0
    public init(attributes: [OTLPKeyValue] = [], startTimeUnixNano: UInt64 = 0, timeUnixNano: UInt64 = 0, value: Value = .absent, flags: UInt32 = 0) {
        self.attributes = attributes
        self.startTimeUnixNano = startTimeUnixNano
        self.timeUnixNano = timeUnixNano
        self.value = value
        self.flags = flags
    }
}

public struct OTLPHistogramPoint: Sendable, Equatable {
    public var attributes: [OTLPKeyValue] = []
    public var startTimeUnixNano: UInt64 = 0
    public var timeUnixNano: UInt64 = 0
    public var count: UInt64 = 0
    /// Absent when the producer did not record a sum (it is optional in the protocol).
    public var sum: Double?
    /// Per-bucket counts, not cumulative; one more than `explicitBounds`, or empty.
    public var bucketCounts: [UInt64] = []
    public var explicitBounds: [Double] = []
    public var flags: UInt32 = 0
    public init(attributes: [OTLPKeyValue] = [], startTimeUnixNano: UInt64 = 0, timeUnixNano: UInt64 = 0, count: UInt64 = 0,
                sum: Double? = nil, bucketCounts: [UInt64] = [], explicitBounds: [Double] = [], flags: UInt32 = 0) {
        self.attributes = attributes
        self.startTimeUnixNano = startTimeUnixNano
        self.timeUnixNano = timeUnixNano
        self.count = count
        self.sum = sum
        self.bucketCounts = bucketCounts
        self.explicitBounds = explicitBounds
        self.flags = flags
    }
}

public struct OTLPSummaryPoint: Sendable, Equatable {
    public struct Quantile: Sendable, Equatable {
        public var quantile: Double
        public var value: Double
        public init(quantile: Double, value: Double) {
            self.quantile = quantile
            self.value = value
        }
    }
    public var attributes: [OTLPKeyValue] = []
    public var startTimeUnixNano: UInt64 = 0
    public var timeUnixNano: UInt64 = 0
    public var count: UInt64 = 0
    public var sum: Double = 0
    public var quantiles: [Quantile] = []
    public var flags: UInt32 = 0
    public init(attributes: [OTLPKeyValue] = [], startTimeUnixNano: UInt64 = 0, timeUnixNano: UInt64 = 0, count: UInt64 = 0,
                sum: Double = 0, quantiles: [Quantile] = [], flags: UInt32 = 0) {
        self.attributes = attributes
        self.startTimeUnixNano = startTimeUnixNano
        self.timeUnixNano = timeUnixNano
        self.count = count
        self.sum = sum
        self.quantiles = quantiles
        self.flags = flags
    }
}

public struct OTLPKeyValue: Sendable, Equatable {
    public var key: String
    public var value: OTLPAnyValue
    public init(_ key: String, _ value: OTLPAnyValue) {
        self.key = key
        self.value = value
    }
}

/// `AnyValue`: what an attribute holds.
public indirect enum OTLPAnyValue: Sendable, Equatable {
    case empty
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case array([OTLPAnyValue])
    case kvlist([OTLPKeyValue])
    case bytes([UInt8])
}

/// Limits an OTLP export request must stay within; a request over any of them is rejected whole.
public struct OTLPLimits: Sendable {
    /// The body as received (possibly gzip-compressed). The OpenTelemetry SDKs batch 512 points
    /// by default; 16 MiB leaves room for large collector batches and bounds memory per request.
    public var bodyBytesMax: Int
    /// The body after gzip decompression: a zip bomb stops here. Decoded objects cost a few times this.
    public var decodedBytesMax: Int
    /// Data points of all types in one request; bounds the series one request creates.
    public var dataPointsPerRequestMax: Int
    /// Attributes on one data point (or resource); Prometheus series rarely carry more than a few dozen labels.
    public var attributesPerPointMax: Int
    /// How deeply arrays and key-value lists may nest inside an attribute value; bounds decoder recursion.
    public var attributeDepthMax: Int

    public init(
        bodyBytesMax: Int = 16 << 20,
        decodedBytesMax: Int = 64 << 20,
        dataPointsPerRequestMax: Int = 1_000_000,
        attributesPerPointMax: Int = 128,
        attributeDepthMax: Int = 16
    ) {
        self.bodyBytesMax = bodyBytesMax
        self.decodedBytesMax = decodedBytesMax
        self.dataPointsPerRequestMax = dataPointsPerRequestMax
        self.attributesPerPointMax = attributesPerPointMax
        self.attributeDepthMax = attributeDepthMax
    }
}

/// Why an OTLP request could not be decoded; `message` names what was wrong and where, e.g.
/// `resource_metrics[0].scope_metrics[0].metrics[2].sum.data_points[1]: truncated varint at byte 812`.
public struct OTLPDecodeError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
