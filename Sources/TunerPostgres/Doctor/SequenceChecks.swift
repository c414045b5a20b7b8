import TunerCore

/// Sequences near the end of their range, judged against the smaller of the sequence's own maximum and
/// the maximum of the column it feeds (an `integer` primary key fed by a `bigint` sequence overflows at 2^31).
enum SequenceChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "sequences", family: .tables, run: sequences),
    ]

    /// `pg_sequence_last_value` keeps a lock on each sequence until the transaction ends, so thousands of
    /// sequences are read in batches, each its own short transaction.
    static let batchSize = 500

    static func sequences(_ context: DoctorContext) async throws -> CheckOutcome {
        let inventory = try await context.rows(
            """
            SELECT count(*) AS total,
              string_agg(s.seqrelid::text, ',') FILTER (WHERE has_sequence_privilege(s.seqrelid, 'SELECT,USAGE')) AS readable
            FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN \(DoctorSQL.systemSchemas) AND NOT s.seqcycle
            """
        ).first
        let readable = (inventory?.string("readable") ?? "").split(separator: ",").map(String.init)
        let warning = context.thresholds[DoctorThresholds.sequenceUsedWarning]
        var rows: [DatabaseRow] = []
        var start = 0
        while start < readable.count {
            let batch = readable[start..<min(start + batchSize, readable.count)].joined(separator: ",")
            start += batchSize
            rows += try await context.rows(nearMaximumSQL(oids: batch), [warning])
        }
        let critical = context.thresholds[DoctorThresholds.sequenceUsedCritical]
        let findings = rows.map { finding($0, critical: critical) }
        let hidden = Int(inventory?.int("total") ?? 0) - readable.count
        return CheckOutcome(
            findings: findings,
            limitation: hidden > 0
                ? "\(hidden) sequences not readable by this role (they need SELECT or USAGE; pg_monitor does not grant it)"
                : nil)
    }

    /// The sequences of one batch whose used share of the effective range is at least `$1`.
    static func nearMaximumSQL(oids: String) -> String {
        """
        WITH sequences AS (
          SELECT s.seqrelid, \(DoctorSQL.qualified("n.nspname", "c.relname")) AS name,
            format_type(s.seqtypid, NULL) AS type, s.seqmin, s.seqmax, s.seqincrement AS increment,
            pg_sequence_last_value(s.seqrelid::regclass) AS last
          FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE s.seqrelid = ANY('{\(oids)}'::oid[])
        ), judged AS (
          SELECT q.*, owner.table_name, owner.column_name, owner.column_type,
            least(q.seqmax, CASE owner.column_type WHEN 'smallint' THEN 32767 WHEN 'integer' THEN 2147483647
                                 ELSE q.seqmax END) AS effective_max,
            greatest(q.seqmin, CASE owner.column_type WHEN 'smallint' THEN -32768 WHEN 'integer' THEN -2147483648
                                    ELSE q.seqmin END) AS effective_min
          FROM sequences q
          LEFT JOIN LATERAL (
            SELECT \(DoctorSQL.qualified("tn.nspname", "t.relname")) AS table_name, quote_ident(a.attname) AS column_name,
              format_type(a.atttypid, NULL) AS column_type
            FROM pg_depend d
            JOIN pg_class t ON t.oid = d.refobjid
            JOIN pg_namespace tn ON tn.oid = t.relnamespace
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.objid = q.seqrelid AND d.refclassid = 'pg_class'::regclass
              AND d.deptype IN ('a', 'i')
            LIMIT 1
          ) owner ON true
          WHERE q.last IS NOT NULL
        )
        SELECT name, type, last, seqmax, increment, table_name, column_name, column_type, effective_max, effective_min,
          (1 - (CASE WHEN increment > 0 THEN effective_max::float8 - last ELSE last - effective_min::float8 END)
               / nullif(effective_max::float8 - effective_min, 0))::float8 AS used
        FROM judged
        WHERE (1 - (CASE WHEN increment > 0 THEN effective_max::float8 - last ELSE last - effective_min::float8 END)
               / nullif(effective_max::float8 - effective_min, 0)) >= $1
        """
    }

    static func finding(_ row: DatabaseRow, critical: Double) -> Finding {
        let name = row.string("name") ?? "?"
        let increment = row.int("increment") ?? 1
        let last = row.int("last") ?? 0
        let effectiveMax = row.int("effective_max") ?? Int64.max
        let effectiveMin = row.int("effective_min") ?? 1
        let used = row.double("used") ?? 1
        let columnType = row.string("column_type")
        let limitedByColumn = effectiveMax < (row.int("seqmax") ?? Int64.max)
        let remaining = increment > 0 ? Double(effectiveMax) - Double(last) : Double(last) - Double(effectiveMin)
        var evidence = [Measure.count("last value", last),
                        Measure.count("maximum", increment > 0 ? effectiveMax : effectiveMin),
                        Measure.percent("range used", used),
                        Measure.count("values left", Int64(remaining / Double(max(abs(increment), 1)))),
                        Measure.text("limited by", limitedByColumn
                            ? "column type \(columnType ?? "?")" : "sequence type \(row.string("type") ?? "?")")]
        var fix: [String] = []
        if let table = row.string("table_name"), let column = row.string("column_name") {
            evidence.append(Measure.text("column", "\(table).\(column)"))
            if columnType != "bigint" {
                fix.append("ALTER TABLE \(table) ALTER COLUMN \(column) TYPE bigint;  -- rewrites the table under an ACCESS EXCLUSIVE lock; plan a window or migrate online")
            }
        }
        if row.string("type") != "bigint" || (row.int("seqmax") ?? Int64.max) < Int64.max {
            fix.append("ALTER SEQUENCE \(name) AS bigint MAXVALUE 9223372036854775807;")
        }
        return .check(
            "sequence-near-max", used >= critical ? .critical : .warning, object: name,
            title: "Sequence \(name) has used \(Measure.percent("", used).value) of its range",
            evidence: evidence,
            why: "When the sequence (or the integer column it feeds) reaches its maximum, every INSERT fails with an overflow error.",
            fix: fix.isEmpty ? nil : fix.joined(separator: "\n"))
    }
}
