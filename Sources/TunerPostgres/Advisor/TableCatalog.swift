/// An index that exists in the database, as the advisor needs to know it.
public struct ExistingIndex: Codable, Sendable, Hashable {
    public var table: TableName
    public var name: String
    /// Key columns in order; nil for an expression.
    public var columns: [IndexColumn?]
    public var method: String
    public var isUnique: Bool
    public var isPrimary: Bool
    /// True when the index enforces a constraint (primary key, unique, exclusion): it cannot just be dropped.
    public var backsConstraint: Bool
    public var isValid: Bool
    public var isPartial: Bool
    public var sizeBytes: Int64
    /// Index scans since the statistics were reset (`pg_stat_user_indexes.idx_scan`).
    public var scans: Int64
    public var definition: String
}

/// A column's type and statistics.
struct ColumnInfo: Sendable {
    var name: String
    var type: String
    /// The column's collation after resolving `default` to the database's (`C`, `en_US.utf8`, …).
    var collation: String
    /// `pg_stats.n_distinct` resolved to a count (nil without statistics).
    var distinctValues: Double?
    var nullFraction: Double

    /// The operator class a LIKE-prefix index needs, or nil when the default class serves it (C collation).
    var patternOperatorClass: String? {
        guard collation != "C" && collation != "POSIX" else { return nil }
        switch type {
        case "text": return "text_pattern_ops"
        case let t where t.hasPrefix("character varying"): return "varchar_pattern_ops"
        case let t where t.hasPrefix("character"): return "bpchar_pattern_ops"
        default: return nil
        }
    }
}

/// Write activity since the statistics were reset (`pg_stat_user_tables`).
public struct TableWriteActivity: Codable, Sendable, Hashable {
    public var inserted: Int64
    public var updated: Int64
    public var hotUpdated: Int64
    public var deleted: Int64
    /// Sequential plus index scans of the table.
    public var scans: Int64

    /// Row writes that must also update every index (HOT updates touch no index unless it covers
    /// an updated column, so they count as half).
    public var indexWrites: Int64 { inserted + deleted + (updated - hotUpdated) + hotUpdated / 2 }

    /// True when the table is written at least as often as it is read: each new index slows every write.
    public var isWriteHeavy: Bool { indexWrites >= 1000 && indexWrites >= scans }
}

/// One table the workload reads.
struct TableInfo: Sendable {
    var name: TableName
    /// `r` table, `m` materialized view, `p` partitioned table, …
    var kind: String
    var estimatedRows: Double
    var pages: Int64
    var columns: [String: ColumnInfo]
    var indexes: [ExistingIndex]
    var activity: TableWriteActivity

    /// True when hypopg and CREATE INDEX can index this relation directly.
    var isIndexable: Bool { kind == "r" || kind == "m" }
}

/// The tables a workload reads, loaded in three catalog queries.
struct TableCatalog: Sendable {
    var tables: [TableName: TableInfo]

    subscript(_ name: TableName) -> TableInfo? { tables[name] }

