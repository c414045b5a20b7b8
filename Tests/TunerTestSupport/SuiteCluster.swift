import EmbeddedPostgres
import Testing

/// One throwaway PostgreSQL cluster for a whole suite: `@Suite(.suiteCluster)` (or `.suiteCluster(settings:)` for
/// extra postgresql.conf settings) starts it before the suite's first test and stops it after its last; the tests
/// reach it as `SuiteCluster.cluster`.
public struct SuiteCluster: SuiteTrait, TestScoping {
    @TaskLocal public static var current: EmbeddedCluster?

    public var settings: [String: String]
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await EmbeddedCluster.withCluster(.init(settings: settings)) { cluster in
            try await Self.$current.withValue(cluster) { try await function() }
        }
    }

    /// The suite's cluster; a test of a suite without the trait fails with a message that says so.
    public static var cluster: EmbeddedCluster {
        get throws { try #require(current, "the suite needs the .suiteCluster trait") }
    }
}

extension Trait where Self == SuiteCluster {
    public static var suiteCluster: SuiteCluster { SuiteCluster(settings: [:]) }

    public static func suiteCluster(settings: [String: String]) -> SuiteCluster { SuiteCluster(settings: settings) }
}
