import TunerCore

/// Why a load test could not be set up or run, in one line a user can act on.
///
/// When the run had started, `partialResult` holds what was measured before it failed,
/// so `--json` still gets written.
public struct LoadError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// What was measured before the failure, if the run had started.
    public var partialResult: LoadResult?

    public init(_ description: String, partialResult: LoadResult? = nil) {
        self.description = description
        self.partialResult = partialResult
    }
}
