/// One column of an index the advisor proposes or found.
public struct IndexColumn: Codable, Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// A non-default operator class (`text_pattern_ops` for LIKE prefixes under a non-C collation).
    public var operatorClass: String?
    /// `DESC`, `NULLS FIRST`, … when an ORDER BY with mixed directions needs it; nil for the default.
    public var ordering: String?

    public init(name: String, operatorClass: String? = nil, ordering: String? = nil) {
        self.name = name
        self.operatorClass = operatorClass
        self.ordering = ordering
    }

    /// The column as written in `CREATE INDEX … (here)`.
    public var sql: String {
        [SQLIdentifier.quote(name), operatorClass, ordering].compactMap { $0 }.joined(separator: " ")
    }

    public var description: String { sql }

    /// True when an index column `other` serves what this one asks for (same column and operator class;
    /// the direction only matters when this one states it).
    func isServed(by other: IndexColumn) -> Bool {
        name == other.name && operatorClass == other.operatorClass && (ordering == nil || ordering == other.ordering)
    }
}

/// A B-tree index on plain columns of one table: what the advisor tries and suggests.
struct IndexCandidate: Hashable, Sendable, CustomStringConvertible {
    var table: TableName
    var columns: [IndexColumn]

    /// `schema.table (a, b)`: the part after `CREATE INDEX [name] ON`.
    var target: String { "\(table.sql) (\(columns.map(\.sql).joined(separator: ", ")))" }

    var description: String { "\(table) (\(columns.map(\.sql).joined(separator: ", ")))" }

    /// True when `other` is on the same table and starts with this index's columns (so it serves
    /// every lookup this one serves).
    func isCovered(by other: IndexCandidate) -> Bool {
        guard table == other.table, other.columns.count >= columns.count else { return false }
        return zip(columns, other.columns).allSatisfy { $0.isServed(by: $1) }
    }

    /// True when some existing valid B-tree index (without predicate) starts with these columns.
    func isCovered(byAnyOf indexes: [ExistingIndex]) -> Bool {
        indexes.contains { index in
            guard index.isValid, !index.isPartial, index.method == "btree", index.columns.count >= columns.count
            else { return false }
            return zip(columns, index.columns).allSatisfy { wanted, have in
                guard let have else { return false }
                return wanted.isServed(by: have)
            }
        }
    }
}
