import TunerCore

/// Finds a service's connection-pool figures in its Prometheus metrics, whatever the client library.
///
/// Recognised (any namespace prefix): `…db_pool_connections{state="in_use"|"idle"}`, `…db_pool_waiting`,
/// `…db_pool_max_connections` (the demo shop and Tuner's conventions); HikariCP's
/// `hikaricp_connections_active|idle|pending|max`; Go's `go_sql_in_use_connections`, `go_sql_idle_connections`,
/// `go_sql_max_open_connections`; pgx's `pgxpool_acquired_conns|idle_conns|max_conns`; SQLAlchemy exporters'
/// `…pool_checked_out|checked_in|overflow`. Anything else is left out, and the run says the pool was not seen.
public enum PoolMetricsReader {
    /// The pool figures in one scrape, or `nil` when the metrics name no pool.
    public static func sample(_ samples: [PrometheusText.Sample], second: Int) -> PoolSample? {
        var inUse: Double?
        var idle: Double?
        var waiting: Double?
        var size: Double?
        func add(_ value: Double, to slot: inout Double?) { slot = (slot ?? 0) + value }
        for s in samples {
            let name = s.name.lowercased()
            let state = (s.labels["state"] ?? s.labels["status"])?.lowercased()
            if name.hasSuffix("pool_connections") || name.hasSuffix("pool_conns") {
                switch state {
                case "in_use", "inuse", "active", "used", "busy", "acquired": add(s.value, to: &inUse)
                case "idle", "free", "available": add(s.value, to: &idle)
                default: break
                }
            } else if name.hasSuffix("pool_waiting") || name.hasSuffix("connections_pending")
                        || name.hasSuffix("pool_pending") || name.hasSuffix("pool_wait_queue") {
                add(s.value, to: &waiting)
            } else if name.hasSuffix("pool_max_connections") || name.hasSuffix("connections_max")
                        || name.hasSuffix("max_open_connections") || name.hasSuffix("pool_max_conns")
                        || name.hasSuffix("pool_size") {
                add(s.value, to: &size)
            } else if name.hasSuffix("connections_active") || name.hasSuffix("in_use_connections")
                        || name.hasSuffix("acquired_conns") || name.hasSuffix("pool_checked_out") {
                add(s.value, to: &inUse)
            } else if name.hasSuffix("connections_idle") || name.hasSuffix("idle_connections")
                        || name.hasSuffix("idle_conns") || name.hasSuffix("pool_checked_in") {
                add(s.value, to: &idle)
            }
        }
        guard inUse != nil || waiting != nil else { return nil }
        return PoolSample(second: second, inUse: Int(inUse ?? 0), idle: Int(idle ?? 0), waiting: Int(waiting ?? 0),
                          size: size.map { Int($0) })
    }
}
