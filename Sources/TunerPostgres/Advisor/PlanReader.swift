import Foundation

/// One node of an `EXPLAIN (VERBOSE, FORMAT JSON)` plan, reduced to what the index advisor reads.
struct PlanNode: Sendable {
    var nodeType: String
    /// The table a scan reads (`Relation Name`), its schema and the alias the plan's expressions use.
    var relationName: String?
    var schema: String?
    var alias: String?
    /// The index an index or bitmap scan uses (hypothetical ones read `<oid>btree_…`).
    var indexName: String?
    var startupCost: Double
    var totalCost: Double
    var planRows: Double
    /// Filter, Index Cond, Recheck Cond, Hash Cond, Merge Cond, Join Filter: deparsed expressions.
    var conditions: [String]
    /// `Sort Key` of a Sort node (`t.created_at DESC`), `Presorted Key` excluded.
    var sortKeys: [String]
    var children: [PlanNode]

    /// True for nodes that read a table row by row without an index.
    var isSequentialScan: Bool { nodeType == "Seq Scan" }

    /// This node and every node below it, depth first.
    var allNodes: [PlanNode] {
        var result = [self]
        for child in children { result += child.allNodes }
        return result
    }
}

/// A planned query: the root node and its estimated total cost.
struct QueryPlan: Sendable {
    var root: PlanNode

    var totalCost: Double { root.totalCost }

    /// Names of the indexes any node of the plan uses.
    var indexNames: Set<String> { Set(root.allNodes.compactMap(\.indexName)) }

    /// Scans of named tables: alias → (schema, table).
    var relationsByAlias: [String: TableName] {
        var map: [String: TableName] = [:]
        for node in root.allNodes {
            guard let name = node.relationName else { continue }
            map[node.alias ?? name] = TableName(schema: node.schema ?? "public", name: name)
        }
        return map
    }
}

/// Reads the JSON that `EXPLAIN (FORMAT JSON)` returns.
enum PlanReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private static let conditionKeys = ["Index Cond", "Recheck Cond", "Filter", "Hash Cond", "Merge Cond", "Join Filter"]

    /// Parses the single-element array `[{"Plan": {…}}]`.
    static func read(_ json: String) throws(Failure) -> QueryPlan {
        guard let data = json.data(using: .utf8),
              let top = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]],
              let plan = top.first?["Plan"] as? [String: Any]
        else { throw Failure(description: "EXPLAIN did not return a JSON plan") }
        return QueryPlan(root: node(plan))
    }

    private static func node(_ object: [String: Any]) -> PlanNode {
        let children = (object["Plans"] as? [[String: Any]] ?? []).map(node)
        // Parallel Seq Scan is a sequential scan too; the flag keeps the node type comparable.
        var type = object["Node Type"] as? String ?? "?"
        if type == "Parallel Seq Scan" { type = "Seq Scan" }
        return PlanNode(
            nodeType: type,
            relationName: object["Relation Name"] as? String,
            schema: object["Schema"] as? String,
            alias: object["Alias"] as? String,
            indexName: object["Index Name"] as? String,
            startupCost: number(object["Startup Cost"]),
            totalCost: number(object["Total Cost"]),
            planRows: number(object["Plan Rows"]),
            conditions: conditionKeys.compactMap { object[$0] as? String },
            sortKeys: object["Sort Key"] as? [String] ?? [],
            children: children)
    }

    private static func number(_ value: Any?) -> Double {
        if let d = value as? Double { return d }
        if let n = value as? NSNumber { return n.doubleValue }
        return 0
    }
}

/// A schema-qualified table name.
public struct TableName: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var schema: String
    public var name: String

    public init(schema: String, name: String) {
        self.schema = schema
        self.name = name
    }

    /// `schema.table` with identifiers quoted where SQL needs it.
    public var sql: String { "\(SQLIdentifier.quote(schema)).\(SQLIdentifier.quote(name))" }

    public var description: String { schema == "public" ? name : "\(schema).\(name)" }

    public static func < (lhs: TableName, rhs: TableName) -> Bool {
        (lhs.schema, lhs.name) < (rhs.schema, rhs.name)
    }
}
