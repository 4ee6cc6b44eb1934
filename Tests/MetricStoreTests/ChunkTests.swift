import Foundation
import OspreyCore
import Testing
@testable import MetricStore

@Suite struct XORChunkTests {
    static func roundTrip(_ samples: [Sample]) -> [Sample] {
        var app = XORAppender()
        for s in samples { app.append(s.t, s.v) }
        #expect(app.count == samples.count)
        return app.chunk.samples()
    }

    static func same(_ a: [Sample], _ b: [Sample]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
    }

    @Test func specialValuesSurviveBitExact() {
        let values: [Double] = [0, -0.0, 1, .nan, StaleNaN.value, .infinity, -.infinity, Double.greatestFiniteMagnitude,
                                Double.leastNonzeroMagnitude, -1e-300, 42.5, Double(bitPattern: 0x7FF8_0000_0000_0001)]
        let samples = values.enumerated().map { Sample(Int64($0.offset) * 15_000, $0.element) }
        let back = Self.roundTrip(samples)
        #expect(Self.same(samples, back))
        #expect(StaleNaN.isStale(back[4].v))
        #expect(!StaleNaN.isStale(back[3].v))
        #expect(back[1].v.sign == .minus)
    }

    @Test(arguments: [
        [Int64(0), 1, 2, 3],
        [-1_000_000, -999_985, -1, 0, 1],
        [Int64.min / 4, 0, Int64.max / 4],                       // gaps far beyond every dod bucket
        [0, 15_000, 30_001, 44_999, 60_000, 3_600_000, 3_600_001, 3_600_002, 100_000_000_000],
        [1_700_000_000_000, 1_700_000_000_001, 1_700_000_008_193, 1_700_000_016_386, 1_700_000_081_923, 1_700_000_600_000],
    ])
    func timestampPatterns(_ ts: [Int64]) {
        let samples = ts.enumerated().map { Sample($0.element, Double($0.offset) * 1.5) }
        #expect(Self.same(samples, Self.roundTrip(samples)))
    }

    @Test func randomSeriesRoundTrip() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            var t = Int64.random(in: -1_000_000...1_000_000, using: &rng)
            var v = Double.random(in: -1e6...1e6, using: &rng)
            var samples: [Sample] = []
            for _ in 0..<Int.random(in: 1...300, using: &rng) {
                t += Int64.random(in: 1...100_000, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: v = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
                case 1: break
                case 2: v += 1
                default: v += Double.random(in: -10...10, using: &rng)
                }
                samples.append(Sample(t, v))
            }
            #expect(Self.same(samples, Self.roundTrip(samples)))
        }
    }

    @Test func truncatedChunkStopsWithoutCrashing() {
        var app = XORAppender()
        for i in 0..<100 { app.append(Int64(i) * 1000, Double(i) * 0.3) }
        let bytes = app.chunk.bytes
        for cut in stride(from: 2, to: bytes.count, by: 3) {
            var it = XORChunk(bytes: Array(bytes[0..<cut])).makeIterator()
            var n = 0
            while it.next() != nil { n += 1 }
            #expect(n < 100)
            #expect(it.malformed)
        }
    }
}

@Suite struct DenseChunkTests {
    static func roundTrip(_ samples: [Sample]) throws -> [Sample] {
        var w = ByteWriter()
        DenseChunk.encode(samples[...], into: &w)
        var r = ByteReader(w.bytes[...])
        var out: [Sample] = []
        try DenseChunk.decode(&r, into: &out)
        #expect(r.isAtEnd)
        return out
    }

    @Test func decimalCountersUseDecimalModeAndRoundTrip() throws {
        var v = 12_345.67
        let samples = (0..<480).map { i -> Sample in
            v = (v * 100 + Double(1_400 + i % 13)).rounded() / 100
            return Sample(1_700_000_000_000 + Int64(i) * 15_000 + Int64(i % 3), v)
        }
        #expect(DenseChunk.decimal(samples[...])?.0 == 2)
        #expect(XORChunkTests.same(samples, try Self.roundTrip(samples)))
    }

    @Test func valuesThatAreNotDecimalFallBackToXOR() throws {
        let samples = [Sample(0, 0.1 + 0.2), Sample(1, .nan), Sample(2, StaleNaN.value), Sample(3, -.infinity), Sample(4, 1e300)]
        #expect(DenseChunk.decimal(samples[...]) == nil)
        let back = try Self.roundTrip(samples)
        #expect(XORChunkTests.same(samples, back))
    }

    @Test func edgeTimestampsAndSingletons() throws {
        for samples in [[Sample(0, 1)], [Sample(-5, -2.5), Sample(0, 0)], [Sample(Int64.min / 2, 1), Sample(Int64.max / 2, 2)]] {
            #expect(XORChunkTests.same(samples, try Self.roundTrip(samples)))
        }
    }

    @Test func rangeFilterOnDecode() throws {
        let samples = (0..<100).map { Sample(Int64($0) * 10, Double($0)) }
        var w = ByteWriter()
        DenseChunk.encode(samples[...], into: &w)
        var r = ByteReader(w.bytes[...])
        var out: [Sample] = []
        try DenseChunk.decode(&r, into: &out, mint: 250, maxt: 500)
        #expect(out.map(\.t) == Array(stride(from: Int64(250), through: 500, by: 10)))
    }
}

