import Foundation
import TunerCore
import TunerPostgres

/// The demo's first change: the indexes the baseline's findings recommend, created by Tuner.
enum DemoIndexes {
    /// The advisor's `missing-index` suggestions, and the doctor's `missing-fk-index` on tables the load
    /// read by sequential scan (a foreign key nobody joins on is left alone: every index slows writes).
    static func chosen(from result: LoadResult) -> [Finding] {
        let scanned = Set((result.database?.tables ?? []).filter { $0.sequentialScans > 0 }.map { $0.table.lowercased() })
        return result.findings.filter { finding in
            guard finding.fix != nil else { return false }
            if finding.id == "missing-index" { return true }
            return finding.id == "missing-fk-index" && scanned.contains(table(of: finding.object))
        }
    }

    /// `public.order_items (order_id)` → `order_items`.
    static func table(of object: String) -> String {
        let name = object.split(separator: " ").first.map(String.init) ?? object
        return (name.split(separator: ".").last.map(String.init) ?? name).replacingOccurrences(of: "\"", with: "").lowercased()
    }

    /// Runs each finding's `CREATE INDEX CONCURRENTLY` in a session that may write; returns the statements
    /// that succeeded. One that fails is reported and skipped (an invalid leftover is dropped).
    static func create(_ findings: [Finding], database: ConnectionSettings, say: @Sendable (String) -> Void)
        async throws -> [String]
    {
        guard !findings.isEmpty else { return [] }
        var options = DatabaseSession.Options.applying
        options.lockTimeout = .seconds(60)
        let session: DatabaseSession
        do {
            session = try await DatabaseSession.connect(database, options: options)
        } catch {
            throw WorkflowError("cannot connect to create the indexes: \(error.description)")
        }
        var created: [String] = []
        for finding in findings {
            guard var statement = finding.fix?.trimmingCharacters(in: .whitespacesAndNewlines) else { continue }
            if statement.hasSuffix(";") { statement.removeLast() }
            let started = ContinuousClock.now
            do {
                try await session.execute(statement)
                created.append(statement + ";")
                say("  \(statement) (\((ContinuousClock.now - started).shortDescription))")
            } catch {
                say("  failed: \(statement): \(error.description)")
                try? await session.execute("""
                    DO $$ DECLARE r record; BEGIN
                      FOR r IN SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_index i
                        JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE NOT i.indisvalid LOOP EXECUTE 'DROP INDEX ' || r.name; END LOOP; END $$
                    """)
            }
        }
        await session.close()
        return created
    }
}
