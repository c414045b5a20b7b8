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
        let catalog = try await context.rows(
            """
            SELECT s.seqrelid::bigint AS oid, \(DoctorSQL.qualified("n.nspname", "c.relname")) AS name,
              format_type(s.seqtypid, NULL) AS type, s.seqmin AS min_value, s.seqmax AS max_value,
              s.seqincrement AS increment, s.seqcycle AS cycles,
              has_sequence_privilege(c.oid, 'SELECT,USAGE') AS readable,
              owner.table_name, owner.column_name, owner.column_type
            FROM pg_sequence s
            JOIN pg_class c ON c.oid = s.seqrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN LATERAL (
              SELECT \(DoctorSQL.qualified("tn.nspname", "t.relname")) AS table_name, quote_ident(a.attname) AS column_name,
                format_type(a.atttypid, NULL) AS column_type
              FROM pg_depend d
              JOIN pg_class t ON t.oid = d.refobjid
              JOIN pg_namespace tn ON tn.oid = t.relnamespace
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                AND d.deptype IN ('a', 'i')
              LIMIT 1
            ) owner ON true
            WHERE n.nspname NOT IN \(DoctorSQL.systemSchemas) AND NOT s.seqcycle
            """)
        let readable = catalog.filter { $0.bool("readable") == true }
        var lastValues: [Int64: Int64] = [:]
        var start = 0
        while start < readable.count {
            let batch = readable[start..<min(start + batchSize, readable.count)].compactMap { $0.int("oid") }
            start += batchSize
            let list = batch.map(String.init).joined(separator: ",")
            for row in try await context.rows(
                "SELECT oid::bigint AS oid, pg_sequence_last_value(oid::regclass) AS last FROM unnest('{\(list)}'::oid[]) AS oid")
            {
                if let oid = row.int("oid"), let last = row.int("last") { lastValues[oid] = last }
            }
        }
        let warning = context.thresholds[DoctorThresholds.sequenceUsedWarning]
        let critical = context.thresholds[DoctorThresholds.sequenceUsedCritical]
        var findings: [Finding] = []
        for row in readable {
            guard let oid = row.int("oid"), let last = lastValues[oid] else { continue }
            let name = row.string("name") ?? "?"
            let increment = row.int("increment") ?? 1
            let sequenceMax = row.int("max_value") ?? Int64.max
            let sequenceMin = row.int("min_value") ?? 1
            let columnType = row.string("column_type")
            let columnMax = columnType.flatMap(maximum(of:)) ?? Int64.max
            let effectiveMax = min(sequenceMax, columnMax)
            let effectiveMin = max(sequenceMin, columnType.flatMap(minimum(of:)) ?? Int64.min)
            let range = Double(effectiveMax) - Double(effectiveMin)
            let remaining = increment > 0 ? Double(effectiveMax) - Double(last) : Double(last) - Double(effectiveMin)
            let used = range > 0 ? 1 - remaining / range : 1
            guard used >= warning else { continue }
            let limitedByColumn = columnMax < sequenceMax
            var evidence = [Measure.count("last value", last), Measure.count("maximum", increment > 0 ? effectiveMax : effectiveMin),
                            Measure.percent("range used", used), Measure.count("values left", Int64(remaining / Double(abs(increment))))]
            evidence.append(Measure.text("limited by", limitedByColumn ? "column type \(columnType ?? "?")" : "sequence type \(row.string("type") ?? "?")"))
            var fix: [String] = []
            if let table = row.string("table_name"), let column = row.string("column_name") {
                evidence.append(Measure.text("column", "\(table).\(column)"))
                if columnType != "bigint" {
                    fix.append("ALTER TABLE \(table) ALTER COLUMN \(column) TYPE bigint;  -- rewrites the table under an ACCESS EXCLUSIVE lock; plan a window or migrate online")
                }
            }
            if row.string("type") != "bigint" || sequenceMax < Int64.max {
                fix.append("ALTER SEQUENCE \(name) AS bigint MAXVALUE 9223372036854775807;")
            }
            findings.append(.check(
                "sequence-near-max", used >= critical ? .critical : .warning, object: name,
                title: "Sequence \(name) has used \(Measure.percent("", used).value) of its range",
                evidence: evidence,
                why: "When the sequence (or the integer column it feeds) reaches its maximum, every INSERT fails with an overflow error.",
                fix: fix.isEmpty ? nil : fix.joined(separator: "\n")))
        }
        let hidden = catalog.count - readable.count
        return CheckOutcome(
            findings: findings,
            limitation: hidden > 0
                ? "\(hidden) sequences not readable by this role (they need SELECT or USAGE; pg_monitor does not grant it)"
                : nil)
    }

    static func maximum(of type: String) -> Int64? {
        switch type {
        case "smallint": Int64(Int16.max)
        case "integer": Int64(Int32.max)
        case "bigint": Int64.max
        default: nil
        }
    }

    static func minimum(of type: String) -> Int64? {
        switch type {
        case "smallint": Int64(Int16.min)
        case "integer": Int64(Int32.min)
        case "bigint": Int64.min
        default: nil
        }
    }
}
