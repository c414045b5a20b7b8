/// `tuner coldstart`: how long a service takes from start to ready, and how slow its first requests are, per
/// setting (say with and without pool pre-warming), each the median of several starts.
public struct ColdStartResult: Codable, Sendable {
    public var target: String
    /// Requests sent one after another once the service is ready, per start.
    public var requestsPerStart: Int
    public var variants: [Variant]

    public struct Variant: Codable, Sendable {
        /// `SHOP_PREWARM=1`, or `as started` without settings.
        public var name: String
        public var starts: [Start]
        /// Why the variant could not be measured (the service did not start, its requests failed).
        public var failure: String?

        public init(name: String, starts: [Start], failure: String? = nil) {
            self.name = name
            self.starts = starts
            self.failure = failure
        }

        /// Medians over the starts: time to ready, the first request, and the median of the requests after it.
        public var readyMilliseconds: Double? { Self.median(starts.map(\.readyMilliseconds)) }
        public var firstRequestMilliseconds: Double? { Self.median(starts.compactMap(\.requestMilliseconds.first)) }
        public var laterRequestsMilliseconds: Double? {
            Self.median(starts.compactMap { Self.median(Array($0.requestMilliseconds.dropFirst())) })
        }

        public static func median(_ values: [Double]) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    public struct Start: Codable, Sendable {
        /// From the service's start to the first answer of its ready URL.
        public var readyMilliseconds: Double
        /// Each request's latency, in order.
        public var requestMilliseconds: [Double]

        public init(readyMilliseconds: Double, requestMilliseconds: [Double]) {
            self.readyMilliseconds = readyMilliseconds
            self.requestMilliseconds = requestMilliseconds
        }
    }

    public init(target: String, requestsPerStart: Int, variants: [Variant]) {
        self.target = target
        self.requestsPerStart = requestsPerStart
        self.variants = variants
    }

    /// The measured variants whose first request is fastest and slowest, when there are two different ones.
    public var firstRequestExtremes: (fast: Variant, slow: Variant)? {
        let measured = variants.filter { $0.firstRequestMilliseconds != nil }
        guard measured.count >= 2,
              let fast = measured.min(by: { $0.firstRequestMilliseconds! < $1.firstRequestMilliseconds! }),
              let slow = measured.max(by: { $0.firstRequestMilliseconds! < $1.firstRequestMilliseconds! }),
              fast.name != slow.name
        else { return nil }
        return (fast, slow)
    }

    /// The guide's sentence when there are two measured variants: how much faster the first request is with the
    /// one whose first request is fastest, and what it costs in time to ready.
    public var comparison: String? {
        guard let (fast, slow) = firstRequestExtremes, fast.readyMilliseconds != nil, slow.readyMilliseconds != nil
        else { return nil }
        let gain = slow.firstRequestMilliseconds! - fast.firstRequestMilliseconds!
        let readyCost = fast.readyMilliseconds! - slow.readyMilliseconds!
        return "\(fast.name): \(NumberFormat.millis(gain)) faster first-request latency than \(slow.name) "
            + "(\(NumberFormat.millis(fast.firstRequestMilliseconds!)) against \(NumberFormat.millis(slow.firstRequestMilliseconds!)))"
            + ", ready \(NumberFormat.millis(abs(readyCost))) \(readyCost >= 0 ? "later" : "sooner")"
    }
}
