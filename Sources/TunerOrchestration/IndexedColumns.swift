/// The `table (columns)` that a missing-index finding names — `public.order_items (order_id)` from the
/// doctor, `order_items (order_id, created_at)` from the advisor — read without the `public` schema,
/// quotes, spaces or case, so that both tools' wording of the same index compares equal.
package struct IndexedColumns: Hashable, CustomStringConvertible {
    /// The schema when it is not `public`.
    package let schema: String?
    package let table: String
    package let columns: [String]

    /// Nil when `object` does not have the form `[schema.]table (column, …)`.
    package init?(_ object: String) {
        guard let open = object.firstIndex(of: "("), let close = object.lastIndex(of: ")"), open < close else {
            return nil
        }
        let name = Self.normalized(object[..<open])
        let columns = object[object.index(after: open)..<close].split(separator: ",", omittingEmptySubsequences: false)
            .map(Self.normalized)
        guard !name.isEmpty, !columns.isEmpty, !columns.contains("") else { return nil }
        if let dot = name.lastIndex(of: ".") {
            let schema = String(name[..<dot])
            self.schema = schema == "public" ? nil : schema
            table = String(name[name.index(after: dot)...])
        } else {
            schema = nil
            table = name
        }
        self.columns = columns
    }

    /// `order_items(order_id,created_at)`, or `shop.orders(id)` outside `public`.
    package var description: String { (schema.map { $0 + "." } ?? "") + table + "(" + columns.joined(separator: ",") + ")" }

    /// An index on these columns also serves lookups on `other`'s when they lead these (an index on
    /// (a, b) serves what one on (a) would).
    package func covers(_ other: IndexedColumns) -> Bool {
        schema == other.schema && table == other.table && columns.starts(with: other.columns)
    }

    private static func normalized(_ text: Substring) -> String {
        text.filter { $0 != " " && $0 != "\"" && $0 != "\t" }.lowercased()
    }
}
