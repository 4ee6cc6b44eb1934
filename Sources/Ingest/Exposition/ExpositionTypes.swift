import OspreyCore

/// The text formats a scrape target can answer with.
public enum ExpositionFormat: Sendable, Equatable {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    case prometheusText
    /// OpenMetrics 1.0 text (`application/openmetrics-text; version=1.0.0`).
    case openMetrics

    /// The Accept header Prometheus sends when scraping: OpenMetrics preferred, 0.0.4 as fallback.
    public static let scrapeAcceptHeader =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    /// The format a response's Content-Type announces; anything not OpenMetrics is read as 0.0.4,
    /// as Prometheus does.
    public static func from(contentType: String?) -> ExpositionFormat {
        guard let ct = contentType?.lowercased() else { return .prometheusText }
        return ct.hasPrefix("application/openmetrics-text") ? .openMetrics : .prometheusText
    }
}

/// A metric family's type as the TYPE line gives it. `unknown` covers 0.0.4's `untyped`.
public enum MetricType: String, Sendable, Equatable {
    case counter, gauge, histogram, summary, unknown, info, stateset, gaugehistogram
}

/// TYPE, HELP and UNIT of one metric family.
public struct MetricMetadata: Sendable, Equatable {
    public var type: MetricType
    public var help: String
    public var unit: String
    public init(type: MetricType = .unknown, help: String = "", unit: String = "") {
        self.type = type; self.help = help; self.unit = unit
    }
}

/// An OpenMetrics exemplar: a sample of a trace attached to a counter or bucket.
public struct Exemplar: Sendable, Equatable {
    /// The exemplar's own labels, e.g. `trace_id`.
    public var labels: [Label]
    public var value: Double
    /// Milliseconds, when the exemplar carries a timestamp.
    public var timestamp: Int64?
    public init(labels: [Label], value: Double, timestamp: Int64?) {
        self.labels = labels; self.value = value; self.timestamp = timestamp
    }
}

/// Why a payload could not be read; names the line and what is wrong with it.
public struct ExpositionError: Error, CustomStringConvertible, Sendable, Equatable {
    /// 1-based line number in the (decompressed) payload.
    public let line: Int
    public let message: String
    public init(line: Int, message: String) { self.line = line; self.message = message }
    public var description: String { "line \(line): \(message)" }
}
