/// Index advice without hypopg, from column statistics the way PgHero does it: a large table read
/// sequentially by a query whose filter keeps few of its rows gets an index on the filter's columns.
///
/// Less certain than hypothetical indexes: the saving is a rough model (an index read of a fraction
/// `f` of the rows costs about `10 f` of a full scan, for the random page reads), not the planner's answer.
struct StatisticsFallback {
    /// Tables smaller than this are cheap to scan; an index rarely pays for itself.
    static let minimumRows: Double = 10_000
    /// The filter must keep at most this share of the table's rows.
    static let maximumFraction = 0.05

    let queries: [PlannedQuery]
    let catalog: TableCatalog
    let minSavings: Double

    func run() -> Selection {
        var outcomes: [Int: QueryOutcome] = [:]
        var chosen: [IndexCandidate] = []
        for (i, query) in queries.enumerated() {
            var cost = query.baseline.totalCost
            var used = Set<IndexCandidate>()
            for usage in query.usage.values.sorted(by: { $0.table < $1.table }) {
                guard let found = proposal(for: usage) else { continue }
                let (candidate, fraction) = found
                let share = min(1, usage.scanCost / max(query.baseline.totalCost, 0.001))
                let saved = share * max(0, 1 - 10 * fraction)
                guard saved > 0 else { continue }
                cost -= query.baseline.totalCost * saved
                used.insert(candidate)
            }
            let outcome = QueryOutcome(cost: max(cost, 0), indexes: used)
            guard !used.isEmpty, outcome.cost <= query.baseline.totalCost * (1 - minSavings) else { continue }
            outcomes[i] = outcome
            for candidate in used where !chosen.contains(candidate) { chosen.append(candidate) }
        }
        // The same pruning as with hypopg: no index that a chosen one covers as a prefix.
        let kept = chosen.filter { c in !chosen.contains { $0 != c && c.isCovered(by: $0) } }
        for (i, outcome) in outcomes {
            let indexes = Set(outcome.indexes.map { c in kept.contains(c) ? c : kept.first { c.isCovered(by: $0) } ?? c })
            outcomes[i]?.indexes = indexes
        }
        return Selection(indexes: kept, outcomes: outcomes, estimatedSizes: [:], notes: [], candidatesTried: chosen.count)
    }

    /// The index for one table's usage and the share of rows the filter keeps, when it looks worth it.
    private func proposal(for usage: TableUsage) -> (IndexCandidate, Double)? {
        guard usage.isScannedSequentially, let info = catalog[usage.table], info.isIndexable,
              info.estimatedRows >= Self.minimumRows
        else { return nil }
        // Columns with a single value narrow nothing; the most distinct go first.
        let equality = usage.equality.filter { (info.columns[$0]?.distinctValues ?? 0) > 1 }.stableSorted {
            (info.columns[$0]?.distinctValues ?? 0) > (info.columns[$1]?.distinctValues ?? 0)
        }
        // Equality: 1 / n_distinct per column (pg_stats); otherwise the planner's own row estimate.
        let fraction = equality.isEmpty
            ? usage.scanRows / info.estimatedRows
            : equality.reduce(1.0) { $0 / (info.columns[$1]?.distinctValues ?? 1) }
        guard fraction <= Self.maximumFraction else { return nil }
        var columns = equality.map { IndexColumn(name: $0) }
        if let range = (usage.likePrefix + usage.range).first(where: { info.columns[$0] != nil && !equality.contains($0) }) {
            let isLike = usage.likePrefix.contains(range)
            columns.append(IndexColumn(name: range, operatorClass: isLike ? info.columns[range]?.patternOperatorClass : nil))
        } else {
            columns += usage.sort.map(\.column.column).filter { name in !columns.contains { $0.name == name } }
                .map { IndexColumn(name: $0) }
        }
        guard !columns.isEmpty else { return nil }
        let candidate = IndexCandidate(table: info.name, columns: Array(columns.prefix(CandidateGenerator.maxColumns)))
        guard !candidate.isCovered(byAnyOf: info.indexes) else { return nil }
        return (candidate, fraction)
    }
}
