import Foundation
import TunerCore

/// Query checks from pg_stat_statements: slow statements by mean, dominant ones by total time, statements
/// spilling to temporary files, whether the extension works at all, and how old the statistics are.
enum QueryChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "pg-stat-statements", family: .queries, run: statements),
        DoctorCheck(name: "statistics-age", family: .queries, run: statisticsAge),
    ]

    static func statements(_ context: DoctorContext) async throws -> CheckOutcome {
        let availability = try await StatementStatisticsReader.availability(session: context.session)
        guard let schema = availability.schema, availability.isPreloaded != false else {
            return CheckOutcome(findings: [missing(availability)],
                                overview: [Measure.text("pg_stat_statements", "not available")])
        }
        let leaders = try await StatementStatisticsReader.readLeaders(
            session: context.session, schema: schema, top: Int(context.thresholds[DoctorThresholds.topQueries]),
            minimumCalls: Int64(context.thresholds[DoctorThresholds.slowQueryMinCalls]))
        let (statements, total, hidden) = (leaders.statements, leaders.totalMilliseconds, leaders.hiddenStatements)
        let limitation = hidden > 0
            ? "\(hidden) pg_stat_statements entries of other roles are hidden — \(context.privileges.grantHint)" : nil
        let findings = slow(statements, context) + dominant(statements, total: total, context)
            + spilling(statements, context)
        return CheckOutcome(
            findings: findings,
            overview: [Measure.count("statements tracked", Int64(leaders.count)),
                       Measure.milliseconds("statement time tracked", total.rounded())],
            limitation: limitation)
    }

    static func missing(_ availability: StatementStatisticsAvailability) -> Finding {
        let installed = availability.schema != nil
        var fix: [String] = []
        if availability.isPreloaded != true {
            let current = availability.preloadLibraries?.split(separator: ",")
                .map { $0.trimmingCharacters(in: .init(charactersIn: " \"'")) }.filter { !$0.isEmpty } ?? []
            let libraries = (current + ["pg_stat_statements"]).joined(separator: ",")
            fix.append("ALTER SYSTEM SET shared_preload_libraries = '\(libraries)';"
                + (availability.preloadLibraries == nil ? "  -- keep any libraries already listed" : ""))
            fix.append("ALTER SYSTEM SET pg_stat_statements.track = 'top';")
            fix.append("-- then restart PostgreSQL (a reload is not enough for shared_preload_libraries)")
        }
        if !installed { fix.append("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;") }
        let preloaded = availability.isPreloaded.map { $0 ? "yes" : "no" } ?? "unknown (setting hidden from this role)"
        let what = installed ? "not preloaded" : (availability.isPreloaded == false ? "neither installed nor preloaded" : "not installed in this database")
        return .check(
            "pg-stat-statements-missing", .warning, object: "pg_stat_statements",
            title: "pg_stat_statements is \(what): no per-query statistics",
            evidence: [Measure.text("extension installed", installed ? "yes" : "no"),
                       Measure.text("library preloaded", preloaded)],
            why: "Without pg_stat_statements nobody can tell which statements use the database's time, so slow queries are found by guessing.",
            fix: fix.joined(separator: "\n"))
    }

    static func slow(_ statements: [StatementStatistics], _ context: DoctorContext) -> [Finding] {
        let limit = context.thresholds[DoctorThresholds.slowQueryMean] * 1000
        let minimumCalls = Int64(context.thresholds[DoctorThresholds.slowQueryMinCalls])
        let top = Int(context.thresholds[DoctorThresholds.topQueries])
        return statements.filter { $0.stats.meanMilliseconds >= limit && $0.stats.calls >= minimumCalls }
            .sorted { $0.stats.meanMilliseconds > $1.stats.meanMilliseconds }
            .prefix(top)
            .map { statement in
                let s = statement.stats
                return .check(
                    "slow-query", .warning, object: "query \(s.queryID)",
                    title: "Slow statement: mean \(Measure.milliseconds("", s.meanMilliseconds).value) over \(s.calls) calls",
                    evidence: evidence(statement, context),
                    why: "Each call takes \(Measure.milliseconds("", s.meanMilliseconds).value) on average (slow-query-mean is \(Measure.milliseconds("", limit).value)); its plan shows whether an index, a rewrite or more work_mem fixes it.",
                    fix: explain(s.query))
            }
    }

    static func dominant(_ statements: [StatementStatistics], total: Double, _ context: DoctorContext) -> [Finding] {
        guard total > 0 else { return [] }
        let share = context.thresholds[DoctorThresholds.topQueryShare]
        let top = Int(context.thresholds[DoctorThresholds.topQueries])
        return statements.prefix(top).filter { $0.stats.totalMilliseconds / total >= share }.map { statement in
            let s = statement.stats
            return .check(
                "top-query-total", .info, object: "query \(s.queryID)",
                title: "Statement takes \(Measure.percent("", s.totalMilliseconds / total).value) of all statement time",
                evidence: [Measure.percent("share of statement time", s.totalMilliseconds / total)]
                    + evidence(statement, context),
                why: "Making this one statement cheaper (or calling it less often) pays off more than anything else in this database.",
                fix: explain(s.query))
        }
    }

    static func spilling(_ statements: [StatementStatistics], _ context: DoctorContext) -> [Finding] {
        let blockSize = Double(context.settings["block_size"]?.number ?? 8192)
        let limit = context.thresholds[DoctorThresholds.tempSpillSize]
        let top = Int(context.thresholds[DoctorThresholds.topQueries])
        let workMem = context.settings["work_mem"]?.bytes
        return statements.filter { Double($0.stats.tempBlocksWritten) * blockSize >= max(limit, 1) }
            .sorted { $0.stats.tempBlocksWritten > $1.stats.tempBlocksWritten }
            .prefix(top)
            .map { statement in
                let s = statement.stats
                let written = Double(s.tempBlocksWritten) * blockSize
                let perCall = written / Double(max(s.calls, 1))
                // A sort or hash needs roughly twice its temp-file size in memory; round up to a power of two.
                var suggested = Double(1 << 20)
                while suggested < perCall * 2 && suggested < Double(1 << 30) { suggested *= 2 }
                var evidence = [Measure.bytes("temp written", Int64(written)), Measure.bytes("temp per call", Int64(perCall))]
                // Index builds and other maintenance sort within maintenance_work_mem, not work_mem.
                let verb = s.query.trimmingCharacters(in: .whitespacesAndNewlines).prefix { $0.isLetter }.uppercased()
                let setting = ["CREATE", "ALTER", "REINDEX", "CLUSTER", "VACUUM"].contains(verb)
                    ? "maintenance_work_mem" : "work_mem"
                if let current = context.settings[setting]?.bytes ?? (setting == "work_mem" ? workMem : nil) {
                    evidence.append(Measure.bytes(setting, current))
                }
                evidence += Self.evidence(statement, context)
                return .check(
                    "query-temp-spill", .warning, object: "query \(s.queryID)",
                    title: "Statement spills \(ByteSize(bytes: Int64(perCall)).humanDescription) per call to temporary files",
                    evidence: evidence,
                    why: "Sorts and hashes larger than \(setting) go to disk, which is many times slower than memory.",
                    fix: "SET \(setting) = '\(Measure.suggestedSize(suggested))';  -- in the session (or ALTER ROLE … SET) that runs this statement\(setting == "work_mem" ? "; raising it server-wide multiplies by connections" : "")")
            }
    }

    static func statisticsAge(_ context: DoctorContext) async throws -> CheckOutcome {
        guard context.statisticsAreYoung, let age = context.statisticsAgeSeconds else { return CheckOutcome() }
        var evidence = [Measure.seconds("statistics age", age),
                        Measure.seconds("stats-min-age", context.thresholds[DoctorThresholds.statsMinimumAge])]
        if let reset = context.statisticsReset { evidence.append(Measure.text("reset at", "\(reset)")) }
        return CheckOutcome(findings: [.check(
            "stats-recently-reset", .info, object: "statistics",
            title: "Usage statistics cover only the last \(Duration.seconds(age).shortDescription)",
            evidence: evidence,
            why: "Scan counters and query totals started recently (a reset or a restart), so an index unused so far may still be needed: usage findings are informational until the statistics are older.",
            fix: nil)])
    }

    /// The figures every query finding shows, in the order a reader wants them.
    static func evidence(_ statement: StatementStatistics, _ context: DoctorContext) -> [Finding.Evidence] {
        let s = statement.stats
        let accessed = s.sharedBlocksHit + s.sharedBlocksRead
        var out = [
            Measure.count("calls", s.calls),
            Measure.milliseconds("mean", s.meanMilliseconds),
            Measure.milliseconds("stddev", statement.stddevMilliseconds),
            Measure.milliseconds("max", statement.maxMilliseconds),
            Measure.milliseconds("total", s.totalMilliseconds),
            Finding.Evidence("rows per call", Double(s.rows) / Double(max(s.calls, 1))),
            Measure.count("shared blocks hit", s.sharedBlocksHit),
            Measure.count("shared blocks read", s.sharedBlocksRead),
            Measure.count("temp blocks written", s.tempBlocksWritten),
        ]
        if accessed > 0 { out.append(Measure.percent("cache hit", Double(s.sharedBlocksHit) / Double(accessed))) }
        out.append(Measure.statement("query", s.query))
        return out
    }

    /// `EXPLAIN (ANALYZE, BUFFERS)` for statements EXPLAIN accepts; `nil` for utility statements (ANALYZE, COPY…).
    static func explain(_ query: String) -> String? {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        let verb = trimmed.prefix { $0.isLetter }.uppercased()
        guard ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "MERGE", "VALUES", "TABLE"].contains(verb) else {
            return nil
        }
        let body = trimmed.hasSuffix(";") ? String(trimmed.dropLast()) : trimmed
        let note = body.contains("$1") ? "\n-- replace $1, $2, … with real values first" : ""
        // EXPLAIN ANALYZE runs the statement: a write is explained inside a transaction that is rolled back.
        let writes = verb != "SELECT" && verb != "VALUES" && verb != "TABLE"
        let explain = "EXPLAIN (ANALYZE, BUFFERS) \(body);"
        return (writes ? "BEGIN;\n\(explain)\nROLLBACK;" : explain) + note
    }
}
