/// Rows that fit a table, as SQL `VALUES` tuples: row numbers where a key must be unique, a foreign key's values
/// drawn from the referenced table's rows, and for every other column a plain value of its type.
struct BatchRowGenerator: Sendable {
    let table: BatchTable
    /// The columns given a value (generated columns are left to the server).
    let columns: [BatchTable.Column]
    /// Per foreign key, rows of the referenced columns as text.
    let pools: [[[String]]]

    /// Fails, naming the column, when a NOT NULL column's values cannot be made.
    init(table: BatchTable, pools: [[[String]]]) throws(DatabaseError) {
        self.table = table
        self.pools = pools
        columns = table.columns.filter { !$0.isGenerated }
        for column in columns where column.notNull {
            if let (key, _) = foreignKey(of: column.name) {
                guard !pools[key].isEmpty else {
                    let reference = table.foreignKeys[key].referenced
                    throw DatabaseError("rows for \(table.name) cannot be generated: \(column.name) references \(reference), which has no rows")
                }
            } else if Self.plainValue(column, row: 0, unique: false) == nil {
                throw DatabaseError("rows for \(table.name) cannot be generated: no value of type \(column.type) for \(column.name) (NOT NULL)")
            }
        }
    }

    /// `(v1, v2, …)` for row number `row`.
    func tuple(row: Int) -> String {
        "(" + columns.map { literal($0, row: row) }.joined(separator: ", ") + ")"
    }

    private func foreignKey(of column: String) -> (key: Int, position: Int)? {
        for (index, key) in table.foreignKeys.enumerated() {
            if let position = key.columns.firstIndex(of: column) { return (index, position) }
        }
        return nil
    }

    private func literal(_ column: BatchTable.Column, row: Int) -> String {
        if let (key, position) = foreignKey(of: column.name) {
            let pool = pools[key]
            guard !pool.isEmpty else { return "NULL" }
            return "\(Self.quoted(pool[row % pool.count][position]))::\(column.type)"
        }
        let unique = table.uniqueKeys.contains { $0.contains(column.name) }
        return Self.plainValue(column, row: row, unique: unique) ?? "NULL"
    }

    /// A value of the column's type for row `row` (distinct per row when `unique`), or nil for a type it cannot make.
    static func plainValue(_ column: BatchTable.Column, row: Int, unique: Bool) -> String? {
        let type = column.type
        switch (column.category, column.typeName) {
        case (_, "int2"): return String(unique ? row % 32_767 + 1 : row % 100 + 1)
        case ("N", _): return unique ? String(row + 1) : String(row % 100 + 1)
        case ("S", _):
            var text = "tuner-\(row)"
            if let limit = column.maxLength, text.count > limit { text = String(String(row).suffix(limit)) }
            return "\(quoted(text))::\(type)"
        case ("B", _): return row % 2 == 0 ? "true" : "false"
        case (_, "date"): return unique ? "(current_date + \(row % 1_000_000))" : "current_date"
        case ("D", _): return unique ? "(now() + interval '\(row) microseconds')::\(type)" : "now()::\(type)"
        case (_, "uuid"): return "md5('tuner-\(row)')::uuid"
        case (_, "json"), (_, "jsonb"): return "'{\"tuner\": \(row)}'::\(type)"
        case (_, "bytea"): return "'\\x\(String(row, radix: 16).count % 2 == 0 ? "" : "0")\(String(row, radix: 16))'::bytea"
        case ("E", _): return column.firstEnumLabel.map { "\(quoted($0))::\(type)" }
        case ("A", _): return "'{}'::\(type)"
        case (_, "inet"), (_, "cidr"): return "'10.\((row >> 16) & 255).\((row >> 8) & 255).\(row & 255)'::\(type)"
        case ("T", _): return "interval '\(row % 1000 + 1) seconds'"
        default: return nil
        }
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
