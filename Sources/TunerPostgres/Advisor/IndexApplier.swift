import Foundation

extension IndexAdvisor {
    /// Creates the suggested indexes with `CREATE INDEX CONCURRENTLY`, one at a time, in a session
    /// opened for writing only for this (`--apply`). Reads and writes on the tables go on meanwhile.
    public static func apply(_ suggestions: [IndexSuggestion], settings: ConnectionSettings,
                             progress: @Sendable (String) -> Void = { _ in }) async throws -> [AppliedIndex] {
        var options = DatabaseSession.Options.applying
        // A concurrent build waits for transactions older than it; a short lock_timeout would abort it
        // on any busy server. Waiting does not block other sessions' reads or writes.
        options.lockTimeout = .seconds(60)
        return try await DatabaseSession.withSession(settings, options: options) { session in
            try await apply(suggestions, session: session, progress: progress)
        }
    }

    /// Creates the suggested indexes in a session that allows writes; each outside any transaction block
    /// (which `CONCURRENTLY` requires). A build that fails leaves an invalid index, which is dropped again.
    public static func apply(_ suggestions: [IndexSuggestion], session: DatabaseSession,
                             progress: @Sendable (String) -> Void = { _ in }) async throws(DatabaseError)
        -> [AppliedIndex]
    {
        guard session.options.allowsWrites else {
            throw DatabaseError("creating indexes needs a session that allows writes (--apply)")
        }
        var applied: [AppliedIndex] = []
        let clock = ContinuousClock()
        for (number, suggestion) in suggestions.enumerated() {
            progress("creating \(suggestion.name) on \(suggestion.table) (\(number + 1)/\(suggestions.count))")
            let start = clock.now
            var result = AppliedIndex(name: suggestion.name, statement: suggestion.statement, succeeded: false,
                                      seconds: 0, sizeBytes: nil, error: nil)
            do {
                try await createIndex(suggestion.statement, session: session)
                result.succeeded = true
                result.sizeBytes = try await session.scalar(
                    "SELECT pg_relation_size(c.oid)::int8 AS size FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                    [suggestion.table.schema, suggestion.name])?.int
            } catch {
                result.error = QueryPlanner.serverMessage(error)
            }
            let elapsed = clock.now - start
            result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            progress(result.succeeded
                ? "created \(suggestion.name) in \(String(format: "%.1f", result.seconds)) s"
                : "failed \(suggestion.name): \(result.error ?? "")")
            applied.append(result)
        }
        return applied
    }

    /// Runs one `CREATE [UNIQUE] INDEX CONCURRENTLY …` statement (a trailing `;` is dropped) in a session
    /// that allows writes. A concurrent build that fails leaves an invalid index behind: the one this
    /// statement left is dropped again before the error is rethrown — not another session's invalid or
    /// still-building index (those were invalid before the statement ran).
    public static func createIndex(_ statement: String, session: DatabaseSession) async throws(DatabaseError) {
        var sql = statement.trimmingCharacters(in: .whitespacesAndNewlines)
        if sql.hasSuffix(";") { sql.removeLast() }
        let before = (try? await invalidIndexes(session)) ?? []
        do {
            try await session.execute(sql)
        } catch {
            for name in ((try? await invalidIndexes(session)) ?? []).subtracting(before) {
                try? await session.execute("DROP INDEX CONCURRENTLY IF EXISTS \(name)")
            }
            throw error
        }
    }

    /// Every invalid index in the database, as quoted `schema.name`.
    private static func invalidIndexes(_ session: DatabaseSession) async throws(DatabaseError) -> Set<String> {
        let rows = try await session.rows("""
            SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT i.indisvalid
            """)
        return Set(rows.compactMap { $0.string("name") })
    }
}
