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
                try await session.execute(String(suggestion.statement.dropLast(suggestion.statement.hasSuffix(";") ? 1 : 0)))
                result.succeeded = true
                result.sizeBytes = try await session.scalar(
                    "SELECT pg_relation_size(c.oid)::int8 AS size FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                    [suggestion.table.schema, suggestion.name])?.int
            } catch {
                result.error = QueryPlanner.serverMessage(error)
                await dropInvalid(suggestion, session: session)
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

    /// Removes what a failed concurrent build left behind (an invalid index), if anything.
    private static func dropInvalid(_ suggestion: IndexSuggestion, session: DatabaseSession) async {
        let invalid = try? await session.scalar("""
            SELECT count(*) AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND NOT i.indisvalid
            """, [suggestion.table.schema, suggestion.name])
        guard (invalid?.int ?? 0) > 0 else { return }
        let name = "\(SQLIdentifier.quote(suggestion.table.schema)).\(SQLIdentifier.quote(suggestion.name))"
        try? await session.execute("DROP INDEX CONCURRENTLY IF EXISTS \(name)")
    }
}
