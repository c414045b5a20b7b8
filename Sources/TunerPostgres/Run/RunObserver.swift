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
        /// True when the database could not be read after the load: the deltas are empty, and nothing more
        /// should be asked of it.
        public var isDatabaseLost = false
        /// True when the server restarted during the load: its statistics started again, so the deltas are empty.
        public var didServerRestart = false

        public var seconds: Double { after.takenAt.timeIntervalSince(before.takenAt) }
    }

    /// Runs `body` (the load) while observing the database through `session`; `onSample` gets each second's activity
    /// sample as it is taken (`--metrics-listen`).
    ///
    /// After the load, the "after" snapshot waits until no statement of this database is active (at most
    /// `drainLimit`), so that the queries of requests still in the service are counted whole.
    ///
    /// The "before" snapshot is taken when the warm-up ends, so that warm-up traffic is left out of the
    /// deltas just as it is left out of the latency figures; activity is sampled for the whole load, on
    /// a clock that starts with it (the same seconds as the load's series).
    ///
    /// The database never stops the load: a lost connection is opened again at the next sample (the
    /// session reconnects), a server that restarted is noticed by its start time and its figures are left
    /// out (its statistics started again), and a database unreachable after the load leaves the result
    /// without database figures, saying so.
    public static func observe<T: Sendable>(
        _ session: DatabaseSession, warmUp: Duration = .zero, interval: Duration = .seconds(1),
        drainLimit: Duration = .seconds(5), onSample: (@Sendable (ActivitySample) -> Void)? = nil,
        during body: @escaping @Sendable () async throws -> T
    ) async throws -> (T, Observation) {
        // A few notes at most, each said once: failed samples are counted into one line (a server down for a
        // minute fails sixty of them), so that they can never crowd out what the run's figures depend on.
        var notes: [String] = []
        func note(_ text: String) { notes.append(text) }
        var failedSamples = 0
        var firstSampleFailure = ""
        // Without a warm-up the baseline must precede the first request.
        var before: StatsSnapshot?
        if warmUp <= .zero {
            do { before = try await StatsSnapshot.take(session) } catch { note("the baseline snapshot failed: \(error)") }
        }
        var baselineTried = warmUp <= .zero
        let started = ContinuousClock.now
        let finished = Mutex(false)
        let load = Task {
            defer { finished.withLock { $0 = true } }
            return try await body()
        }
        var samples: [ActivitySample] = []
        await withTaskCancellationHandler {
            while !finished.withLock({ $0 }) {
                let elapsed = ContinuousClock.now - started
                if !baselineTried && elapsed >= warmUp {
                    baselineTried = true
                    do { before = try await StatsSnapshot.take(session) } catch { note("the baseline snapshot failed: \(error)") }
                }
                do {
                    let sample = try await ActivitySample.take(session, second: elapsed.seconds, transactions: onSample != nil)
                    samples.append(sample)
                    onSample?(sample)
                } catch {
                    if failedSamples == 0 { firstSampleFailure = "at \(Int(elapsed.seconds))s: \(error)" }
                    failedSamples += 1
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
        let result = try await load.value
        // Statements the service still runs for requests already sent belong to this load: wait (briefly)
        // until the database is quiet, so that a request's queries are not split across the snapshot.
        // Not after an interruption: the user is waiting for the process to end.
        let quietBy = ContinuousClock.now + drainLimit
        while !Task.isCancelled, ContinuousClock.now < quietBy,
              let sample = try? await ActivitySample.take(session, second: (ContinuousClock.now - started).seconds),
              sample.active > 0 {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if failedSamples > 0 {
            note(failedSamples == 1 ? "an activity sample failed (\(firstSampleFailure))"
                : "\(failedSamples) activity samples failed (the first \(firstSampleFailure))")
        }
        var observation = Observation(before: .empty(), after: .empty(), samples: samples, notes: [])
        do {
            let after = try await StatsSnapshot.take(session)
            observation.after = after
            if let missing = after.statementsUnavailable {
                note("pg_stat_statements could not be read (\(missing)); query figures are missing")
            }
            if let before, before.serverStartedAt != after.serverStartedAt {
                observation.didServerRestart = true
                note("PostgreSQL restarted during the run: its statistics started again, so the run's statement,"
                    + " table, index and cache figures are left out (the activity samples are kept)")
                observation.before = after
            } else if let before {
                observation.before = before
            } else {
                // A load shorter than its warm-up, or a baseline that failed: empty deltas, not wrong ones.
                observation.before = after
            }
        } catch {
            observation.isDatabaseLost = true
            observation.before = before ?? .empty()
            observation.after = observation.before
            note("the database could not be read after the load (\(error)); the run's database figures are missing")
        }
        if session.reconnects > 0 && !observation.didServerRestart {
            note("the connection to the database was lost and opened again \(session.reconnects) times during the run")
        }
        observation.notes = notes
        return (result, observation)
    }
}
