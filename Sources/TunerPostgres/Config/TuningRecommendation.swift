import TunerCore

/// The settings and pool size tuner recommends for some hardware, in one value (what `tuner demo` shows).
public struct TuningRecommendation: Sendable {
    public let configuration: ConfigurationRecommendation
    public let pool: PoolSizing

    /// pgtune's settings for `inputs`, and the wiki pool size for their CPUs (`inputs.cpus`, else `fallbackCPUs`).
    public init(_ inputs: ConfigurationInputs, spindles: Int = 1, appInstances: Int = 1, fallbackCPUs: Int = 1)
        throws(ParseError)
    {
        self.configuration = ConfigurationRecommendation(inputs)
        self.pool = PoolSizing(try PoolSizing.Inputs(databaseCPUs: inputs.cpus ?? fallbackCPUs, spindles: spindles,
                                                      appInstances: appInstances))
    }

    /// Compares the recommended settings with a live server (read-only).
    public func compare(at settings: ConnectionSettings) async throws -> LiveSettingsDiff {
        try await LiveSettingsDiff.compare(configuration, at: settings)
    }

    /// Applies the differing settings with ALTER SYSTEM and reloads (writes: only behind `--apply`).
    public func apply(at settings: ConnectionSettings) async throws -> (diff: LiveSettingsDiff, result: SettingsApplyResult) {
        try await SettingsApplier.apply(configuration, at: settings)
    }
}
