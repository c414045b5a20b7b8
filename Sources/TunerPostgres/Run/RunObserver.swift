import Foundation
import Synchronization
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
    ///
    /// After the load, the "after" snapshot waits until no statement of this database is active (at most
    /// `drainLimit`), so that the queries of requests still in the service are counted whole.
    ///
    /// The "before" snapshot is taken when the warm-up ends, so that warm-up traffic is left out of the
    /// deltas just as it is left out of the latency figures; activity is sampled for the whole load, on
    /// a clock that starts with it (the same seconds as the load's series).
    public static func observe<T: Sendable>(
        _ session: DatabaseSession, warmUp: Duration = .zero, interval: Duration = .seconds(1),
        drainLimit: Duration = .seconds(5), during body: @escaping @Sendable () async throws -> T
    ) async throws -> (T, Observation) {
        // Without a warm-up the baseline must precede the first request.
        var before: StatsSnapshot? = warmUp <= .zero ? try await StatsSnapshot.take(session) : nil
        let started = ContinuousClock.now
        let finished = Mutex(false)
        let load = Task {
            defer { finished.withLock { $0 = true } }
            return try await body()
        }
        var samples: [ActivitySample] = []
        var notes: [String] = []
        do {
            try await withTaskCancellationHandler {
                while !finished.withLock({ $0 }) {
                    let elapsed = ContinuousClock.now - started
                    if before == nil && elapsed >= warmUp { before = try await StatsSnapshot.take(session) }
                    do {
                        samples.append(try await ActivitySample.take(session, second: elapsed.seconds))
                    } catch {
                        if notes.count < 3 { notes.append("activity sample at \(Int(elapsed.seconds))s failed: \(error)") }
                    }
                    let next = started + interval * (Int((ContinuousClock.now - started) / interval) + 1)
                    // Sleep in short slices so that the end of the load is noticed quickly.
                    while !finished.withLock({ $0 }) && ContinuousClock.now < next {
                        try? await Task.sleep(for: min(.milliseconds(50), next - ContinuousClock.now))
                    }
                }
            } onCancel: {
                load.cancel()
            }
        } catch {
            load.cancel()
            _ = try? await load.value
            throw error
        }
        let result = try await load.value
        // Statements the service still runs for requests already sent belong to this load: wait (briefly)
        // until the database is quiet, so that a request's queries are not split across the snapshot.
        let quietBy = ContinuousClock.now + drainLimit
        while ContinuousClock.now < quietBy,
              let sample = try? await ActivitySample.take(session, second: (ContinuousClock.now - started).seconds),
              sample.active > 0 {
            try? await Task.sleep(for: .milliseconds(50))
        }
        // A load shorter than its warm-up still gets a baseline (the deltas are then empty, not wrong).
        let baseline: StatsSnapshot
        if let before { baseline = before } else { baseline = try await StatsSnapshot.take(session) }
        let after = try await StatsSnapshot.take(session)
        if let missing = after.statementsUnavailable {
            notes.append("pg_stat_statements could not be read (\(missing)); query figures are missing")
        }
        return (result, Observation(before: baseline, after: after, samples: samples, notes: notes))
    }
}
