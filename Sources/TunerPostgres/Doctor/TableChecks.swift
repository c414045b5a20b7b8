import Foundation
import TunerCore

/// Table upkeep: dead rows past the autovacuum trigger point, tables never analyzed or with stale
/// statistics, and transaction-ID / multixact wraparound headroom.
enum TableChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "vacuum-and-analyze", family: .tables, run: upkeep),
        DoctorCheck(name: "wraparound", family: .tables, run: wraparound),
    ]

    /// The point at which autovacuum acts on a table: `threshold + scale_factor × reltuples`, with the
    /// table's own storage parameters taking precedence over the server settings.
    struct Trigger {
        var threshold: Double
        var scaleFactor: Double
        func point(rows: Double) -> Double { threshold + scaleFactor * max(rows, 0) }
    }

    static func upkeep(_ context: DoctorContext) async throws -> CheckOutcome {
        let thresholds = context.thresholds
        let minimumDead = thresholds[DoctorThresholds.deadTuplesMinimum]
        let minimumRows = thresholds[DoctorThresholds.neverAnalyzedMinRows]
        let rows = try await context.rows(
            """
            SELECT \(DoctorSQL.qualified("s.schemaname", "s.relname")) AS table_name,
              s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze, c.reltuples::float8 AS reltuples,
              array_to_string(c.reloptions, ',') AS options,
              extract(epoch FROM now() - greatest(s.last_vacuum, s.last_autovacuum))::float8 AS vacuum_age,
              extract(epoch FROM now() - greatest(s.last_analyze, s.last_autoanalyze))::float8 AS analyze_age,
              s.autovacuum_count, s.vacuum_count
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE c.relkind IN ('r', 'm') AND (s.n_dead_tup >= $1 OR s.n_mod_since_analyze >= $2
              OR (s.last_analyze IS NULL AND s.last_autoanalyze IS NULL AND s.n_live_tup + s.n_dead_tup >= $2))
            ORDER BY s.n_dead_tup DESC
            """, [minimumDead, minimumRows])
        let settings = context.settings
        let autovacuumOn = settings["autovacuum"]?.isOn ?? true
        let lag = thresholds[DoctorThresholds.autovacuumLagFactor]
        let naptime = settings["autovacuum_naptime"]?.seconds ?? 60
        var findings: [Finding] = []
        for row in rows {
            let table = row.string("table_name") ?? "?"
            let options = storageParameters(row.string("options"))
            let live = Double(row.int("n_live_tup") ?? 0)
            let dead = Double(row.int("n_dead_tup") ?? 0)
            let reltuples = row.double("reltuples") ?? -1
            let rowsForTrigger = reltuples < 0 ? 0 : reltuples
            let tableAutovacuum = options["autovacuum_enabled"].map { $0 == "true" || $0 == "on" } ?? true
            let vacuum = Trigger(
                threshold: options["autovacuum_vacuum_threshold"].flatMap { Double($0) }
                    ?? settings["autovacuum_vacuum_threshold"]?.number ?? 50,
                scaleFactor: options["autovacuum_vacuum_scale_factor"].flatMap { Double($0) }
                    ?? settings["autovacuum_vacuum_scale_factor"]?.number ?? 0.2)
            let analyze = Trigger(
                threshold: options["autovacuum_analyze_threshold"].flatMap { Double($0) }
                    ?? settings["autovacuum_analyze_threshold"]?.number ?? 50,
                scaleFactor: options["autovacuum_analyze_scale_factor"].flatMap { Double($0) }
                    ?? settings["autovacuum_analyze_scale_factor"]?.number ?? 0.1)
            let vacuumPoint = vacuum.point(rows: rowsForTrigger)
            let vacuumAge = row.double("vacuum_age")
            let analyzeAge = row.double("analyze_age")
            let disabled = !tableAutovacuum || !autovacuumOn
            if dead >= minimumDead && dead >= (disabled ? 0 : vacuumPoint * lag) {
                var fix = "VACUUM (ANALYZE, VERBOSE) \(table);"
                if !tableAutovacuum { fix += "\nALTER TABLE \(table) RESET (autovacuum_enabled);" }
                if !autovacuumOn { fix += "\nALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();" }
                if tableAutovacuum && autovacuumOn && rowsForTrigger >= 1_000_000 {
                    fix += "\nALTER TABLE \(table) SET (autovacuum_vacuum_scale_factor = 0.02);  -- vacuum large tables sooner"
                }
                findings.append(.check(
                    "dead-tuples", .warning, object: table,
                    title: "\(table) has \(Int64(dead)) dead rows (\(Measure.percent("", dead / max(dead + live, 1)).value))",
                    evidence: [Measure.count("dead rows", Int64(dead)), Measure.count("live rows", Int64(live)),
                               Measure.percent("dead share", dead / max(dead + live, 1)),
                               Measure.count("autovacuum trigger point", Int64(vacuumPoint.rounded())),
                               Measure.text("autovacuum for table", tableAutovacuum ? "on" : "off"),
                               ageEvidence("last vacuum", vacuumAge)],
                    why: disabled
                        ? "Autovacuum is off for this table, so dead rows are never cleaned: scans read them and the table only grows."
                        : "Autovacuum has fallen behind on this table: dead rows slow every scan and bloat the table and its indexes.",
                    fix: fix))
            }
            let modified = Double(row.int("n_mod_since_analyze") ?? 0)
            if analyzeAge == nil && live + dead >= minimumRows {
                findings.append(.check(
                    "table-never-analyzed", .warning, object: table,
                    title: "\(table) has \(Int64(live)) rows and has never been analyzed",
                    evidence: [Measure.count("live rows", Int64(live)), Measure.count("rows modified", Int64(modified)),
                               Measure.text("autovacuum for table", tableAutovacuum ? "on" : "off")],
                    why: "Without statistics the planner guesses row counts and value distributions, and picks bad plans.",
                    fix: "ANALYZE \(table);"))
            } else if let analyzeAge, modified >= max(minimumRows, analyze.point(rows: rowsForTrigger) * lag),
                      disabled || analyzeAge >= 2 * naptime {
                // With autovacuum on, a table past its trigger point is analyzed within a naptime or two.
                findings.append(.check(
                    "stale-statistics", .warning, object: table,
                    title: "\(table) changed \(Int64(modified)) rows since its last analyze",
                    evidence: [Measure.count("rows modified since analyze", Int64(modified)),
                               Measure.count("live rows", Int64(live)),
                               Measure.count("autoanalyze trigger point", Int64(analyze.point(rows: rowsForTrigger).rounded())),
                               ageEvidence("last analyze", analyzeAge)],
                    why: "The planner's statistics describe a table that no longer exists; estimates and plans drift.",
                    fix: "ANALYZE \(table);"))
            }
        }
        return CheckOutcome(findings: findings)
    }

    static func wraparound(_ context: DoctorContext) async throws -> CheckOutcome {
        let rows = try await context.rows(
            """
            SELECT datname::text AS name, age(datfrozenxid)::bigint AS xid_age, mxid_age(datminmxid)::bigint AS mxid_age
            FROM pg_database WHERE datallowconn ORDER BY 2 DESC
            """)
        let oldest = try await context.rows(
            """
            SELECT \(DoctorSQL.qualified("n.nspname", "c.relname")) AS table_name, age(c.relfrozenxid)::bigint AS xid_age,
              mxid_age(c.relminmxid)::bigint AS mxid_age
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'm', 't') ORDER BY age(c.relfrozenxid) DESC LIMIT 3
            """)
        let limit = 2_147_483_647.0
        let warning = context.thresholds[DoctorThresholds.wraparoundWarning]
        let critical = context.thresholds[DoctorThresholds.wraparoundCritical]
        let freezeMax = context.settings["autovacuum_freeze_max_age"]?.number
        var findings: [Finding] = []
        var overview: [Finding.Evidence] = []
        for row in rows {
            let name = row.string("name") ?? "?"
            for (kind, column) in [("xid", "xid_age"), ("multixact", "mxid_age")] {
                let age = Double(row.int(column) ?? 0)
                let used = age / limit
                if name == context.database && kind == "xid" { overview.append(Measure.percent("xid horizon used", used)) }
                guard used >= warning else { continue }
                let tables = oldest.compactMap { $0.string("table_name") }
                let fix = tables.isEmpty
                    ? "VACUUM (FREEZE, VERBOSE);  -- in database \(name)"
                    : tables.map { "VACUUM (FREEZE, VERBOSE) \($0);" }.joined(separator: "\n")
                        + (name == context.database ? "" : "\n-- (the tables listed are this database's; connect to \(name) for its own)")
                var evidence = [Measure.count("age", Int64(age)), Measure.percent("horizon used", used),
                                Measure.count("remaining", Int64(limit - age))]
                if let freezeMax { evidence.append(Measure.count("autovacuum_freeze_max_age", Int64(freezeMax))) }
                findings.append(.check(
                    kind == "xid" ? "xid-wraparound" : "multixact-wraparound", used >= critical ? .critical : .warning,
                    object: "database \(name)",
                    title: "Database \(name) has used \(Measure.percent("", used).value) of its \(kind == "xid" ? "transaction-ID" : "multixact") horizon",
                    evidence: evidence,
                    why: "At the limit PostgreSQL stops accepting writes until a VACUUM FREEZE completes; old open transactions, prepared transactions and stale replication slots hold the horizon back.",
                    fix: fix))
            }
        }
        return CheckOutcome(findings: findings, overview: overview)
    }

    /// `reloptions` (`autovacuum_enabled=false,fillfactor=90`) as a dictionary.
    static func storageParameters(_ text: String?) -> [String: String] {
        var out: [String: String] = [:]
        for pair in (text ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        return out
    }

    static func ageEvidence(_ name: String, _ seconds: Double?) -> Finding.Evidence {
        guard let seconds else { return Measure.text(name, "never") }
        return Finding.Evidence(name, "\(Duration.seconds(seconds).shortDescription) ago", number: seconds)
    }
}
