/// How an `https://` target's certificate is checked: against the system trust store by default, against a
/// private CA with `caFile`, or not at all with `insecure` (recorded in the result and printed in the summary).
public struct TLSSettings: Sendable, Equatable {
    /// A PEM file of CA certificates to trust instead of the system store (`--ca`, the scenario's `ca:`).
    public var caFile: String?
    /// Skip certificate verification (`--insecure`, the scenario's `insecure: true`).
    public var insecure: Bool

    public init(caFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.insecure = insecure
    }
}
