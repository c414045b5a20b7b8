import Foundation
import TunerCore
import TunerOrchestration
import TunerPostgres

/// The demo's first change: the indexes the baseline's findings recommend, created by Tuner.
enum DemoIndexes {
    /// The advisor's `missing-index` suggestions, and the doctor's `missing-fk-index` where the load read the
    /// table by sequential scan and ran a statement naming both the table and the key's columns (a foreign
    /// key the workload never filters or joins on is left alone: every index slows writes).
    static func chosen(from result: LoadResult) -> [Finding] {
        let scanned = Set((result.database?.tables ?? []).filter { $0.sequentialScans > 0 }.map { $0.table.lowercased() })
        let statements = (result.database?.queries ?? []).map { $0.query.lowercased() }
        return result.findings.filter { finding in
            guard finding.fix != nil else { return false }
            if finding.id == "missing-index" { return true }
            guard finding.id == "missing-fk-index" else { return false }
            guard let index = IndexedColumns(finding.object) else { return false }
            return scanned.contains(index.table)
                && statements.contains { q in q.contains(index.table) && index.columns.allSatisfy { q.contains($0) } }
        }
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
                try await IndexAdvisor.createIndex(statement, session: session)
                created.append(statement + ";")
                say("  \(statement) (\((ContinuousClock.now - started).shortDescription))")
            } catch {
                say("  failed: \(statement): \(error.description)")
            }
        }
        await session.close()
        return created
    }
}
