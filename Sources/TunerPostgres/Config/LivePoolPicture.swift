import TunerCore

/// The live connection picture of a server: its limits, its client connections by state, and the peak
/// number of active connections during a short sample.
public struct LivePoolPicture: Sendable {
    public let maxConnections: Int
    /// superuser_reserved_connections plus (PostgreSQL 16+) reserved_connections: slots ordinary roles cannot use.
    public let reservedConnections: Int
    /// Client connections by state (`active`, `idle`, `idle in transaction`, …), tuner's own excluded.
    public let connectionsByState: [(state: String, count: Int)]
    /// Sessions whose state this role may not see (other roles' sessions, without pg_read_all_stats / pg_monitor).
    public let invisibleSessions: Int
    /// Client connections when the sample started.
    public let clientConnections: Int
    public let peakActive: Int
    /// The most client connections open at one time during the sample.
    public let peakOpen: Int
    public let averageActive: Double
    public let samples: Int
    public let sampleDuration: Duration

    /// Connections ordinary roles can open.
    public var usableConnections: Int { max(0, maxConnections - reservedConnections) }

    /// Samples pg_stat_activity every `interval` for `duration`; `progress` gets (samples done, samples planned).
    public static func observe(in session: DatabaseSession, duration: Duration, interval: Duration = .milliseconds(100),
                               progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(DatabaseError)
        -> LivePoolPicture
    {
        let limits = try await session.rows("""
            SELECT current_setting('max_connections')::int AS max_connections,
                   current_setting('superuser_reserved_connections')::int
                   + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved
            """)
        // Without pg_read_all_stats, other roles' sessions show neither backend_type nor state; those in a
        // database are counted as hidden client sessions (autovacuum workers may be among them).
        let byState = try await session.rows("""
            SELECT state, count(*)::int AS n FROM pg_stat_activity
            WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND datid IS NOT NULL))
              AND pid <> pg_backend_pid()
            GROUP BY state ORDER BY count(*) DESC, state
            """)
        var states: [(state: String, count: Int)] = []
        var invisible = 0
        for row in byState {
            let count = Int(row.int("n") ?? 0)
            if let state = row.string("state") { states.append((state, count)) } else { invisible += count }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let planned = Int((duration / interval).rounded(.down)) + 1
        var peakActive = 0, peakOpen = 0, totalActive = 0, samples = 0
        repeat {
            let row = try await session.rows("""
                SELECT count(*) FILTER (WHERE state = 'active')::int AS active, count(*)::int AS open
                FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
                """).first
            let active = Int(row?.int("active") ?? 0)
            peakActive = max(peakActive, active)
            peakOpen = max(peakOpen, Int(row?.int("open") ?? 0))
            totalActive += active
            samples += 1
            progress?(samples, planned)
            let next = start.advanced(by: interval * samples)
            if next - start > duration { break }
            try? await Task.sleep(until: next, clock: clock)
        } while true
        let first = limits.first
        return LivePoolPicture(
            maxConnections: Int(first?.int("max_connections") ?? 0), reservedConnections: Int(first?.int("reserved") ?? 0),
            connectionsByState: states, invisibleSessions: invisible,
            clientConnections: states.reduce(invisible) { $0 + $1.1 }, peakActive: peakActive, peakOpen: peakOpen,
            averageActive: Double(totalActive) / Double(samples), samples: samples,
            sampleDuration: clock.now - start)
    }

    /// Plain-language findings about this picture against a recommended pool.
    public func assessment(against sizing: PoolSizing) -> [String] {
        var lines: [String] = []
        let usable = usableConnections
        if usable > 0 {
            let share = Double(peakOpen) / Double(usable)
            if share >= 0.8 {
                lines.append("\(peakOpen) of \(usable) usable connections were open (\(Int((share * 100).rounded()))%):"
                    + " the server is close to max_connections; new connections will be refused")
            }
        }
        if peakOpen > 0 && peakActive >= peakOpen {
            lines.append("every open connection (\(peakOpen)) was active at once: the application's pool is saturated"
                + " and requests wait for a connection")
        }
        if peakActive > sizing.totalConnections {
            lines.append("peak active \(peakActive) exceeds the recommended pool of \(sizing.totalConnections):"
                + " with that pool, the excess would queue in the pool instead of competing inside PostgreSQL")
        } else {
            lines.append("peak active \(peakActive) fits in the recommended pool of \(sizing.totalConnections):"
                + " a pool of that size would not have saturated during the sample")
        }
        if maxConnections < sizing.serverConnectionsNeeded {
            lines.append("max_connections = \(maxConnections) is below the \(sizing.serverConnectionsNeeded) this pool needs"
                + " (pool + reserve + superuser and admin slots)")
        }
        if invisibleSessions > 0 {
            lines.append("\(invisibleSessions) session(s) belong to other roles and show no state to this role:"
                + " grant pg_monitor (or pg_read_all_stats) to see them")
        }
        return lines
    }
}
