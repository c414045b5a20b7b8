import Foundation
import TunerCore

/// Index checks over the catalog: foreign keys without an index, unused and invalid indexes,
/// constraints never validated, and tables read mostly by sequential scans.
enum IndexChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "foreign-key-indexes", family: .indexes, run: foreignKeys),
        DoctorCheck(name: "unused-indexes", family: .indexes, run: unused),
        DoctorCheck(name: "invalid-indexes", family: .indexes, run: invalid),
        DoctorCheck(name: "unvalidated-constraints", family: .indexes, run: unvalidated),
        DoctorCheck(name: "sequential-scans", family: .indexes, run: sequentialScans),
    ]

    static func foreignKeys(_ context: DoctorContext) async throws -> CheckOutcome {
        let catalog = try await context.cache.indexes(context)
        let byTable = Dictionary(grouping: catalog.indexes, by: \.tableOID)
        let findings = catalog.foreignKeys.filter { key in
            !(byTable[key.tableOID] ?? []).contains { IndexCatalog.supports($0, key) }
        }.map { key in
            Finding.check(
                "missing-fk-index", .warning, object: "\(key.table) (\(key.columnNames))",
                title: "Foreign key \(key.table) (\(key.columnNames)) → \(key.referencedTable) has no supporting index",
                evidence: [Measure.text("constraint", key.name), Measure.text("references", key.referencedTable),
                           Measure.count("table rows", key.tableRows), Measure.bytes("table size", key.tableBytes),
                           Measure.count("referenced rows", key.referencedRows)],
                why: "Every DELETE or key UPDATE on \(key.referencedTable) and every join on these columns scans \(key.table) in full, holding locks meanwhile.",
                fix: "CREATE INDEX CONCURRENTLY ON \(key.table) (\(key.columnNames));")
        }
        return CheckOutcome(findings: findings,
                            overview: [Measure.count("indexes", Int64(catalog.indexes.count)),
                                       Measure.count("foreign keys", Int64(catalog.foreignKeys.count))])
    }

    static func unused(_ context: DoctorContext) async throws -> CheckOutcome {
        let catalog = try await context.cache.indexes(context)
        let byTable = Dictionary(grouping: catalog.indexes, by: \.tableOID)
        let keysByTable = Dictionary(grouping: catalog.foreignKeys, by: \.tableOID)
        let warningSize = Int64(context.thresholds[DoctorThresholds.unusedIndexWarningSize])
        let young = context.statisticsAreYoung
        let unused = catalog.indexes.filter { index in
            guard index.scans == 0, index.isValid, !index.isUnique, !index.backsConstraint,
                  !index.isPartitioned, !index.isPartition
            else { return false }
            // The only index able to serve a foreign key's lookups is needed even when the counters show no
            // scans (the checks on DELETE of the referenced row do not always show up as index scans).
            let servesKey = (keysByTable[index.tableOID] ?? []).contains { key in
                IndexCatalog.supports(index, key)
                    && (byTable[index.tableOID] ?? []).filter { IndexCatalog.supports($0, key) }.count == 1
            }
            return !servesKey
        }.sorted { $0.bytes > $1.bytes }
        let definitions = try await IndexCatalog.definitions(unused.map(\.oid), context)
        return CheckOutcome(findings: unused.map { index in
            var evidence = [Measure.count("index scans", index.scans), Measure.bytes("size", index.bytes),
                            Measure.text("table", index.table)]
            if let age = context.statisticsAgeSeconds { evidence.append(Measure.seconds("statistics age", age)) }
            if let definition = definitions[index.oid] { evidence.append(Measure.statement("definition", definition)) }
            return Finding.check(
                "unused-index", index.bytes >= warningSize && !young ? .warning : .info, object: index.name,
                title: "Index \(index.name) has never been scanned (\(ByteSize(bytes: index.bytes).humanDescription))",
                evidence: evidence,
                why: "An unused index costs disk, cache and time on every INSERT and UPDATE of \(index.table) while no query reads it (check replicas first: their scans are not counted here).",
                fix: "DROP INDEX CONCURRENTLY \(index.name);")
        })
    }

    static func invalid(_ context: DoctorContext) async throws -> CheckOutcome {
        let catalog = try await context.cache.indexes(context)
        let candidates = catalog.indexes.filter { !$0.isValid }
        guard !candidates.isEmpty else { return CheckOutcome() }
        // An index being built CONCURRENTLY is invalid until the build ends: leave those alone.
        let progress = try await context.rows("SELECT index_relid::bigint AS oid FROM pg_stat_progress_create_index")
        let building = Set(progress.compactMap { $0.int("oid") })
        let invalid = candidates.filter { !building.contains($0.oid) }
        let definitions = try await IndexCatalog.definitions(invalid.map(\.oid), context)
        let findings = invalid.map { index in
            let definition = definitions[index.oid] ?? ""
            return Finding.check(
                "invalid-index", .warning, object: index.name,
                title: "Index \(index.name) is invalid (a failed CREATE INDEX CONCURRENTLY or REINDEX)",
                evidence: [Measure.text("table", index.table), Measure.bytes("size", index.bytes),
                           Measure.text("valid", "no"), Measure.statement("definition", definition)],
                why: "The planner never uses an invalid index, yet every write to \(index.table) still maintains it; a failed unique index also does not enforce uniqueness.",
                fix: "DROP INDEX CONCURRENTLY \(index.name);\n\(concurrently(definition));  -- rebuild; for a UNIQUE index remove the duplicate rows first")
        }
        return CheckOutcome(findings: findings)
    }

    static func unvalidated(_ context: DoctorContext) async throws -> CheckOutcome {
        let rows = try await context.rows(
            """
            SELECT \(DoctorSQL.qualified("n.nspname", "t.relname")) AS table_name, quote_ident(con.conname) AS name,
              con.contype::text AS kind, pg_get_constraintdef(con.oid) AS definition
            FROM pg_constraint con
            JOIN pg_class t ON t.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE NOT con.convalidated AND con.contype IN ('c', 'f')
              AND n.nspname NOT IN \(DoctorSQL.systemSchemas)
            ORDER BY 1, 2
            """)
        let findings = rows.map { row in
            let table = row.string("table_name") ?? "?"
            let name = row.string("name") ?? "?"
            return Finding.check(
                "constraint-not-validated", .warning, object: "\(table) \(name)",
                title: "\(row.string("kind") == "f" ? "Foreign key" : "Check constraint") \(name) on \(table) was added NOT VALID and never validated",
                evidence: [Measure.text("table", table), Measure.text("constraint", name),
                           Measure.statement("definition", row.string("definition") ?? "")],
                why: "Rows that existed before the constraint were never checked, and the planner cannot rely on it.",
                fix: "ALTER TABLE \(table) VALIDATE CONSTRAINT \(name);  -- takes only a SHARE UPDATE EXCLUSIVE lock")
        }
        return CheckOutcome(findings: findings)
    }

    static func sequentialScans(_ context: DoctorContext) async throws -> CheckOutcome {
        let minimumRows = context.thresholds[DoctorThresholds.seqScanMinRows]
        let share = context.thresholds[DoctorThresholds.seqScanShare]
        let rows = try await context.rows(
            """
            SELECT \(DoctorSQL.qualified("schemaname", "relname")) AS table_name, relname::text AS bare_name,
              seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan, n_live_tup
            FROM pg_stat_user_tables
            WHERE n_live_tup >= $1 AND seq_scan > 0 AND seq_tup_read / seq_scan >= $1
              AND seq_scan::float8 / (seq_scan + coalesce(idx_scan, 0)) >= $2
            ORDER BY seq_tup_read DESC
            LIMIT 50
            """, [minimumRows, share])
        let young = context.statisticsAreYoung
        let findings = rows.map { row in
            let table = row.string("table_name") ?? "?"
            let scans = row.int("seq_scan") ?? 0
            let indexScans = row.int("idx_scan") ?? 0
            let read = row.int("seq_tup_read") ?? 0
            let pattern = DoctorSQL.literal("%" + (row.string("bare_name") ?? table) + "%")
            return Finding.check(
                "seq-scan-heavy", young ? .info : .warning, object: table,
                title: "\(table) is read mostly by sequential scans of \(read / max(scans, 1)) rows on average",
                evidence: [Measure.count("sequential scans", scans), Measure.count("index scans", indexScans),
                           Measure.percent("sequential share", Double(scans) / Double(max(scans + indexScans, 1))),
                           Measure.count("rows read by sequential scans", read),
                           Measure.count("rows per sequential scan", read / max(scans, 1)),
                           Measure.count("live rows", row.int("n_live_tup") ?? 0)],
                why: "Queries that filter this table without a usable index read every row each time; cost grows with the table.",
                fix: """
                    SELECT queryid, calls, mean_exec_time, query FROM pg_stat_statements
                    WHERE query ILIKE \(pattern) ORDER BY total_exec_time DESC LIMIT 10;
                    -- then index the columns those statements filter on (tuner db advise suggests which)
                    """)
        }
        return CheckOutcome(findings: findings)
    }

    /// `CREATE [UNIQUE] INDEX name ON …` as `CREATE [UNIQUE] INDEX CONCURRENTLY name ON …`.
    static func concurrently(_ definition: String) -> String {
        guard let range = definition.range(of: " INDEX ") else { return definition }
        return definition.replacingCharacters(in: range, with: " INDEX CONCURRENTLY ")
    }
}
