/// What was measured for one request name (or `all`) over the measured window.
///
/// The histograms are the source of truth; the summaries are derived from them, so a merge adds
/// histograms and counts and then calls `recomputeSummaries()`.
public struct RequestStats: Codable, Sendable {
    /// The request's name from the scenario, or `all` for the overall figures.
    public var name: String
    /// Requests that completed (any response or failure) inside the measured window.
    public var count: UInt64
    /// Failures by kind (`ErrorKind.rawValue`): non-2xx/3xx statuses and transport errors.
    public var errors: [String: UInt64]
    /// Responses by status code (`"200": 1234`).
    public var statusCodes: [String: UInt64]
    /// Response bytes received (headers and body); bodies are counted, never kept.
    public var bytesReceived: UInt64
    /// Length of the measured window in seconds (warm-up excluded).
    public var durationSeconds: Double
    /// `count / durationSeconds`.
    public var rps: Double
    /// Latency as the user sees it: from the intended start (open model) or the send (closed model).
    public var latency: LatencySummary
    /// Open model only: actual send → last byte.
    public var service: LatencySummary?
    /// Open model only: how late sends went out against their intended start.
    public var sendLag: LatencySummary?
    /// The histograms behind the summaries, in compressed V2 base64 form.
    public var histograms: EncodedHistograms
    /// Flow steps not sent because their iteration ended at an earlier step (a failed expectation or capture).
    public var skipped: UInt64?
    /// The first few distinct reasons this flow step's expectation or capture failed.
    public var expectFailures: [String]?

    public struct EncodedHistograms: Codable, Sendable {
        public var latency: String
        public var service: String?
        public var sendLag: String?

        public init(latency: String, service: String? = nil, sendLag: String? = nil) {
            self.latency = latency
            self.service = service
            self.sendLag = sendLag
        }
    }

    public init(
        name: String, count: UInt64, errors: [String: UInt64], statusCodes: [String: UInt64],
        bytesReceived: UInt64, durationSeconds: Double, latency: LatencyHistogram,
        service: LatencyHistogram? = nil, sendLag: LatencyHistogram? = nil, skipped: UInt64? = nil,
        expectFailures: [String]? = nil
    ) {
        self.skipped = skipped
        self.expectFailures = expectFailures
        self.name = name
        self.count = count
        self.errors = errors
        self.statusCodes = statusCodes
        self.bytesReceived = bytesReceived
        self.durationSeconds = durationSeconds
        self.rps = durationSeconds > 0 ? Double(count) / durationSeconds : 0
        self.latency = LatencySummary(latency)
        self.service = service.map(LatencySummary.init)
        self.sendLag = sendLag.map(LatencySummary.init)
        self.histograms = EncodedHistograms(
            latency: HistogramCodec.encode(latency),
            service: service.map(HistogramCodec.encode),
            sendLag: sendLag.map(HistogramCodec.encode))
    }

    /// Total failures of every kind.
    public var errorCount: UInt64 { errors.values.reduce(0, +) }

    /// Failures as a fraction of completed requests (0 when nothing completed).
    public var errorRate: Double { count == 0 ? 0 : Double(errorCount) / Double(count) }

    /// Decodes the latency histogram.
    public func latencyHistogram() throws(HistogramCodec.DecodingError) -> LatencyHistogram {
        try HistogramCodec.decode(histograms.latency)
    }

    /// Re-derives rps and the latency summaries from the counts and the encoded histograms.
    public mutating func recomputeSummaries() throws(HistogramCodec.DecodingError) {
        rps = durationSeconds > 0 ? Double(count) / durationSeconds : 0
        latency = LatencySummary(try HistogramCodec.decode(histograms.latency))
        if let s = histograms.service { service = LatencySummary(try HistogramCodec.decode(s)) }
        if let s = histograms.sendLag { sendLag = LatencySummary(try HistogramCodec.decode(s)) }
    }
}
