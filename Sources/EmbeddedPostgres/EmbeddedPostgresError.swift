/// Why a throwaway cluster could not be found, started, or stopped; one line a user can act on.
public struct EmbeddedPostgresError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
