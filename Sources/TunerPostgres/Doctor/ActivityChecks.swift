import TunerCore

/// What the sessions are doing now: connections against the limit, sessions idle inside a transaction,
/// long statements, statements waiting for locks (and who holds them), forgotten prepared transactions,
/// and signs that every request opens its own connection.
enum ActivityChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "sessions", family: .activity, run: sessions),
        DoctorCheck(name: "prepared-transactions", family: .activity, run: preparedTransactions),
        DoctorCheck(name: "connection-churn", family: .activity, run: connectionChurn),
    ]

    static func sessions(_ context: DoctorContext) async throws -> CheckOutcome {
        let all = try await SessionActivityReader.sessions(session: context.session)
        let clients = all.filter(\.isClient)
        let others = clients.filter { !$0.isSelf }
        var findings = connections(clients, context)
        findings += idleInTransaction(others, context)
        findings += longRunning(others, context)
        findings += blocked(others, all: all, context)
        let ages = others.compactMap(\.connectedSeconds)
        var overview = [Measure.count("client connections", Int64(clients.count))]
        if !ages.isEmpty {
            overview.append(Measure.seconds("average connection age", ages.reduce(0, +) / Double(ages.count)))
        }
        // Without pg_read_all_stats, other roles' processes show neither their type nor their state.
        let hidden = all.filter { $0.backendType == nil && !$0.isSelf }.count
        return CheckOutcome(
            findings: findings, overview: overview,
            limitation: hidden > 0 && !context.privileges.readsAllStats
                ? "\(hidden) server processes of other roles show no type, state or query, so their sessions are not judged — \(context.privileges.grantHint)"
                : nil)
    }

    static func connections(_ clients: [SessionActivity], _ context: DoctorContext) -> [Finding] {
        guard let maximum = context.settings["max_connections"]?.number else { return [] }
        let reserved = (context.settings["superuser_reserved_connections"]?.number ?? 3)
            + (context.settings["reserved_connections"]?.number ?? 0)
        let usable = max(1, maximum - reserved)
        let used = Double(clients.count) / usable
        let warning = context.thresholds[DoctorThresholds.connectionsWarning]
        guard used >= warning else { return [] }
        var byState: [String: Int] = [:]
        for client in clients { byState[client.state ?? "unknown", default: 0] += 1 }
        let evidence = [Measure.count("connections", Int64(clients.count)), Measure.count("usable", Int64(usable)),
                        Measure.percent("used", used), Measure.count("max_connections", Int64(maximum))]
            + byState.sorted { $0.value > $1.value }.map { Measure.count("state \($0.key)", Int64($0.value)) }
        return [.check(
            "connections-near-limit", used >= context.thresholds[DoctorThresholds.connectionsCritical] ? .critical : .warning,
            object: "max_connections",
            title: "\(clients.count) of \(Int(usable)) usable connections in use (\(Measure.percent("", used).value))",
            evidence: evidence,
            why: "When the limit is reached new connections fail with 'too many clients'; idle connections still cost memory and snapshot work.",
            fix: "-- put a transaction-mode pooler in front (tuner pool sizes it), or close idle connections in the application pool;\n-- raising the limit is the last resort: ALTER SYSTEM SET max_connections = \(Int(maximum * 1.5)); -- then restart")]
    }

    static func idleInTransaction(_ sessions: [SessionActivity], _ context: DoctorContext) -> [Finding] {
        let limit = context.thresholds[DoctorThresholds.idleInTransaction]
        let timeout = context.settings["idle_in_transaction_session_timeout"]?.seconds ?? 0
        return sessions.filter { ($0.state ?? "").hasPrefix("idle in transaction") && ($0.stateSeconds ?? 0) >= limit }
            .sorted { ($0.stateSeconds ?? 0) > ($1.stateSeconds ?? 0) }
            .map { session in
                var fix = "SELECT pg_terminate_backend(\(session.pid));  -- rolls its transaction back"
                if timeout == 0 {
                    fix += "\nALTER SYSTEM SET idle_in_transaction_session_timeout = '\(Duration.seconds(max(limit * 2, 60)).shortDescription)'; SELECT pg_reload_conf();"
                }
                return .check(
                    "idle-in-transaction", .warning, object: "pid \(session.pid)",
                    title: "Session \(session.pid) has been idle inside a transaction for \(Duration.seconds(session.stateSeconds ?? 0).shortDescription)",
                    evidence: [Measure.seconds("idle for", session.stateSeconds ?? 0),
                               Measure.seconds("transaction age", session.transactionSeconds ?? 0)]
                        + describe(session),
                    why: "An open transaction holds its locks and keeps VACUUM from removing rows that died after it began, so tables bloat while it waits.",
                    fix: fix)
            }
    }

    static func longRunning(_ sessions: [SessionActivity], _ context: DoctorContext) -> [Finding] {
        let limit = context.thresholds[DoctorThresholds.longRunningQuery]
        return sessions.filter { $0.state == "active" && $0.blockedBy.isEmpty && ($0.querySeconds ?? 0) >= limit }
            .sorted { ($0.querySeconds ?? 0) > ($1.querySeconds ?? 0) }
            .map { session in
                .check(
                    "long-running-query", .warning, object: "pid \(session.pid)",
                    title: "Statement in session \(session.pid) has been running for \(Duration.seconds(session.querySeconds ?? 0).shortDescription)",
                    evidence: [Measure.seconds("running for", session.querySeconds ?? 0),
                               Measure.text("wait event", [session.waitEventType, session.waitEvent].compactMap { $0 }.joined(separator: ": ").nonEmpty ?? "none")]
                        + describe(session),
                    why: "A long statement holds its snapshot and locks for its whole run, delaying VACUUM and any DDL queued behind it.",
                    fix: "SELECT pg_cancel_backend(\(session.pid));  -- cancels the statement, keeps the session\n-- and cap statements: ALTER ROLE \(session.user ?? "<role>") SET statement_timeout = '\(Duration.seconds(max(limit, 30)).shortDescription)';")
            }
    }

    static func blocked(_ sessions: [SessionActivity], all: [SessionActivity], _ context: DoctorContext) -> [Finding] {
        let limit = context.thresholds[DoctorThresholds.blockedQuery]
        let byPID = Dictionary(all.map { ($0.pid, $0) }, uniquingKeysWith: { first, _ in first })
        return sessions.filter { !$0.blockedBy.isEmpty && ($0.querySeconds ?? 0) >= limit }
            .sorted { ($0.querySeconds ?? 0) > ($1.querySeconds ?? 0) }
            .map { session in
                let roots = rootBlockers(of: session, byPID: byPID)
                let blocker = byPID[session.blockedBy[0]]
                var evidence = [Measure.seconds("waiting for", session.querySeconds ?? 0),
                                Measure.text("blocked by", session.blockedBy.map(String.init).joined(separator: ", ")),
                                Measure.text("lock", session.waitEvent ?? "?")]
                if let blocker {
                    evidence.append(Measure.text("blocker state", blocker.state ?? "unknown"))
                    evidence.append(Measure.seconds("blocker transaction age", blocker.transactionSeconds ?? 0))
                    evidence.append(Measure.statement("blocker query", blocker.query ?? ""))
                }
                evidence += describe(session)
                let fix = roots.map { pid in
                    let state = byPID[pid]?.state.map { " (state '\($0)')" } ?? ""
                    return "SELECT pg_terminate_backend(\(pid));  -- the session at the head of the lock queue\(state); its transaction rolls back"
                }.joined(separator: "\n")
                return .check(
                    "blocked-query", .warning, object: "pid \(session.pid)",
                    title: "Session \(session.pid) has waited \(Duration.seconds(session.querySeconds ?? 0).shortDescription) for a lock held by \(session.blockedBy.map(String.init).joined(separator: ", "))",
                    evidence: evidence,
                    why: "Lock waits stack up: everything queued behind this statement waits too, and requests time out in the application.",
                    fix: fix)
            }
    }

    /// The sessions at the head of the wait chain (blocking others without waiting themselves).
    static func rootBlockers(of session: SessionActivity, byPID: [Int: SessionActivity]) -> [Int] {
        var roots: [Int] = []
        var seen: Set<Int> = [session.pid]
        var queue = session.blockedBy
        while let pid = queue.first {
            queue.removeFirst()
            guard seen.insert(pid).inserted else { continue }
            let upstream = byPID[pid]?.blockedBy ?? []
            if upstream.isEmpty { roots.append(pid) } else { queue += upstream }
        }
        return roots.isEmpty ? session.blockedBy : roots
    }

    static func describe(_ session: SessionActivity) -> [Finding.Evidence] {
        [Measure.text("database", session.database ?? "?"), Measure.text("user", session.user ?? "?"),
         Measure.text("application", session.application?.nonEmpty ?? "none"),
         Measure.statement("query", session.query ?? "")]
    }

    static func preparedTransactions(_ context: DoctorContext) async throws -> CheckOutcome {
        let limit = context.thresholds[DoctorThresholds.preparedTransactionAge]
        let rows = try await context.rows(
            """
            SELECT gid, owner::text AS owner, database::text AS database,
              extract(epoch FROM now() - prepared)::float8 AS age
            FROM pg_prepared_xacts ORDER BY prepared
            """)
        let findings = rows.filter { ($0.double("age") ?? 0) >= limit }.map { row in
            let gid = row.string("gid") ?? "?"
            return Finding.check(
                "prepared-transaction-open", .warning, object: "prepared transaction \(DoctorSQL.literal(gid))",
                title: "Prepared transaction \(DoctorSQL.literal(gid)) has been open for \(Duration.seconds(row.double("age") ?? 0).shortDescription)",
                evidence: [Measure.seconds("open for", row.double("age") ?? 0), Measure.text("owner", row.string("owner") ?? "?"),
                           Measure.text("database", row.string("database") ?? "?")],
                why: "A prepared transaction survives restarts, keeps its locks and holds back VACUUM and the transaction-ID horizon until someone finishes it.",
                fix: "ROLLBACK PREPARED \(DoctorSQL.literal(gid));  -- or COMMIT PREPARED if its coordinator committed; run in database \(row.string("database") ?? "?")")
        }
        return CheckOutcome(findings: findings)
    }

    static func connectionChurn(_ context: DoctorContext) async throws -> CheckOutcome {
        guard context.serverVersionNumber >= 140000 else { return CheckOutcome() }
        let row = try await context.rows(
            "SELECT sessions, session_time::float8 AS session_ms FROM pg_stat_database WHERE datname = current_database()"
        ).first
        let sessions = Double(row?.int("sessions") ?? 0)
        guard sessions > 0 else { return CheckOutcome() }
        let average = (row?.double("session_ms") ?? 0) / sessions / 1000
        let overview = [Measure.seconds("average session length", average)]
        guard sessions >= context.thresholds[DoctorThresholds.shortSessionMinCount],
              average < context.thresholds[DoctorThresholds.shortSession]
        else { return CheckOutcome(overview: overview) }
        return CheckOutcome(findings: [.check(
            "short-lived-connections", .warning, object: "database \(context.database)",
            title: "Sessions last \(Duration.seconds(average).shortDescription) on average: connections look opened per request",
            evidence: [Measure.count("sessions", Int64(sessions)), Measure.seconds("average session length", average)],
            why: "Each new connection forks a server process and costs milliseconds of authentication and cache warm-up; a pool reuses them.",
            fix: "# pgbouncer.ini (or the application's pool): reuse connections\npool_mode = transaction\ndefault_pool_size = 20  # tuner pool computes the size")],
            overview: overview)
    }
}

extension String {
    /// `nil` for an empty string.
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
