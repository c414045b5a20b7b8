/// The hypopg extension: indexes the planner sees but that do not exist.
///
/// Hypothetical indexes live in the memory of this one backend, so they work inside Tuner's
/// read-only session: `hypopg_create_index` writes no catalog and nothing any other session sees
/// (checked by the advisor tests, which run with `default_transaction_read_only = on`).
struct HypotheticalIndexes: Sendable {
    let session: DatabaseSession
    /// hypopg's schema, quoted, with a trailing dot.
    private let prefix: String

    /// hypopg when it is created in this database; nil otherwise.
    static func locate(_ session: DatabaseSession) async throws(DatabaseError) -> HypotheticalIndexes? {
        let schema = try await session.scalar("""
            SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'hypopg'
            """)?.string
        guard let schema else { return nil }
        let indexes = HypotheticalIndexes(session: session, prefix: SQLIdentifier.quote(schema) + ".")
        try await indexes.reset()
        return indexes
    }

    /// True when the server has hypopg but this database has not created it (a hint for the user).
    static func isAvailable(_ session: DatabaseSession) async -> Bool {
        let count = try? await session.scalar("SELECT count(*) AS n FROM pg_available_extensions WHERE name = 'hypopg'")
        return (count?.int ?? 0) > 0
    }

    /// Creates hypothetical indexes in one round trip; returns their oids in order (plans name them
    /// `<oid>btree_…`). Fails as a whole when one fails.
    func create(_ candidates: [IndexCandidate]) async throws(DatabaseError) -> [Int64] {
        let rows = try await session.rows("""
            SELECT h.indexrelid::int8 AS oid
            FROM unnest($1::text[]) WITH ORDINALITY AS s(statement, n), \(prefix)hypopg_create_index(s.statement) h
            ORDER BY s.n
            """, [candidates.map { "CREATE INDEX ON \($0.target)" }])
        let oids = rows.compactMap { $0.int("oid") }
        guard oids.count == candidates.count else { throw DatabaseError("hypopg did not create every candidate") }
        return oids
    }

    func drop(_ oid: Int64) async throws(DatabaseError) {
        _ = try await session.scalar("SELECT \(prefix)hypopg_drop_index($1::oid) AS dropped", [oid])
    }

    /// Removes every hypothetical index of this session.
    func reset() async throws(DatabaseError) {
        _ = try await session.scalar("SELECT \(prefix)hypopg_reset() AS reset")
    }

    /// hypopg's estimate of the index's size on disk.
    func estimatedSize(_ oid: Int64) async -> Int64? {
        try? await session.scalar("SELECT \(prefix)hypopg_relation_size($1::oid)::int8 AS size", [oid])?.int
    }

    /// The oid in a hypothetical index's plan name (`<13556>btree_t_a` → 13556).
    static func oid(inIndexName name: String) -> Int64? {
        guard name.hasPrefix("<"), let close = name.firstIndex(of: ">") else { return nil }
        return Int64(name[name.index(after: name.startIndex)..<close])
    }
}
