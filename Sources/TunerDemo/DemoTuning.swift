import EmbeddedPostgres
import Foundation
import TunerCore
import TunerOrchestration
import TunerPostgres

/// The demo's second change: the wiki pool size for this machine's cores, and pgtune's settings for its
/// memory and cores (what `tuner pool` and `tuner db config --apply` do), with a restart when needed.
enum DemoTuning {
    /// The recommendation for this machine (cgroup limits honoured) and the server's version.
    static func recommendation(serverMajorVersion: Int) throws -> TuningRecommendation {
        let machine = MachineDetection().detect()
        let cpus = machine?.cpus ?? ProcessInfo.processInfo.activeProcessorCount
        let version = ConfigurationInputs.supportedVersions.contains(serverMajorVersion) ? serverMajorVersion : 15
        do {
            let inputs = try ConfigurationInputs(memory: machine?.memory ?? .gigabytes(4), cpus: cpus,
                                                 postgresVersion: version)
            return try TuningRecommendation(inputs, fallbackCPUs: cpus)
        } catch {
            throw WorkflowError("cannot compute the settings for this machine: \(error)")
        }
    }

    /// Applies the settings that differ (ALTER SYSTEM, reload) and restarts the cluster when some need it.
    /// Returns the change as lines `name: live → recommended` for the optimization log.
    static func apply(_ tuning: TuningRecommendation, cluster: EmbeddedCluster, database: ConnectionSettings,
                      say: @Sendable (String) -> Void, notes: inout [String]) async throws -> String
    {
        let (diff, applied) = try await tuning.apply(at: database)
        for failure in applied.failed { say("  \(failure.name) not applied: \(failure.message)") }
        say("  \(diff.differences.count) settings differed: \(applied.inEffect.count) in effect now, "
            + "\(applied.waitingForRestart.count) need a restart")
        if !applied.waitingForRestart.isEmpty {
            say("  restarting PostgreSQL for \(applied.waitingForRestart.joined(separator: ", "))")
            do {
                try await cluster.restart()
            } catch {
                say("  \(error)")
                notes.append("\(error)")
            }
        }
        let failed = Set(applied.failed.map(\.name))
        return diff.differences.filter { !failed.contains($0.name) }
            .map { "\($0.name): \($0.live) → \($0.recommended)" }.joined(separator: "\n")
    }
}
