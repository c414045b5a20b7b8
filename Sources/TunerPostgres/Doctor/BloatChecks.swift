import TunerCore

/// Estimated table and B-tree index bloat: the space a table or index takes beyond what its rows need,
/// from `reltuples`, `relpages` and the column widths in `pg_stats` (the method of the widely used
/// check_postgres / ioguix estimates; it needs ANALYZE statistics and is an estimate, not a measurement).
enum BloatChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "table-bloat", family: .tables, run: tables),
        DoctorCheck(name: "index-bloat", family: .indexes, run: indexes),
    ]

    /// One relation's figures for the estimate.
    struct Sample {
        var name: String
        var table: String
        var pages: Int64
        var tuples: Double
        var fillfactor: Double
        var columns: Int
        var columnsWithStatistics: Int
        var dataWidth: Double
        var hasNulls: Bool
    }

    static func tables(_ context: DoctorContext) async throws -> CheckOutcome {
        let minimum = context.thresholds[DoctorThresholds.tableBloatMinSize]
        let rows = try await context.rows(
            """
            WITH candidates AS (
              SELECT c.oid, \(DoctorSQL.qualified("n.nspname", "c.relname")) AS name, n.nspname, c.relname,
                c.relpages::bigint AS pages, c.reltuples::float8 AS tuples,
                coalesce((SELECT substring(o FROM 'fillfactor=([0-9]+)')::int FROM unnest(c.reloptions) o
                          WHERE o LIKE 'fillfactor=%'), 100) AS fillfactor
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN \(DoctorSQL.systemSchemas)
                AND c.reltuples > 0 AND c.relpages::bigint * current_setting('block_size')::bigint >= $1
            )
            SELECT t.name, t.name AS table_name, t.pages, t.tuples, t.fillfactor,
              count(a.attnum) AS columns, count(s.avg_width) AS columns_with_stats,
              coalesce(sum((1 - coalesce(s.null_frac, 0)) * s.avg_width), 0)::float8 AS data_width,
              coalesce(bool_or(s.null_frac > 0), false) AS has_nulls
            FROM candidates t
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
            LEFT JOIN pg_stats s ON s.schemaname = t.nspname AND s.tablename = t.relname
              AND s.attname = a.attname AND NOT s.inherited
            GROUP BY t.name, t.pages, t.tuples, t.fillfactor
            """, [minimum])
        return judge(rows.map(sample), context: context, isIndex: false)
    }

    static func indexes(_ context: DoctorContext) async throws -> CheckOutcome {
        let minimum = context.thresholds[DoctorThresholds.indexBloatMinSize]
        let rows = try await context.rows(
            """
            WITH candidates AS (
              SELECT i.indexrelid, i.indrelid, tn.nspname, t.relname AS table_relname,
                \(DoctorSQL.qualified("n.nspname", "ic.relname")) AS name,
                \(DoctorSQL.qualified("tn.nspname", "t.relname")) AS table_name,
                ic.relpages::bigint AS pages, ic.reltuples::float8 AS tuples,
                coalesce((SELECT substring(o FROM 'fillfactor=([0-9]+)')::int FROM unnest(ic.reloptions) o
                          WHERE o LIKE 'fillfactor=%'), 90) AS fillfactor,
                string_to_array(i.indkey::text, ' ')::int2[] AS keys
              FROM pg_index i
              JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
              JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
              JOIN pg_am am ON am.oid = ic.relam
              WHERE am.amname = 'btree' AND i.indexprs IS NULL AND i.indisvalid AND ic.reltuples > 0
                AND tn.nspname NOT IN \(DoctorSQL.systemSchemas)
                AND ic.relpages::bigint * current_setting('block_size')::bigint >= $1
            )
            SELECT c.name, c.table_name, c.pages, c.tuples, c.fillfactor,
              count(*) AS columns, count(s.avg_width) AS columns_with_stats,
              coalesce(sum((1 - coalesce(s.null_frac, 0)) * s.avg_width), 0)::float8 AS data_width,
              coalesce(bool_or(s.null_frac > 0), false) AS has_nulls
            FROM candidates c
            CROSS JOIN LATERAL unnest(c.keys) AS k(attnum)
            JOIN pg_attribute a ON a.attrelid = c.indrelid AND a.attnum = k.attnum
            LEFT JOIN pg_stats s ON s.schemaname = c.nspname AND s.tablename = c.table_relname
              AND s.attname = a.attname AND NOT s.inherited
            GROUP BY c.name, c.table_name, c.pages, c.tuples, c.fillfactor
            """, [minimum])
        return judge(rows.map(sample), context: context, isIndex: true)
    }

    static func sample(_ row: DatabaseRow) -> Sample {
        Sample(name: row.string("name") ?? "?", table: row.string("table_name") ?? "?",
               pages: row.int("pages") ?? 0, tuples: row.double("tuples") ?? 0,
               fillfactor: row.double("fillfactor") ?? 100, columns: Int(row.int("columns") ?? 0),
               columnsWithStatistics: Int(row.int("columns_with_stats") ?? 0),
               dataWidth: row.double("data_width") ?? 0, hasNulls: row.bool("has_nulls") ?? false)
    }

    /// Pages the rows need if packed at the fill factor: heap tuples carry a 23-byte header, index tuples
    /// an 8-byte one (plus a null bitmap), each with a 4-byte line pointer, on 8 kB pages less page headers.
    static func expectedPages(_ sample: Sample, blockSize: Double, isIndex: Bool) -> Double {
        func align(_ value: Double) -> Double { (value / 8).rounded(.up) * 8 }
        let header = isIndex
            ? align(8 + (sample.hasNulls ? 4 : 0))
            : align(23 + (sample.hasNulls ? (Double(sample.columns) / 8).rounded(.up) : 0))
        let tuple = header + align(sample.dataWidth) + 4
        let usable = (blockSize - (isIndex ? 24 + 16 : 24)) * sample.fillfactor / 100
        let perPage = max(1, (usable / tuple).rounded(.down))
        return (sample.tuples / perPage).rounded(.up) + (isIndex ? 1 : 0)
    }

    static func judge(_ samples: [Sample], context: DoctorContext, isIndex: Bool) -> CheckOutcome {
        let blockSize = context.settings["block_size"]?.number ?? 8192
        let ratioLimit = context.thresholds[isIndex ? DoctorThresholds.indexBloatRatio : DoctorThresholds.tableBloatRatio]
        let sizeLimit = context.thresholds[isIndex ? DoctorThresholds.indexBloatMinSize : DoctorThresholds.tableBloatMinSize]
        let estimable = samples.filter { $0.columns > 0 && $0.columnsWithStatistics == $0.columns }
        let unknown = samples.count - estimable.count
        let findings = estimable.compactMap { sample -> Finding? in
            let expected = expectedPages(sample, blockSize: blockSize, isIndex: isIndex)
            let extraPages = Double(sample.pages) - expected
            let ratio = extraPages / Double(max(sample.pages, 1))
            let extraBytes = extraPages * blockSize
            guard ratio >= ratioLimit, extraBytes >= sizeLimit else { return nil }
            let evidence = [
                Measure.bytes("size", sample.pages * Int64(blockSize)),
                Measure.bytes("estimated bloat", Int64(extraBytes)),
                Measure.percent("estimated bloat share", ratio),
                Measure.bytes("expected size", Int64(expected * blockSize)),
                Measure.count("rows", Int64(sample.tuples)),
                Measure.count("fillfactor", Int64(sample.fillfactor)),
            ]
            if isIndex {
                return .check(
                    "index-bloat", .warning, object: sample.name,
                    title: "Index \(sample.name) is about \(Measure.percent("", ratio).value) bloat",
                    evidence: evidence + [Measure.text("table", sample.table)],
                    why: "A bloated index holds empty space that still costs cache and I/O on every scan; a rebuild packs it again.",
                    fix: "REINDEX INDEX CONCURRENTLY \(sample.name);")
            }
            return .check(
                "table-bloat", .warning, object: sample.name,
                title: "Table \(sample.name) is about \(Measure.percent("", ratio).value) bloat",
                evidence: evidence,
                why: "Sequential scans and the cache carry the empty space; plain VACUUM makes it reusable but does not give it back.",
                fix: "VACUUM (FULL, ANALYZE) \(sample.name);  -- rewrites under an ACCESS EXCLUSIVE lock; pg_repack does it online")
        }
        let limitation = unknown > 0
            ? "\(unknown) \(isIndex ? "indexes" : "tables") large enough to matter were not estimated: no column statistics visible (never ANALYZEd, or pg_stats hides tables this role cannot SELECT)"
            : nil
        return CheckOutcome(findings: findings, limitation: limitation)
    }
}
