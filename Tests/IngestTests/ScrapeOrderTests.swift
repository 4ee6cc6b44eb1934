@testable import Ingest
import MetricStore
import OspreyCore
import Testing

/// A scrape expects each line's series text to be the one at the same position last time, and skips scanning
/// it when it is. These tests check that the expectation never changes what is parsed or stored.
struct ScrapeOrderTests {
    /// Every sample of `text` (series text, labels, value, timestamp), or the error, parsing each line with
    /// `expected(k)` as the expected series text of sample `k`.
    static func samples(_ text: String, format: ExpositionFormat, expected: (Int) -> String?) -> Result<[String], any Error> {
        let bytes = Array(text.utf8)
        var parser = ExpositionParser(bytes, format: format)
        var out: [String] = []
        do {
            var k = 0
            while true {
                let more: Bool
                if let e = expected(k) {
                    let raw = Array(e.utf8)
                    let nameCount = raw.firstIndex(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: " ") || $0 == 9 }) ?? raw.count
                    more = try raw.withUnsafeBufferPointer { try parser.next(expecting: $0, nameCount: nameCount) }
                } else {
                    more = try parser.next()
                }
                guard more else { break }
                k += 1
                let series = String(decoding: bytes[parser.seriesRange], as: UTF8.self)
                out.append("\(series) \(try parser.labels()) \(parser.value) \(parser.timestamp.map { "\($0)" } ?? "-") \(parser.exemplar.map { "\($0)" } ?? "")")
            }
        } catch {
            return .failure(error)
        }
        return .success(out)
    }

    static func same(_ a: Result<[String], any Error>, _ b: Result<[String], any Error>) -> Bool {
        switch (a, b) {
        case (.success(let x), .success(let y)): return x == y
        case (.failure(let x), .failure(let y)): return "\(x)" == "\(y)"
        default: return false
        }
    }

    @Test("expecting the previous scrape's series texts parses exactly what plain parsing does, also when lines changed",
          arguments: [
              // (previous series texts, this scrape, format)
              (["foo"], "foo {a=\"b\"} 2\n", ExpositionFormat.prometheusText),
              (["foo"], "foo\t{a=\"b\"} 2\n", .prometheusText),
              (["foo{a=\"b\"}"], "foo{a=\"b\"}x 1\n", .prometheusText),
              (["foo{a=\"b\"}"], "foo{a=\"b\"}  2   123\n", .prometheusText),
              (["foo{a=\"b\"}"], "foo{a=\"b\"}\t2\n", .prometheusText),
              (["foo {a=\"b\"}"], "foo {a=\"b\"} 2\nfoo {a=\"c\"} 3\n", .prometheusText),
              (["foo"], "foo_bar 1\nfoo 2\n", .prometheusText),
              (["foo"], "foo\n", .prometheusText),
              (["foo"], "foo ", .prometheusText),
              (["a", "b", "c"], "b 1\na 2\nc 3\n", .prometheusText),
              (["a", "b"], "a 1\nb 2\nb 3\n", .prometheusText),
              (["x{a=\"1\"}"], "x{a=\"1\"} NaN\n", .prometheusText),
              (["x{a=\"1\"}"], "x{a=\"1\"} abc\n", .prometheusText),
              (["foo_total{a=\"b\"}"], "# TYPE foo counter\nfoo_total{a=\"b\"} 1 # {trace_id=\"x\"} 1 2.5\n# EOF\n", .openMetrics),
              (["foo_total{a=\"b\"}"], "# TYPE foo counter\nfoo_total{a=\"b\"}  1\n# EOF\n", .openMetrics),
              (["foo_total"], "# TYPE foo counter\nfoo_total {a=\"b\"} 1\n# EOF\n", .openMetrics),
              (["foo_total"], "# TYPE foo gauge\nfoo_total 1\n# EOF\n", .openMetrics),
          ])
    func expectationChangesNothing(previous: [String], text: String, format: ExpositionFormat) {
        let plain = Self.samples(text, format: format) { _ in nil }
        let expecting = Self.samples(text, format: format) { $0 < previous.count ? previous[$0] : nil }
        #expect(Self.same(plain, expecting), "plain: \(plain)\nexpecting: \(expecting)")
    }

    static let appender = ScrapeAppender(target: ScrapeAppenderTests.target,
                                         config: ScrapeConfig(jobName: "api", global: GlobalScrapeSettings()), limits: ScrapeLimits())

    static func stored(_ text: String, _ cache: inout SeriesCache, generation: UInt32, format: ExpositionFormat = .prometheusText) throws -> [String] {
        var result = ScrapeResult()
        try appender.append(Array(text.utf8), format: format, timestamp: Int64(generation) * 1000, cache: &cache,
                            generation: generation, into: &result)
        let b = result.batch
        return b.series.map { s in "\(Labels(encoded: b.keyBytes[Int(s.keyStart)..<Int(s.keyEnd)])!) \(b.values[Int(s.sampleStart)])" }
    }

    @Test("reordered, inserted and removed lines land on their own series")
    func reordered() throws {
        var cache = SeriesCache()
        _ = try Self.stored("a 1\nb{x=\"1\"} 2\nc 3\n", &cache, generation: 1)
        #expect(cache.order.count == 3)
        let second = try Self.stored("new 0\nc 3\na 1\nb{x=\"1\"} 2\n", &cache, generation: 2)
        #expect(second == [
            "new{instance=\"h:9100\", job=\"api\"} 0.0",
            "c{instance=\"h:9100\", job=\"api\"} 3.0",
            "a{instance=\"h:9100\", job=\"api\"} 1.0",
            "b{instance=\"h:9100\", job=\"api\", x=\"1\"} 2.0",
        ])
        let third = try Self.stored("new 5\nc 6\na 7\nb{x=\"1\"} 8\n", &cache, generation: 3)
        #expect(third.map { $0.split(separator: " ").last! } == ["5.0", "6.0", "7.0", "8.0"])
        #expect(cache.count == 4)
    }

    @Test("a series repeated where the previous order expects it still fails the scrape as a duplicate")
    func duplicateOnTheExpectedLine() throws {
        var cache = SeriesCache()
        _ = try Self.stored("b 1\na 2\n", &cache, generation: 1)
        #expect(throws: ScrapeError.self) { try Self.stored("a 1\na 2\n", &cache, generation: 2) }
    }

    @Test("a series text accepted in 0.0.4 is checked again when the target switches to OpenMetrics")
    func formatChange() throws {
        var cache = SeriesCache()
        _ = try Self.stored("a{ x=\"1\" } 1\n", &cache, generation: 1)
        #expect(throws: ScrapeError.self) { try Self.stored("a{ x=\"1\" } 1\n# EOF\n", &cache, generation: 2, format: .openMetrics) }
    }

    @Test("eviction keeps the line order of the series that stay")
    func evictionKeepsOrder() throws {
        var cache = SeriesCache()
        _ = try Self.stored("a 1\nb 2\n", &cache, generation: 1)
        _ = try Self.stored("b 2\n", &cache, generation: 2)
        cache.evict(unseenSince: 2)
        #expect(cache.count == 1 && cache.order == [0])
        #expect(try Self.stored("b 3\n", &cache, generation: 3) == ["b{instance=\"h:9100\", job=\"api\"} 3.0"])
    }

    @Test("metadata follows every change of HELP, TYPE and family list while unchanged scrapes keep sharing it")
    func metadataChanges() throws {
        var cache = SeriesCache()
        func metadata(_ text: String, _ generation: UInt32) throws -> [String] {
            var result = ScrapeResult()
            try Self.appender.append(Array(text.utf8), format: .prometheusText, timestamp: Int64(generation) * 1000,
                                     cache: &cache, generation: generation, into: &result)
            return result.metadata.map { "\($0.name) \($0.1.type.rawValue) \($0.1.help)" }
        }
        #expect(try metadata("# HELP a first help\n# TYPE a counter\na 1\n", 1) == ["a counter first help"])
        #expect(try metadata("# HELP a first help\n# TYPE a counter\na 1\n", 2) == ["a counter first help"])
        #expect(try metadata("# HELP a second help\n# TYPE a gauge\na 1\n", 3) == ["a gauge second help"])
        #expect(try metadata("# HELP a line\\nbreak \\\\ slash\n# TYPE a gauge\na 1\n", 4) == ["a gauge line\nbreak \\ slash"])
        #expect(try metadata("# HELP b new\n# HELP a line\\nbreak \\\\ slash\na 1\nb 2\n", 5)
                == ["b unknown new", "a unknown line\nbreak \\ slash"])
    }
}
