/// The database's figures of the last second for `tuner run --metrics-listen`, in the Prometheus text format:
/// served after the load's own (`LiveMetrics`) on the same endpoint.
public enum DatabaseLiveMetrics {
    public static func render(_ sample: ActivitySample) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
        family("tuner_db_connections", "gauge", "The service's connections to the database by state (pg_stat_activity; Tuner's own excluded).")
        for (state, count) in [("active", sample.active), ("idle", sample.idle), ("idle_in_transaction", sample.idleInTransaction)] {
            out += "tuner_db_connections{state=\"\(state)\"} \(count)\n"
        }
        family("tuner_db_waiting_on_lock", "gauge", "Active connections waiting on a lock.")
        out += "tuner_db_waiting_on_lock \(sample.waitingOnLock)\n"
        family("tuner_db_longest_active_seconds", "gauge", "How long the longest-running active statement has run.")
        out += "tuner_db_longest_active_seconds \(sample.longestActiveMilliseconds / 1000)\n"
        if let transactions = sample.transactions {
            family("tuner_db_transactions_total", "counter", "The database's committed and rolled-back transactions (pg_stat_database).")
            out += "tuner_db_transactions_total \(transactions)\n"
        }
        return out
    }
}
