import Testing
import TunerCore

@Suite struct HistogramCodecTests {
    @Test func roundTripKeepsEveryBucket() throws {
        var h = LatencyHistogram.makeLatency()
        for v: UInt64 in [1, 2, 3, 999, 1000, 1001, 2047, 2048, 123_456, 59_999_999, 60_000_000] {
            h.recordClamped(micros: v)
        }
        for _ in 0..<1000 { h.recordClamped(micros: 4321) }
        let decoded = try HistogramCodec.decode(HistogramCodec.encode(h))
        #expect(decoded.totalCount == h.totalCount)
        for p in [0.0, 10, 50, 90, 99, 99.9, 100] {
            #expect(h.valuesAreEquivalent(decoded.valueAtPercentile(p), h.valueAtPercentile(p)))
        }
        #expect(h.valuesAreEquivalent(decoded.max, h.max))
        #expect(h.valuesAreEquivalent(decoded.min, h.min))
        #expect(decoded.countForValue(4321) == 1000)
    }

    @Test func encodingStartsWithTheStandardCompressedCookie() {
        var h = LatencyHistogram.makeLatency()
        h.recordClamped(micros: 100)
        #expect(HistogramCodec.encode(h).hasPrefix("HISTFAAA"))
    }

    @Test func garbageIsAClearError() {
        #expect(throws: HistogramCodec.DecodingError.self) { try HistogramCodec.decode("not base64!") }
        #expect(throws: HistogramCodec.DecodingError.self) { try HistogramCodec.decode("AAAAAAAAAAA=") }
    }
}
