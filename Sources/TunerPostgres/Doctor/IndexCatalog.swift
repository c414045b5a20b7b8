import TunerCore

/// Every index and foreign key of the user's schemas, read once and shared by the index checks
/// (each check is then plain Swift over these rows, so 30,000 indexes cost one query, not 30,000).
struct IndexCatalog: Sendable {
    struct Index: Sendable, Hashable, Decodable {
        var oid: Int64
        var tableOID: Int64
        /// `schema.index`, quoted where needed.
        var name: String
        var table: String
        var method: String
        /// Table column numbers, key columns first then INCLUDE columns; 0 for an expression.
        var columns: [Int]
        var keyCount: Int
        var operatorClasses: [Int]
        var collations: [Int]
        var options: [Int]
        var expressions: String?
        var predicate: String?
        var isUnique: Bool
        var isPrimary: Bool
        var isValid: Bool
        /// `p`, `u` or `x` when the index backs a primary key, unique or exclusion constraint.
        var constraintName: String?
        var scans: Int64
        /// `relpages × block_size`: exact after CREATE INDEX, VACUUM or ANALYZE, and free to read
        /// (`pg_relation_size` opens every index, seconds for tens of thousands, and waits behind locks).
        var bytes: Int64
        /// An index on a partitioned table (`relkind` `I`): it has no scans of its own.
        var isPartitioned: Bool
        /// An index attached to a partitioned table's index: it is dropped with its parent, not alone.
        var isPartition: Bool

        var keyColumns: ArraySlice<Int> { columns.prefix(keyCount) }
        var backsConstraint: Bool { constraintName != nil }
    }

    struct ForeignKey: Sendable, Hashable, Decodable {
        var name: String
        var tableOID: Int64
        var table: String
        var referencedTable: String
        /// Column numbers in the constraint's order.
        var columns: [Int]
        /// Column names for display and for the fix, quoted where needed.
        var columnNames: String
        var tableRows: Int64
        var referencedRows: Int64
        var tableBytes: Int64
    }

    var indexes: [Index]
    var foreignKeys: [ForeignKey]

    /// True when `index` can serve the lookups a foreign key needs: its leading key columns are exactly
    /// the constraint's columns (in any order), it is valid, and it is not partial.
    static func supports(_ index: Index, _ key: ForeignKey) -> Bool {
        guard index.tableOID == key.tableOID, index.isValid, index.predicate == nil,
              index.keyCount >= key.columns.count
        else { return false }
        switch index.method {
        case "btree": break
        case "hash": guard key.columns.count == 1 else { return false }
        default: return false
        }
        return Set(index.keyColumns.prefix(key.columns.count)) == Set(key.columns)
    }

    static func load(_ context: DoctorContext) async throws(DatabaseError) -> IndexCatalog {
        let indexes = try await context.decoded(
            Index.self,
            """
            SELECT i.indexrelid::bigint AS oid, i.indrelid::bigint AS "tableOID",
              \(DoctorSQL.qualified("n.nspname", "ic.relname")) AS name,
              \(DoctorSQL.qualified("tn.nspname", "t.relname")) AS "table",
              am.amname::text AS method, string_to_array(i.indkey::text, ' ')::int[] AS columns,
              i.indnkeyatts::int AS "keyCount", string_to_array(i.indclass::text, ' ')::bigint[] AS "operatorClasses",
              string_to_array(i.indcollation::text, ' ')::bigint[] AS collations,
              string_to_array(i.indoption::text, ' ')::int[] AS options,
              pg_get_expr(i.indexprs, i.indrelid) AS expressions, pg_get_expr(i.indpred, i.indrelid) AS predicate,
              i.indisunique AS "isUnique", i.indisprimary AS "isPrimary", i.indisvalid AS "isValid",
              con.conname::text AS "constraintName",
              pg_stat_get_numscans(i.indexrelid) AS scans,
              ic.relpages::bigint * current_setting('block_size')::bigint AS bytes,
              ic.relkind = 'I' AS "isPartitioned",
              EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) AS "isPartition"
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_namespace n ON n.oid = ic.relnamespace
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_am am ON am.oid = ic.relam
            LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x')
            WHERE tn.nspname NOT IN \(DoctorSQL.systemSchemas) AND tn.nspname NOT LIKE 'pg\\_toast%'
              AND tn.nspname NOT LIKE 'pg\\_temp%'
            """)
        let keys = try await context.decoded(
            ForeignKey.self,
            """
            SELECT con.conname::text AS name, con.conrelid::bigint AS "tableOID",
              \(DoctorSQL.qualified("tn.nspname", "t.relname")) AS "table",
              \(DoctorSQL.qualified("rn.nspname", "r.relname")) AS "referencedTable",
              con.conkey::int[] AS columns,
              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                 FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS "columnNames",
              greatest(t.reltuples, pg_stat_get_live_tuples(t.oid), 0)::bigint AS "tableRows",
              greatest(r.reltuples, pg_stat_get_live_tuples(r.oid), 0)::bigint AS "referencedRows",
              t.relpages::bigint * current_setting('block_size')::bigint AS "tableBytes"
            FROM pg_constraint con
            JOIN pg_class t ON t.oid = con.conrelid
            JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_class r ON r.oid = con.confrelid
            JOIN pg_namespace rn ON rn.oid = r.relnamespace
            WHERE con.contype = 'f' AND con.conparentid = 0
              AND tn.nspname NOT IN \(DoctorSQL.systemSchemas) AND tn.nspname NOT LIKE 'pg\\_temp%'
            """)
        return IndexCatalog(indexes: indexes, foreignKeys: keys)
    }

    /// The definitions (`CREATE INDEX …`) of at most `definitionLimit` indexes: `pg_get_indexdef` opens each
    /// index, so it is asked only for the ones a finding shows.
    static func definitions(_ oids: [Int64], _ context: DoctorContext) async throws(DatabaseError) -> [Int64: String] {
        let wanted = oids.prefix(definitionLimit)
        guard !wanted.isEmpty else { return [:] }
        let list = wanted.map(String.init).joined(separator: ",")
        let rows = try await context.rows(
            "SELECT indexrelid::bigint AS oid, pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indexrelid = ANY('{\(list)}'::oid[])")
        var out: [Int64: String] = [:]
        for row in rows {
            if let oid = row.int("oid"), let definition = row.string("definition") { out[oid] = definition }
        }
        return out
    }

    /// Findings beyond this many (largest first) go without the definition.
    static let definitionLimit = 200

    /// Parses PostgreSQL's space-separated vectors (`int2vector`, `oidvector`): `"1 3 0"`.
    static func numbers(_ text: String?) -> [Int] {
        (text ?? "").split(separator: " ").compactMap { Int($0) }
    }
}

/// Probe results read once per examination and shared between checks.
actor DoctorCache {
    private var indexCatalog: IndexCatalog?

    func indexes(_ context: DoctorContext) async throws(DatabaseError) -> IndexCatalog {
        if let indexCatalog { return indexCatalog }
        let loaded = try await IndexCatalog.load(context)
        indexCatalog = loaded
        return loaded
    }
}
