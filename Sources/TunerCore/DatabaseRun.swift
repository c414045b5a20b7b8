/// What the database did during a `tuner run`: deltas between the snapshots before and after the
/// load, and the per-second activity samples. Filled by `TunerPostgres`, read by `TunerReport`.
public struct DatabaseRun: Codable, Sendable {
    public init() {}
}