    static func load(_ names: Set<TableName>, session: DatabaseSession) async throws(DatabaseError) -> TableCatalog {
        let sorted = names.sorted()
        let schemas = sorted.map(\.schema)
        let relations = sorted.map(\.name)
        var tables: [Int64: TableInfo] = [:]
        let tableRows = try await session.rows("""
            SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
                   greatest(c.reltuples, 0)::float8 AS reltuples, c.relpages::int8 AS relpages,
                   coalesce(s.n_tup_ins, 0) AS ins, coalesce(s.n_tup_upd, 0) AS upd,
                   coalesce(s.n_tup_hot_upd, 0) AS hot, coalesce(s.n_tup_del, 0) AS del,
                   coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0) AS scans
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
            WHERE (n.nspname::text, c.relname::text) IN (SELECT * FROM unnest($1::text[], $2::text[]))
            """, [schemas, relations])
        for row in tableRows {
            guard let oid = row.int("oid"), let schema = row.string("schema"), let name = row.string("name") else {
                continue
            }
            tables[oid] = TableInfo(
                name: TableName(schema: schema, name: name), kind: row.string("kind") ?? "r",
                estimatedRows: row.double("reltuples") ?? 0, pages: row.int("relpages") ?? 0, columns: [:],
                indexes: [],
                activity: TableWriteActivity(
                    inserted: row.int("ins") ?? 0, updated: row.int("upd") ?? 0, hotUpdated: row.int("hot") ?? 0,
                    deleted: row.int("del") ?? 0, scans: row.int("scans") ?? 0))
        }
        let oids = Array(tables.keys)
        for row in try await session.rows("""
            SELECT a.attrelid::int8 AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                   CASE WHEN co.collname = 'default'
                        THEN (SELECT datcollate::text FROM pg_database WHERE datname = current_database())
                        ELSE coalesce(co.collname::text, '') END AS collation,
                   st.n_distinct::float8 AS n_distinct, coalesce(st.null_frac, 0)::float8 AS null_frac
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            LEFT JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname
                 AND st.attname = a.attname AND NOT st.inherited
            WHERE a.attrelid::int8 = ANY($1::int8[]) AND a.attnum > 0 AND NOT a.attisdropped
            """, [oids])
        {
            guard let oid = row.int("oid"), let name = row.string("name"), var table = tables[oid] else { continue }
            var distinct = row.double("n_distinct")
            if let d = distinct, d < 0 { distinct = -d * max(table.estimatedRows, 1) }
            table.columns[name] = ColumnInfo(
                name: name, type: row.string("type") ?? "", collation: row.string("collation") ?? "",
                distinctValues: distinct, nullFraction: row.double("null_frac") ?? 0)
            tables[oid] = table
        }
        for (oid, index) in try await loadIndexes(oids, session: session, tables: tables) {
            tables[oid]?.indexes.append(index)
        }
        return TableCatalog(tables: Dictionary(tables.values.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
    }

    private static func loadIndexes(_ oids: [Int64], session: DatabaseSession, tables: [Int64: TableInfo])
        async throws(DatabaseError) -> [(Int64, ExistingIndex)]
    {
        let rows = try await session.rows("""
            SELECT i.indrelid::int8 AS table_oid, ic.relname AS name, am.amname AS method,
                   i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
                   (i.indpred IS NOT NULL) AS is_partial,
                   EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid) AS backs_constraint,
                   pg_relation_size(i.indexrelid)::int8 AS size, coalesce(s.idx_scan, 0) AS scans,
                   pg_get_indexdef(i.indexrelid) AS definition,
                   array_to_string(ARRAY(SELECT coalesce(a.attname::text, '')
                                || chr(31) || CASE WHEN opc.opcdefault THEN '' ELSE coalesce(opc.opcname::text, '') END
                                || chr(31) || CASE WHEN (i.indoption[k.ord - 1] & 1) = 1 THEN 'DESC' ELSE '' END
                         FROM unnest(i.indkey::int2[], i.indclass::oid[]) WITH ORDINALITY AS k(attnum, opclass, ord)
                         LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                         LEFT JOIN pg_opclass opc ON opc.oid = k.opclass
                         WHERE k.ord <= i.indnkeyatts ORDER BY k.ord), chr(30)) AS keys
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
            LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
            WHERE i.indrelid::int8 = ANY($1::int8[])
            """, [oids])
        var result: [(Int64, ExistingIndex)] = []
        for row in rows {
            guard let oid = row.int("table_oid"), let table = tables[oid], let name = row.string("name") else { continue }
            let columns = (row.string("keys") ?? "").split(separator: "\u{1E}").map { key -> IndexColumn? in
                let parts = key.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 3, !parts[0].isEmpty else { return nil }
                return IndexColumn(name: parts[0], operatorClass: parts[1].isEmpty ? nil : parts[1],
                                   ordering: parts[2].isEmpty ? nil : parts[2])
            }
            result.append((oid, ExistingIndex(
                table: table.name, name: name, columns: columns, method: row.string("method") ?? "btree",
                isUnique: row.bool("is_unique") ?? false, isPrimary: row.bool("is_primary") ?? false,
                backsConstraint: row.bool("backs_constraint") ?? false, isValid: row.bool("is_valid") ?? true,
                isPartial: row.bool("is_partial") ?? false, sizeBytes: row.int("size") ?? 0,
                scans: row.int("scans") ?? 0, definition: row.string("definition") ?? "")))
        }
        return result
    }
}
