import TunerCore

/// Settings that differ from sane values in a way that hurts: each rule says what is wrong, why, and the
/// setting to paste.
enum ConfigurationChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "configuration", family: .configuration, run: configuration),
    ]

    /// One rule about one setting.
    struct Rule: Sendable {
        var id: String
        var setting: String
        var severity: Severity
        /// True when the current value is a problem.
        var isProblem: @Sendable (ServerSettings.Setting, DoctorContext) -> Bool
        var why: String
        /// The value to set.
        var fixValue: @Sendable (ServerSettings.Setting, DoctorContext) -> String
    }

    static let rules: [Rule] = [
        Rule(id: "fsync-off", setting: "fsync", severity: .critical, isProblem: { s, _ in !s.isOn },
             why: "A crash or power loss can corrupt the whole cluster beyond repair; never run production with fsync off.",
             fixValue: { _, _ in "on" }),
        Rule(id: "full-page-writes-off", setting: "full_page_writes", severity: .critical, isProblem: { s, _ in !s.isOn },
             why: "After a crash in the middle of a page write, torn pages cannot be repaired and data is silently corrupt.",
             fixValue: { _, _ in "on" }),
        Rule(id: "autovacuum-off", setting: "autovacuum", severity: .critical, isProblem: { s, _ in !s.isOn },
             why: "Without autovacuum dead rows pile up, statistics go stale and, eventually, the server stops to prevent transaction-ID wraparound.",
             fixValue: { _, _ in "on" }),
        Rule(id: "track-counts-off", setting: "track_counts", severity: .critical, isProblem: { s, _ in !s.isOn },
             why: "Autovacuum relies on these counters to know which tables need work, and so do most of these checks.",
             fixValue: { _, _ in "on" }),
        Rule(id: "synchronous-commit-off", setting: "synchronous_commit", severity: .info,
             isProblem: { s, _ in s.value == "off" },
             why: "A crash loses the last few hundred milliseconds of acknowledged commits; fine for some data, surprising for most.",
             fixValue: { _, _ in "on" }),
        Rule(id: "log-min-duration-statement-unset", setting: "log_min_duration_statement", severity: .info,
             isProblem: { s, _ in s.value == "-1" },
             why: "Slow statements are never logged, so a slow request leaves no trace with its parameters.",
             fixValue: { _, _ in "250ms" }),
        Rule(id: "log-lock-waits-off", setting: "log_lock_waits", severity: .info, isProblem: { s, _ in !s.isOn },
             why: "Lock waits longer than deadlock_timeout go unlogged, so contention is invisible after the fact.",
             fixValue: { _, _ in "on" }),
        Rule(id: "log-temp-files-off", setting: "log_temp_files", severity: .info, isProblem: { s, _ in s.value == "-1" },
             why: "Sorts and hashes spilling to disk go unlogged, so undersized work_mem is hard to spot.",
             fixValue: { _, _ in "0" }),
        Rule(id: "track-io-timing-off", setting: "track_io_timing", severity: .info, isProblem: { s, _ in !s.isOn },
             why: "Without it pg_stat_statements and EXPLAIN cannot tell time spent reading from disk from time spent computing.",
             fixValue: { _, _ in "on" }),
        Rule(id: "idle-in-transaction-timeout-unset", setting: "idle_in_transaction_session_timeout", severity: .info,
             isProblem: { s, _ in s.value == "0" },
             why: "A client that forgets to commit holds locks and blocks VACUUM until someone notices; a timeout ends such sessions.",
             fixValue: { _, _ in "5min" }),
        Rule(id: "max-connections-high", setting: "max_connections", severity: .warning,
             isProblem: { s, c in (s.number ?? 0) >= c.thresholds[DoctorThresholds.maxConnectionsHigh] },
             why: "Hundreds of server processes contend for CPU, locks and snapshots; a pooler in front of ~2-4× cores connections does more work.",
             fixValue: { _, _ in "200" }),
    ]

    static func configuration(_ context: DoctorContext) async throws -> CheckOutcome {
        let findings: [Finding] = rules.compactMap { rule in
            guard let setting = context.settings[rule.setting], rule.isProblem(setting, context) else { return nil }
            let value = rule.fixValue(setting, context)
            let apply = setting.needsRestart ? "  -- then restart PostgreSQL" : " SELECT pg_reload_conf();"
            return .check(
                rule.id, rule.severity, object: rule.setting,
                title: "\(rule.setting) = \(setting.display)",
                evidence: [Measure.text("value", setting.display), Measure.text("source", setting.source ?? "unknown"),
                           Measure.text("suggested", value)],
                why: rule.why,
                fix: "ALTER SYSTEM SET \(rule.setting) = \(DoctorSQL.literal(value));\(apply)")
        }
        return CheckOutcome(findings: findings)
    }
}
