import TunerCore

/// Turns chosen indexes into suggestions: a free name, the statement, the queries served with their
/// costs, the time saved per hour, and a warning for write-heavy tables.
struct SuggestionBuilder {
    let session: DatabaseSession
    let queries: [PlannedQuery]
    let catalog: TableCatalog
    let method: AdvisorReport.Method
    let observedSeconds: Double?

    func suggestions(from selection: Selection) async throws(DatabaseError) -> [IndexSuggestion] {
        let names = try await freeNames(for: selection.indexes)
        var result: [IndexSuggestion] = []
        for candidate in selection.indexes {
            var served: [ServedQuery] = []
            var saved: Double?
            for (i, outcome) in selection.outcomes.sorted(by: { $0.key < $1.key }) where outcome.indexes.contains(candidate) {
                let query = queries[i]
                let before = query.baseline.totalCost
                guard outcome.cost < before else { continue }
                let perHour = query.query.millisecondsPerHour(observedSeconds: observedSeconds)
                    .map { $0 * (1 - outcome.cost / before) }
                if let perHour { saved = (saved ?? 0) + perHour / Double(outcome.indexes.count) }
                served.append(ServedQuery(
                    text: query.query.text, queryID: query.query.queryID, calls: query.query.calls,
                    meanMilliseconds: query.query.meanMilliseconds, costBefore: before, costAfter: outcome.cost,
                    savedMillisecondsPerHour: perHour))
            }
            guard !served.isEmpty, let table = catalog[candidate.table] else { continue }
            let name = names[candidate] ?? "\(candidate.table.name)_idx"
            result.append(IndexSuggestion(
                table: candidate.table, name: name, columns: candidate.columns,
                statement: "CREATE INDEX CONCURRENTLY \(SQLIdentifier.quote(name)) ON \(candidate.target);",
                method: method, queries: served.sorted { ($0.savedMillisecondsPerHour ?? 0) > ($1.savedMillisecondsPerHour ?? 0) },
                estimatedSizeBytes: selection.estimatedSizes[candidate], savedMillisecondsPerHour: saved,
                writeWarning: Self.writeWarning(table), tableActivity: table.activity,
                makesRedundant: table.indexes.filter { Self.isMadeRedundant($0, by: candidate) }.map(\.name)))
        }
        return result.sorted { ($0.savedMillisecondsPerHour ?? 0, $0.queries.count) > ($1.savedMillisecondsPerHour ?? 0, $1.queries.count) }
    }

    /// An existing plain, non-unique index whose columns the new index starts with.
    static func isMadeRedundant(_ index: ExistingIndex, by candidate: IndexCandidate) -> Bool {
        guard index.isValid, !index.isPartial, !index.isUnique, !index.backsConstraint, index.method == "btree",
              index.columns.count < candidate.columns.count
        else { return false }
        return zip(index.columns, candidate.columns).allSatisfy { have, new in have.map { new.isServed(by: $0) } == true }
    }

    static func writeWarning(_ table: TableInfo) -> String? {
        let activity = table.activity
        guard activity.isWriteHeavy else { return nil }
        return "\(table.name) is write-heavy: \(activity.inserted) rows inserted, \(activity.updated) updated "
            + "(\(activity.hotUpdated) HOT), \(activity.deleted) deleted against \(activity.scans) scan\(activity.scans == 1 ? "" : "s") since the "
            + "statistics were reset; every insert, delete and non-HOT update will also write this index"
    }

    /// PostgreSQL-style names (`orders_customer_id_created_at_idx`, then `…_idx1`), never one that exists or repeats.
    private func freeNames(for candidates: [IndexCandidate]) async throws(DatabaseError) -> [IndexCandidate: String] {
        let options = candidates.map { candidate in
            let stem = "\(candidate.table.name)_\(candidate.columns.map(\.name).joined(separator: "_"))"
            return [Self.truncated(stem, suffix: "_idx")] + (1...9).map { Self.truncated(stem, suffix: "_idx\($0)") }
        }
        let rows = try await session.rows(
            "SELECT relname::text AS name FROM pg_class WHERE relname::text = ANY($1::text[])", [options.flatMap { $0 }])
        var taken = Set(rows.compactMap { $0.string("name") })
        var names: [IndexCandidate: String] = [:]
        for (candidate, choices) in zip(candidates, options) {
            let name = choices.first { !taken.contains($0) } ?? choices[0]
            taken.insert(name)
            names[candidate] = name
        }
        return names
    }

    /// `stem + suffix` within PostgreSQL's 63-byte identifier limit.
    private static func truncated(_ stem: String, suffix: String) -> String {
        var stem = stem
        while stem.utf8.count + suffix.utf8.count > 63 { stem.removeLast() }
        return stem + suffix
    }
}
