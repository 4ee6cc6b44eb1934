import Foundation
import Ingest
import OspreyCore
import Testing

/// What a running server does with requests it must refuse, and how it stops and starts.
@Suite(.serialized)
struct BadInputTests {
    static let bodyBytesMax = 1024
    static let labelsPerSeriesMax = 8
    static let config = """
        storage:
          limits:
            remote_write_body_bytes_max: \(bodyBytesMax)
            labels_per_series_max: \(labelsPerSeriesMax)
        """

    enum BadRequest: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case malformedProtobuf, badSnappy, invalidUTF8LabelValue, emptyLabelName, duplicateLabelName
        case bodyOverLimit, chunkedBodyOverLimit, tooManyLabels
        var testDescription: String { rawValue }

        /// A series that only this request holds, well-formed, placed before the bad part.
        var innocentSeries: Labels { Labels(["__name__": "osprey_e2e_bad_\(rawValue)", "part": "valid"]) }

        /// The body, and a fragment the 400 answer must contain to name the problem.
        func request() -> (body: [UInt8], chunked: Bool, mentions: String) {
            var p = ProtobufBuilder()
            p.series(innocentSeries)
            let name = "osprey_e2e_bad_\(rawValue)"
            switch self {
            case .malformedProtobuf:
                p.bytes += [0x0A, 0x64, 0x01]  // timeseries field claiming 100 bytes, 1 present
                return (Snappy.compress(p.bytes), false, "runs past the end of its enclosing message")
            case .badSnappy:
                return (Array(Snappy.compress(p.bytes).dropLast(4)), false, "snappy:")
            case .invalidUTF8LabelValue:
                p.series { $0.label("__name__", name); $0.label(Array("path".utf8), [0x61, 0xFF, 0x62]); $0.sample(1_000, 1) }
                return (Snappy.compress(p.bytes), false, "label \"path\": value is not valid UTF-8 (byte 0xff")
            case .emptyLabelName:
                p.series { $0.label("__name__", name); $0.label("", "x"); $0.sample(1_000, 1) }
                return (Snappy.compress(p.bytes), false, "label name is empty")
            case .duplicateLabelName:
                p.series { $0.label("__name__", name); $0.label("job", "a"); $0.label("job", "b"); $0.sample(1_000, 1) }
                return (Snappy.compress(p.bytes), false, "label name \"job\" appears twice")
            case .bodyOverLimit, .chunkedBodyOverLimit:
                // Valid series whose random label values do not compress below the limit.
                var rng = SplitMix64(seed: 7)
                let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                for k in 0..<3 {
                    let noise = String((0..<1000).map { _ in alphabet.randomElement(using: &rng)! })
                    p.series(Labels(["__name__": name, "k": "\(k)", "noise": noise]))
                }
                let body = Snappy.compress(p.bytes)
                precondition(body.count > BadInputTests.bodyBytesMax, "BUG: the over-limit body is only \(body.count) bytes")
                return (body, self == .chunkedBodyOverLimit, "over the limit of \(BadInputTests.bodyBytesMax) bytes")
            case .tooManyLabels:
                p.series { s in
                    s.label("__name__", name)
                    for k in 0..<BadInputTests.labelsPerSeriesMax { s.label("l\(k)", "v") }
                    s.sample(1_000, 1)
                }
                return (Snappy.compress(p.bytes), false, "more than \(BadInputTests.labelsPerSeriesMax) labels")
            }
        }
    }

    @Test("a bad remote write gets 400 naming the problem, stores nothing, and the server keeps serving", arguments: BadRequest.allCases)
    func rejectsBadRemoteWrite(_ bad: BadRequest) throws {
        try withTemporaryDirectory("bad") { dir in
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log", configPath: try writeConfig(Self.config, in: dir))
            defer { server.stop() }
            let client = server.client
            let (body, chunked, mentions) = bad.request()

            let response = try client.remoteWrite(body: body, chunked: chunked)
            #expect(response.status == 400, "HTTP \(response.status): \(response.text)")
            #expect(response.text.contains(mentions), "the answer should name the problem (\"\(mentions)\"), got: \(response.text)")
            let metric = bad.innocentSeries.metricName!
            #expect(try client.seriesSet("{__name__=\"\(metric)\"}").isEmpty, "a series from the rejected request was stored")
            #expect(try client.metricValue("osprey_remote_write_invalid_requests_total") == 1)

            let good = Labels(["__name__": "osprey_e2e_after_bad", "case": bad.rawValue])
            let written = try client.remoteWrite([(good, [Sample(5_000, 42.5)])])
            #expect(written.status == 204, "a good write after the bad one: HTTP \(written.status): \(written.text)")
            #expect(try client.rawSamples("osprey_e2e_after_bad") == [good: [ReadSample(t: 5_000, value: "42.5")]])
        }
    }

    @Test("a different value for a stored timestamp is rejected, the rest of the batch is stored")
    func duplicateTimestamps() throws {
        try withTemporaryDirectory("dup") { dir in
            var server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-1.log")
            defer { server.stop() }
            let x = Labels(["__name__": "osprey_e2e_dup", "series": "x"])
            let y = Labels(["__name__": "osprey_e2e_dup", "series": "y"])
            let first = try server.client.remoteWrite([(x, [Sample(1_000, 1), Sample(3_000, 7)])])
            #expect(first.status == 204, "HTTP \(first.status): \(first.text)")
            let same = try server.client.remoteWrite([(x, [Sample(1_000, 1), Sample(3_000, 7)])])
            #expect(same.status == 204, "resending identical samples must be accepted silently: HTTP \(same.status): \(same.text)")

            // x@1000 conflicts (older than the newest sample); x@3000 repeats its value; x@2000 and y@1000 are new.
            let mixed = try server.client.remoteWrite([
                (x, [Sample(1_000, 2), Sample(3_000, 7), Sample(2_000, 3)]),
                (y, [Sample(1_000, 4)]),
            ])
            #expect(mixed.status == 400)
            #expect(mixed.text.hasPrefix("1 of 4 samples rejected, the rest stored; first: series \(x) at timestamp 1000: duplicate sample for timestamp"),
                    "got: \(mixed.text)")
            let lastConflict = try server.client.remoteWrite([(x, [Sample(3_000, 8)])])
            #expect(lastConflict.status == 400 && lastConflict.text.contains("at timestamp 3000: duplicate sample for timestamp"),
                    "a different value for the newest timestamp: HTTP \(lastConflict.status): \(lastConflict.text)")

            let expected = [
                x: [ReadSample(t: 1_000, value: "1"), ReadSample(t: 2_000, value: "3"), ReadSample(t: 3_000, value: "7")],
                y: [ReadSample(t: 1_000, value: "4")],
            ]
            #expect(try server.client.rawSamples("osprey_e2e_dup") == expected)
            // The rejected values must not be in the WAL either.
            server.kill()
            server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-2.log")
            #expect(try server.client.rawSamples("osprey_e2e_dup") == expected, "after a crash and WAL replay")
        }
    }

    @Test("SIGTERM stops cleanly with exit 0 and a restart sees all data")
    func gracefulShutdownKeepsData() throws {
        try withTemporaryDirectory("sigterm") { dir in
            let first = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-1.log")
            var expected: [Labels: [ReadSample]] = [:]
            for s in 0..<5 {
                let labels = Labels(["__name__": "osprey_e2e_term", "series": "\(s)"])
                let samples = (0..<100).map { Sample(Int64($0) * 15_000, Double(s) * 1_000 + Double($0) / 8) }
                let response = try first.client.remoteWrite([(labels, samples)])
                try #require(response.status == 204, "HTTP \(response.status): \(response.text)")
                expected[labels] = samples.map { ReadSample(t: $0.t, value: formatPrometheusFloat($0.v)) }
            }
            #expect(try first.client.metricValue("osprey_metric_store_samples_ingested_total") == 500)
            #expect(try first.client.metricValue("osprey_metric_store_active_series") == 5)

            let ended = first.stop(timeoutSeconds: 30)
            #expect(ended == .exited(0), "SIGTERM: \(ended.map { "\($0)" } ?? "did not exit within 30 s")\n\(first.logTail())")
            #expect(first.log.contains("osprey stopped cleanly"), "\(first.logTail())")

            let second = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey-2.log")
            defer { second.stop() }
            #expect(try second.client.rawSamples("osprey_e2e_term") == expected)
            #expect(!second.log.contains("WAL repaired"), "a clean stop left a WAL that needed repair:\n\(second.logTail())")
        }
    }

    @Test("/api/v1/series without match[] is a bad_data error")
    func seriesWithoutMatch() throws {
        try withTemporaryDirectory("series") { dir in
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log")
            defer { server.stop() }
            let response = try server.client.get("/api/v1/series")
            #expect(response.status == 400)
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
            let error = try decodeJSON(APIErrorResponse.self, response)
            #expect(error.status == "error")
            #expect(error.errorType == "bad_data")
            #expect(error.error.contains("match[]"), "the error should name the missing parameter: \(error.error)")
        }
    }
}
