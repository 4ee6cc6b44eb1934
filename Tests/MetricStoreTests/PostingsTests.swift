import OspreyCore
import Testing
@testable import MetricStore

/// A tiny index for postings tests, built from label sets (series id = position).
struct TestIndex: PostingsSource {
    var map: [String: [String: [UInt32]]] = [:]
    var count: UInt32 = 0
    init(_ series: [Labels]) {
        for (i, l) in series.enumerated() {
            for label in l { map[label.name, default: [:]][label.value, default: []].append(UInt32(i)) }
        }
        count = UInt32(series.count)
    }
    func postings(_ name: String, _ value: String) -> [UInt32] { map[name]?[value] ?? [] }
    func labelValues(_ name: String) -> [String] { map[name].map { $0.keys.sorted() } ?? [] }
    func allPostings() -> [UInt32] { Array(0..<count) }
}

@Suite struct PostingsTests {
    @Test func setOperations() {
        #expect(Postings.intersect([1, 3, 5, 7, 9], [2, 3, 4, 9, 10]) == [3, 9])
        #expect(Postings.intersect([], [1]) == [])
        #expect(Postings.subtract([1, 2, 3, 4, 5], [2, 4, 6]) == [1, 3, 5])
        #expect(Postings.subtract([1, 2], []) == [1, 2])
        #expect(Postings.union([[1, 4], [2, 4, 8], [], [3]]) == [1, 2, 3, 4, 8])
        let many = (0..<20).map { i in [UInt32(i), UInt32(i + 100)] }
        let low: [UInt32] = (0..<20).map { UInt32($0) }
        let high: [UInt32] = low.map { $0 + 100 }
        #expect(Postings.union(many) == low + high)
    }

    let series: [Labels] = [
        Labels(["__name__": "http_requests_total", "job": "api", "status": "200", "path": "/"]),        // 0
        Labels(["__name__": "http_requests_total", "job": "api", "status": "500", "path": "/login"]),   // 1
        Labels(["__name__": "http_requests_total", "job": "web", "status": "503"]),                     // 2
        Labels(["__name__": "up", "job": "api"]),                                                       // 3
        Labels(["__name__": "up", "job": "web", "env": "prod"]),                                        // 4
        Labels(["__name__": "up", "job": "line\nbreak"]),                                               // 5
    ]

    func select(_ matchers: [LabelMatcher]) -> [UInt32] { Postings.select(matchers, in: TestIndex(series)) }

    @Test(arguments: [
        (#"{__name__="up"}"#, [UInt32(3), 4, 5]),
        (#"http_requests_total{status=~"5.."}"#, [1, 2]),
        (#"http_requests_total{status=~"5"}"#, []),                 // anchored: "5" does not match "500"
        (#"http_requests_total{status!~"5.."}"#, [0]),
        (#"{job=~"api|web"}"#, [0, 1, 2, 3, 4]),
        (#"{job=~"a.*"}"#, [0, 1, 3]),
        (#"{job=~".+"}"#, [0, 1, 2, 3, 4, 5]),
        (#"up{env=""}"#, [3, 5]),                                   // empty matches series without the label
        (#"up{env!=""}"#, [4]),
        (#"up{env=~"prod|"}"#, [3, 4, 5]),
        (#"up{env!="prod"}"#, [3, 5]),
        (#"up{job=~"line.break"}"#, [5]),                           // . matches a newline
        (#"{path=~"/lo.*"}"#, [1]),
        (#"{__name__=~"http_.*", job!="api"}"#, [2]),
        (#"{__name__=~"up|http_requests_total", status="200"}"#, [0]),
        (#"{job=~"(?i)API"}"#, [0, 1, 3]),
    ] as [(String, [UInt32])])
    func matchersResolveFromPostings(_ selector: String, _ expected: [UInt32]) throws {
        #expect(select(try SeriesSelector.parse(selector)) == expected, "\(selector)")
    }

    @Test func postingsPathAgreesWithScanningOnRandomMatchers() throws {
        var rng = SplitMix64(seed: 42)
        let values = ["a", "b", "ab", "ba", "", "abc", "x\ny"]
        var labelSets: [Labels] = []
        for _ in 0..<300 {
            var d: [String: String] = [:]
            for name in ["l1", "l2", "l3"] { d[name] = values.randomElement(using: &rng)! }
            labelSets.append(Labels(d))
        }
        let index = TestIndex(labelSets)
        let patterns = ["a", "a.*", ".*b", "a|b", "", ".+", "ab?", "[ab]+", "x.y", "(a|ba)c?"]
        for _ in 0..<500 {
            var matchers: [LabelMatcher] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let kind = [LabelMatcher.Kind.equal, .notEqual, .regexMatch, .regexNoMatch].randomElement(using: &rng)!
                let value = kind == .equal || kind == .notEqual ? values.randomElement(using: &rng)! : patterns.randomElement(using: &rng)!
                matchers.append(try LabelMatcher(kind, ["l1", "l2", "l3", "missing"].randomElement(using: &rng)!, value))
            }
            let scanned = labelSets.enumerated().filter { _, l in matchers.allSatisfy { $0.matches(l[$0.name] ?? "") } }.map { UInt32($0.offset) }
            #expect(Postings.select(matchers, in: index) == scanned, "\(matchers)")
        }
    }

    @Test func invalidRegexIsAClearError() {
        #expect(throws: RegexError.self) { try LabelMatcher(.regexMatch, "job", "(unclosed") }
        #expect(throws: SeriesSelector.ParseError.self) { try SeriesSelector.parse(#"up{job="x""#) }
    }
}
