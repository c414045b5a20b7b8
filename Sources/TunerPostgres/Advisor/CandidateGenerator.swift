/// How one query uses one table, read from its plan: the columns an index could serve.
struct TableUsage: Sendable, Equatable {
    var table: TableName
    var equality: [String] = []
    var range: [String] = []
    var likePrefix: [String] = []
    var join: [String] = []
    var sort: [SortKey] = []
    /// `LIKE $n`: the pattern is unknown, so its index cannot be judged from a generic plan.
    var likeParameters: [String] = []
    /// The table is read by a sequential scan somewhere in the plan.
    var isScannedSequentially = false
    /// The rows the plan expects from its scan of the table, and the cost of that scan.
    var scanRows: Double = 0
    var scanCost: Double = 0

    var isEmpty: Bool { equality.isEmpty && range.isEmpty && likePrefix.isEmpty && join.isEmpty && sort.isEmpty }
}

/// Finds the candidate indexes for a query: the columns its plan filters, joins and sorts on,
/// single and combined in the order a B-tree serves best (equality, then one range, then ORDER BY).
enum CandidateGenerator {
    /// Wider indexes rarely pay for their size and write cost.
    static let maxColumns = 3

    /// Per table alias: what the plan asks of that table's columns.
    static func usage(of plan: QueryPlan) -> [String: TableUsage] {
        let relations = plan.relationsByAlias
        var usage: [String: TableUsage] = [:]
        func touch(_ column: ColumnReference, _ update: (inout TableUsage) -> Void) {
            guard let table = relations[column.alias] else { return }
            var entry = usage[column.alias] ?? TableUsage(table: table)
            update(&entry)
            usage[column.alias] = entry
        }
        for node in plan.root.allNodes {
            if let name = node.relationName {
                let alias = node.alias ?? name
                var entry = usage[alias] ?? TableUsage(table: relations[alias] ?? TableName(schema: "public", name: name))
                if node.isSequentialScan { entry.isScannedSequentially = true }
                entry.scanRows = max(entry.scanRows, node.planRows)
                entry.scanCost = max(entry.scanCost, node.totalCost)
                usage[alias] = entry
            }
            for condition in node.conditions {
                for predicate in ConditionParser.predicates(in: condition) {
                    switch predicate {
                    case .equality(let c): touch(c) { $0.equality.appendOnce(c.column) }
                    case .range(let c): touch(c) { $0.range.appendOnce(c.column) }
                    case .likePrefix(let c): touch(c) { $0.likePrefix.appendOnce(c.column) }
                    case .likeParameter(let c): touch(c) { $0.likeParameters.appendOnce(c.column) }
                    case .join(let a, let b):
                        touch(a) { $0.join.appendOnce(a.column) }
                        touch(b) { $0.join.appendOnce(b.column) }
                    }
                }
            }
            // The topmost sort whose keys are all plain columns of one table: an index can deliver that order.
            let keys = node.sortKeys.map(ConditionParser.sortKey)
            if !keys.isEmpty, let first = keys.first ?? nil, keys.allSatisfy({ $0?.column.alias == first.column.alias }) {
                touch(first.column) { if $0.sort.isEmpty { $0.sort = keys.compactMap { $0 } } }
            }
        }
        return usage
    }

    /// Candidate indexes for one table's usage, most useful shapes included, duplicates removed.
    static func candidates(for usage: TableUsage, table info: TableInfo) -> [IndexCandidate] {
        guard info.isIndexable else { return [] }
        let known = { (name: String) in info.columns[name] != nil }
        // Most distinct first: the index then also narrows lookups that give only its first column.
        let equality = (usage.equality + usage.join).filter(known).uniqued().stableSorted {
            (info.columns[$0]?.distinctValues ?? 0) > (info.columns[$1]?.distinctValues ?? 0)
        }
        let ownEquality = equality.filter { usage.equality.contains($0) }
        let ranges = (usage.likePrefix + usage.range).filter(known).uniqued().filter { !equality.contains($0) }
        let sort = usage.sort.filter { known($0.column.column) }
        let sortColumns = sortIndexColumns(sort)

        func plain(_ name: String) -> IndexColumn { IndexColumn(name: name) }
        func ranged(_ name: String) -> IndexColumn {
            let isLike = usage.likePrefix.contains(name) && !usage.range.contains(name)
            return IndexColumn(name: name, operatorClass: isLike ? info.columns[name]?.patternOperatorClass : nil)
        }
        var shapes: [[IndexColumn]] = equality.map { [plain($0)] } + ranges.map { [ranged($0)] }
        if let first = sortColumns.first { shapes.append([first]) }
        for eq in [equality, ownEquality].uniqued() where !eq.isEmpty {
            let head = eq.map(plain)
            if eq.count > 1 { shapes.append(head) }
            if let range = ranges.first { shapes.append(head + [ranged(range)]) }
            let tail = sortColumns.filter { column in !eq.contains(column.name) }
            if !tail.isEmpty { shapes.append(head + tail) }
        }
        if sortColumns.count > 1 { shapes.append(sortColumns) }
        if let range = ranges.first, sortColumns.first?.name == range, !ownEquality.isEmpty {
            shapes.append(ownEquality.map(plain) + sortColumns)
        }
        // An equality lookup on a unique column finds one row: more columns behind it only widen the index.
        let unique = Set(info.indexes.filter { $0.isUnique && $0.isValid && !$0.isPartial && $0.columns.count == 1 }
            .compactMap { $0.columns.first??.name })
        var seen = Set<[IndexColumn]>()
        return shapes.map { Array($0.prefix(maxColumns)) }
            .filter { $0.count == 1 || !(unique.contains($0[0].name) && equality.contains($0[0].name)) }
            .filter { seen.insert($0).inserted }
            .map { IndexCandidate(table: info.name, columns: $0) }
    }

    /// ORDER BY columns; directions are spelled out only when they are mixed (a uniform order is
    /// served by scanning a plain index in either direction).
    private static func sortIndexColumns(_ keys: [SortKey]) -> [IndexColumn] {
        let isUniform = keys.allSatisfy { $0.nullsFirst == nil && $0.isDescending == keys.first?.isDescending }
        return keys.map { key in
            guard !isUniform else { return IndexColumn(name: key.column.column) }
            var words: [String] = key.isDescending ? ["DESC"] : []
            if let nullsFirst = key.nullsFirst { words.append(nullsFirst ? "NULLS FIRST" : "NULLS LAST") }
            return IndexColumn(name: key.column.column, ordering: words.isEmpty ? nil : words.joined(separator: " "))
        }
    }
}
