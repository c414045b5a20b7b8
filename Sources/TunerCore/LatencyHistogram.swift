import Histogram

/// The histogram every latency goes into: microseconds, 1 µs .. 60 s, 3 significant digits.
///
/// Fixed bounds keep memory constant however long a run is and make histograms from
/// different shards or event loops addable bucket by bucket.
public typealias LatencyHistogram = Histogram<UInt64>

extension Histogram where Count == UInt64 {
    /// Largest latency the histogram tracks, in microseconds (60 s); larger values are clamped.
    public static var latencyCeilingMicros: UInt64 { 60_000_000 }

    /// An empty latency histogram (µs, 1 µs .. 60 s, 3 significant digits).
    public static func makeLatency() -> LatencyHistogram {
        LatencyHistogram(lowestDiscernibleValue: 1, highestTrackableValue: latencyCeilingMicros,
                         numberOfSignificantValueDigits: .three)
    }

    /// Records a latency in microseconds, clamped into the trackable range.
    @inlinable
    public mutating func recordClamped(micros: UInt64) {
        _ = record(Swift.min(Swift.max(micros, 1), 60_000_000))
    }

    /// The value at a percentile, in milliseconds.
    public func millis(atPercentile p: Double) -> Double {
        totalCount == 0 ? 0 : Double(valueAtPercentile(p)) / 1000
    }
}
