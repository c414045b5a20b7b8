/// How the connections themselves went: how many were opened and failed, how long a TCP connect took and, over
/// HTTPS, the TLS handshake. A connection's setup is not a request's latency (a reused connection pays it once),
/// so it is kept apart, with its own histograms: the figure a slow handshake or an overloaded accept queue shows in.
public struct ConnectionStats: Codable, Sendable {
    /// Connections that were usable (over HTTPS: that finished the handshake).
    public var opened: UInt64
    /// Connection attempts that failed (refused, timed out, TLS failures).
    public var failed: UInt64
    /// TCP connect: from the attempt to the connection being established.
    public var connect: LatencySummary
    /// HTTPS: from the TCP connection to the end of the TLS handshake; `nil` over plain HTTP.
    public var tlsHandshake: LatencySummary?
    /// The histograms behind the summaries, compressed V2 base64 (as `RequestStats.histograms`).
    public var histograms: EncodedHistograms

    public struct EncodedHistograms: Codable, Sendable {
        public var connect: String
        public var tlsHandshake: String?

        public init(connect: String, tlsHandshake: String? = nil) {
            self.connect = connect
            self.tlsHandshake = tlsHandshake
        }
    }

    public init(opened: UInt64, failed: UInt64, connect: LatencyHistogram, tlsHandshake: LatencyHistogram?) {
        self.opened = opened
        self.failed = failed
        self.connect = LatencySummary(connect)
        self.tlsHandshake = tlsHandshake.map(LatencySummary.init)
        histograms = EncodedHistograms(
            connect: HistogramCodec.encode(connect), tlsHandshake: tlsHandshake.map(HistogramCodec.encode))
    }
}

/// How the target was reached over HTTPS, as the result records it (and the summary prints it).
public struct TLSRecord: Codable, Sendable, Equatable {
    /// False when the user turned certificate verification off (`--insecure`).
    public var verified: Bool
    /// The private CA file the certificate was verified against (`--ca`); `nil` for the system trust store.
    public var caFile: String?
    /// The name sent as SNI and verified against the certificate; `nil` for an IP address.
    public var serverName: String?

    public init(verified: Bool, caFile: String?, serverName: String?) {
        self.verified = verified
        self.caFile = caFile
        self.serverName = serverName
    }

    /// `certificate verified against the system trust store`, `… against ca.pem`, `certificate NOT verified (--insecure)`.
    public var description: String {
        guard verified else { return "TLS certificate NOT verified (--insecure)" }
        return "TLS certificate verified against " + (caFile.map { "\($0)" } ?? "the system trust store")
    }
}
