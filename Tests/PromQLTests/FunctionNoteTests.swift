import Testing
@testable import PromQL

/// Annotation wording must match Prometheus's byte for byte: clients and promqltest files compare the text.
@Suite struct FunctionNoteTests {
    @Test(arguments: [
        (-1.0, "-1"), (2, "2"), (0.5, "0.5"), (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"),
        (1e6, "1e+06"), (123456, "123456"), (1234567, "1.234567e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"),
        (1.5e-7, "1.5e-07"), (1e21, "1e+21"), (-2.5e100, "-2.5e+100"), (0, "0"),
    ])
    func goGFormatting(value: Double, text: String) {
        #expect(formatGoG(value) == text)
    }

    @Test func goQuoting() {
        #expect(goQuote("plain") == "\"plain\"")
        #expect(goQuote("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(goQuote("tab\there\n") == "\"tab\\there\\n\"")
        #expect(goQuote("\u{01}") == "\"\\x01\"")
        #expect(goQuote("héllo ☃") == "\"héllo ☃\"")
        #expect(goQuote("\u{00A0}") == "\"\\u00a0\"")
    }

    @Test func messages() {
        #expect(FunctionAnnotation.invalidQuantile(-0.1).message == "quantile value should be between 0 and 1, got -0.1")
        #expect(FunctionAnnotation.invalidQuantile(.nan).message == "quantile value should be between 0 and 1, got NaN")
        #expect(FunctionAnnotation.startTimeOverlap(metricName: "counter_total").message
            == "sample has start time that overlaps with previous sample timestamp for metric \"counter_total\"")
        #expect(FunctionAnnotation.mixedFloatsHistograms(metricName: "http_requests_mix").message
            == "encountered a mix of histograms and floats for metric name \"http_requests_mix\"")
        #expect(FunctionAnnotation.badBucketLabel("x", metricName: "").message == "bucket label \"le\" is missing or has a malformed value of \"x\"")
        #expect(ClassicHistogram.monotonicityNote.message.hasPrefix("input to histogram_quantile needed to be fixed for monotonicity (see "))
    }

    @Test func everyRangeFunctionHasAKernel() {
        #expect(RangeFunctions.names == [
            "avg_over_time", "changes", "count_over_time", "delta", "deriv", "double_exponential_smoothing", "first_over_time",
            "idelta", "increase", "irate", "last_over_time", "mad_over_time", "max_over_time", "min_over_time", "predict_linear",
            "present_over_time", "quantile_over_time", "rate", "resets", "stddev_over_time", "stdvar_over_time", "sum_over_time",
            "ts_of_first_over_time", "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
        ])
        #expect(RangeFunctions.kernel("absent_over_time") == nil)
        #expect(ValueFunctions.kernel("rate") == nil)
    }
}
