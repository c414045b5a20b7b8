/// The sections of the tuning guide (seed 002) a measured change can belong to.
public enum TuningTopic: String, Sendable, CaseIterable {
    /// Indexes created or dropped.
    case indexes
    /// The service's database connection pool.
    case connectionPool
    /// postgresql.conf settings.
    case postgresSettings
    /// The service's own code.
    case code
}
