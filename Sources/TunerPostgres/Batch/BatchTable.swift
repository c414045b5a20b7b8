/// What `tuner db batch` needs to know about a table to generate rows that fit it: its columns with their types,
/// its keys, its foreign keys (whose values are drawn from the referenced rows) and its CHECK constraints.
struct BatchTable: Sendable {
    struct Column: Sendable {
        let name: String
        /// `format_type`: `character varying(20)`, `numeric(10,2)`, `public.order_status`.
        let type: String
        /// `pg_type.typname` of the column's type (`int4`, `varchar`, `order_status`) and its category (`N`, `S`, …).
        let typeName: String
        let category: String
        let notNull: Bool
        /// `a` (always) or `d` (by default) for identity columns, empty otherwise.
        let identity: String
        /// True for generated (stored) columns: never given a value.
        let isGenerated: Bool
        /// Characters allowed (`varchar(n)`, `char(n)`), when limited.
        let maxLength: Int?
        /// An enum type's first label.
        let firstEnumLabel: String?
    }

    struct ForeignKey: Sendable {
        let columns: [String]
        let referenced: TableName
        let referencedColumns: [String]
    }

    let name: TableName
    let columns: [Column]
    let primaryKey: [String]
    /// Column sets of unique constraints and unique indexes (the primary key's included).
    let uniqueKeys: [[String]]
    let foreignKeys: [ForeignKey]
    let checks: [String]

    /// Reads the table's shape, or says in one line why it cannot.
    static func read(_ table: String, session: DatabaseSession) async throws(DatabaseError) -> BatchTable {
        guard let oid = try await session.scalar("SELECT to_regclass($1)::oid::int8 AS oid", [table])?.int else {
            throw DatabaseError("no table \(table)")
        }
        let nameRow = try await session.rows(
            "SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind FROM pg_class c "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::int8::oid", [oid]).first
        guard let nameRow, let schema = nameRow.string("schema"), let relname = nameRow.string("name") else {
            throw DatabaseError("no table \(table)")
        }
        guard ["r", "p"].contains(nameRow.string("kind") ?? "") else { throw DatabaseError("\(table) is not a table") }
        let columnRows = try await session.rows("""
            SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typname::text AS typname,
                   t.typcategory::text AS category, a.attnotnull AS notnull, a.attidentity::text AS identity,
                   a.attgenerated::text AS generated,
                   CASE WHEN t.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4 THEN a.atttypmod - 4 END AS maxlength,
                   (SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder LIMIT 1) AS enumlabel
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = $1::int8::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """, [oid])
        let columns = columnRows.map { row in
            Column(
                name: row.string("name") ?? "", type: row.string("type") ?? "", typeName: row.string("typname") ?? "",
                category: row.string("category") ?? "", notNull: row.bool("notnull") ?? false,
                identity: row.string("identity") ?? "", isGenerated: !(row.string("generated") ?? "").isEmpty,
                maxLength: row.int("maxlength").map(Int.init), firstEnumLabel: row.string("enumlabel"))
        }
        let constraintRows = try await session.rows("""
            SELECT c.contype::text AS type,
                   (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num) AS columns,
                   (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num) AS refcolumns,
                   rn.nspname::text AS refschema, rc.relname::text AS reftable, pg_get_constraintdef(c.oid) AS definition
            FROM pg_constraint c
            LEFT JOIN pg_class rc ON rc.oid = c.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE c.conrelid = $1::int8::oid AND c.contype IN ('p', 'u', 'f', 'c')
            """, [oid])
        var primaryKey: [String] = []
        var unique: [[String]] = []
        var foreign: [ForeignKey] = []
        var checks: [String] = []
        for row in constraintRows {
            let columns = (row.string("columns") ?? "").split(separator: ",").map(String.init)
            switch row.string("type") {
            case "p":
                primaryKey = columns
                unique.append(columns)
            case "u": unique.append(columns)
            case "f":
                guard let refSchema = row.string("refschema"), let refTable = row.string("reftable") else { continue }
                foreign.append(ForeignKey(
                    columns: columns, referenced: TableName(schema: refSchema, name: refTable),
                    referencedColumns: (row.string("refcolumns") ?? "").split(separator: ",").map(String.init)))
            default: checks.append(row.string("definition") ?? "")
            }
        }
        let indexRows = try await session.rows("""
            SELECT (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num) AS columns
            FROM pg_index i WHERE i.indrelid = $1::int8::oid AND i.indisunique AND i.indexprs IS NULL
            """, [oid])
        for row in indexRows {
            let columns = (row.string("columns") ?? "").split(separator: ",").map(String.init)
            if !columns.isEmpty && !unique.contains(columns) { unique.append(columns) }
        }
        return BatchTable(
            name: TableName(schema: schema, name: relname), columns: columns, primaryKey: primaryKey, uniqueKeys: unique,
            foreignKeys: foreign, checks: checks)
    }
}
