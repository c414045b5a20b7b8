/// Existing indexes on the workload's tables that cost writes and space without serving it:
/// invalid leftovers, duplicates and prefixes of another index, and (for a real workload) unused ones.
enum ExistingIndexReview {
    /// - Parameter judgesUnused: false for hand-written queries, which are too few to call an index unused.
    static func review(catalog: TableCatalog, plans: [QueryPlan], suggestions: [IndexSuggestion],
                       judgesUnused: Bool) -> [IndexReview] {
        let used = Set(plans.flatMap(\.indexNames))
        var reviews: [IndexReview] = []
        for table in catalog.tables.values.sorted(by: { $0.name < $1.name }) {
            for index in table.indexes.sorted(by: { $0.name < $1.name }) {
                if !index.isValid {
                    reviews.append(review(.invalid, index, "invalid (a failed CREATE INDEX CONCURRENTLY?): "
                        + "it slows every write and serves no query"))
                } else if let wider = coveringIndex(of: index, among: table.indexes) {
                    reviews.append(review(.redundant, index, "\(wider.name) starts with the same columns and serves "
                        + "the same lookups"))
                } else if let suggestion = suggestions.first(where: { $0.makesRedundant.contains(index.name) }) {
                    reviews.append(review(.redundant, index, "the suggested \(suggestion.name) starts with the same "
                        + "columns; drop this one once it exists"))
                } else if judgesUnused, !used.contains(index.name), !index.isUnique, !index.backsConstraint {
                    reviews.append(review(.unused, index, "no workload query's plan uses it (\(index.scans) index "
                        + "scans since the statistics were reset)"))
                }
            }
        }
        return reviews
    }

    private static func review(_ kind: IndexReview.Kind, _ index: ExistingIndex, _ reason: String) -> IndexReview {
        let name = "\(SQLIdentifier.quote(index.table.schema)).\(SQLIdentifier.quote(index.name))"
        return IndexReview(kind: kind, index: index, reason: reason, dropStatement: "DROP INDEX CONCURRENTLY \(name);")
    }

    /// Another valid B-tree index that starts with all of this one's columns. Of two identical
    /// indexes only the one with the later name is called redundant; unique indexes never are.
    private static func coveringIndex(of index: ExistingIndex, among others: [ExistingIndex]) -> ExistingIndex? {
        guard !index.isUnique, !index.backsConstraint, !index.isPartial, index.method == "btree",
              !index.columns.contains(where: { $0 == nil })
        else { return nil }
        return others.first { other in
            guard other.name != index.name, other.isValid, !other.isPartial, other.method == "btree",
                  other.columns.count >= index.columns.count,
                  zip(index.columns, other.columns).allSatisfy({ $0 == $1 })
            else { return false }
            let isIdentical = other.columns.count == index.columns.count
            return !isIdentical || other.isUnique || other.backsConstraint || other.name < index.name
        }
    }
}
