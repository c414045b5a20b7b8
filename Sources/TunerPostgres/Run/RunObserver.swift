import Foundation
import TunerCore

/// Watches the database while a load runs: snapshots before and after, pg_stat_activity every second.
///
/// Only what happened between the snapshots is counted, so earlier traffic does not blur the picture.
public enum RunObserver {
    /// What the observation saw.
    public struct Observation: Sendable {
        public var before: StatsSnapshot
        public var after: StatsSnapshot
        public var samples: [ActivitySample]
        /// Problems met while observing (a failed sample, pg_stat_statements missing); the run still counts.
        public var notes: [String]

        public var seconds: Double { after.takenAt.timeIntervalSince(before.takenAt) }
    }

    /// Runs `body` (the load) while observing the database through `session`.
    public static func observe<T: Sendable>(
        _ session: DatabaseSession, interval: Duration = .seconds(1),
        during body: @Sendable () async throws -> T
    ) async throws -> (T, Observation) {
        let before = try await StatsSnapshot.take(session)
        let started = ContinuousClock.now
        let sampler = Task {
            var samples: [ActivitySample] = []
            var failures: [String] = []
            while !Task.isCancelled {
                let second = (ContinuousClock.now - started).seconds
                do {
                    samples.append(try await ActivitySample.take(session, second: second))
                } catch {
                    if failures.count < 3 { failures.append("activity sample at \(Int(second))s failed: \(error)") }
                }
                try? await Task.sleep(for: interval)
            }
            return (samples, failures)
        }
        let result: T
        do {
            result = try await body()
        } catch {
            sampler.cancel()
            _ = await sampler.value
            throw error
        }
        sampler.cancel()
        let (samples, failures) = await sampler.value
        let after = try await StatsSnapshot.take(session)
        var notes = failures
        if let missing = after.statementsUnavailable {
            notes.append("pg_stat_statements could not be read (\(missing)); query figures are missing")
        }
        return (result, Observation(before: before, after: after, samples: samples, notes: notes))
    }
}
