/// The annotations function evaluation raises, worded as Prometheus words them (the text after
/// `PromQL warning: ` / `PromQL info: `; the engine appends the position).
extension FunctionAnnotation {
    /// `rate`/`increase` on a series whose name does not end like a counter's.
    public static func possibleNonCounter(metricName: String) -> FunctionAnnotation {
        FunctionAnnotation(.info, "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(goQuote(metricName))")
    }

    /// `rate`/`increase` with type-and-unit labels on, on a series whose `__type__` is neither counter nor histogram.
    public static func possibleNonCounter(metricName: String, typeLabel: String) -> FunctionAnnotation {
        FunctionAnnotation(
            .info, "metric might not be a counter, __type__ label is not set to \"counter\" or \"histogram\", got \(goQuote(typeLabel)): \(goQuote(metricName))")
    }

    /// φ outside [0, 1] or NaN (`quantile_over_time`, `histogram_quantile`, `histogram_quantiles`, `quantile`).
    public static func invalidQuantile(_ q: Double) -> FunctionAnnotation {
        FunctionAnnotation(.warning, "quantile value should be between 0 and 1, got \(formatGoG(q))")
    }

    /// A sample's start time lies before the previous sample and is not the previous sample's start.
    public static func startTimeOverlap(metricName: String) -> FunctionAnnotation {
        FunctionAnnotation(.warning, "sample has start time that overlaps with previous sample timestamp for metric \(goQuote(metricName))")
    }

    /// A function over floats skipped the native histograms in a window that holds both.
    public static func histogramIgnoredInMixedRange(metricName: String) -> FunctionAnnotation {
        FunctionAnnotation(.info, "ignored histograms in a range containing both floats and histograms for metric name \(goQuote(metricName))")
    }

    /// A window (or vector) holds both floats and native histograms where the function needs one kind.
    public static func mixedFloatsHistograms(metricName: String) -> FunctionAnnotation {
        FunctionAnnotation(.warning, "encountered a mix of histograms and floats for metric name \(goQuote(metricName))")
    }

    /// A `le` label that is missing or not a number, in `histogram_quantile`/`histogram_fraction` input.
    public static func badBucketLabel(_ le: String, metricName: String) -> FunctionAnnotation {
        let base = "bucket label \"le\" is missing or has a malformed value of \(goQuote(le))"
        return FunctionAnnotation(.warning, metricName.isEmpty ? base : base + " for metric name \(goQuote(metricName))")
    }

    /// `sort`/`sort_desc` in a range query, whose result is ordered by labels anyway.
    public static let sortInRangeQuery = FunctionAnnotation(
        .warning, "sort is ineffective for range queries since results are always ordered by labels")
}
