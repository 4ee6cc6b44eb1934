import Foundation
import MetricStore
import OspreyCore
@testable import PromQL
import Testing

/// The promqltest runner's own rules: what counts as skipped, start timestamps in load blocks, and the
/// label hash `limit_ratio` selects by.
@Suite struct ConformanceRunnerTests {
    @Test func floatCasesOverMetricsWithNativeSeriesStillRun() async {
        let script = """
        load 1m
            m{kind="float"} 1 2 3
            m{kind="native"} {{schema:0 sum:1 count:1}}x2

        eval instant at 2m m{kind="float"}
            m{kind="float"} 3

        eval instant at 2m m
            m{kind="float"} 3

        eval instant at 2m m{kind="float"}
            m{kind="float"} 4
        """
        let report = await PromQLTestRunner().run(script: script, name: "t")
        // The first case passes; the second needs the native series (skipped); the third is a real failure.
        #expect(report.passed == 1)
        #expect(report.skipped == 1)
        #expect(report.failed.map(\.line) == [11])
    }

    /// The counter never decreases, but the last sample's start time lies after the previous sample: a reset.
    @Test func startTimestampsMarkResets() async {
        let script = """
        load 1m
            c@st _ -30s -90s -1s
            c     _ 10 20 25

        eval instant at 3m resets(c[5m])
            {} 1
        """
        let report = await PromQLTestRunner().run(script: script, name: "t")
        #expect(report.failed.isEmpty, "\(report.failed)")
        #expect(report.passed == 1)
    }

    @Test func startOffsetsGrammar() throws {
        #expect(try StartOffsets.parse("_ _x2 -1m 30s+1sx2 0-1mx1 -59999ms") ==
            [nil, nil, nil, -60_000, 30_000, 31_000, 32_000, 0, -60_000, -59_999])
        #expect(throws: (any Error).self) { try StartOffsets.parse("1m+1s") }
    }

    @Test func xxhash64MatchesReferenceValues() {
        #expect(XXHash64.hash([]) == 0xEF46_DB37_51D8_E999)
        #expect(XXHash64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
    }
}
