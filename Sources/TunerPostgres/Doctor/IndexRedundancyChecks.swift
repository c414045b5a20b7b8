import Foundation
import TunerCore

/// Indexes another index on the same table already provides: exact duplicates (same method, columns,
/// operator classes, collations, expressions and predicate) and B-tree indexes whose columns lead another.
enum IndexRedundancyChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "duplicate-indexes", family: .indexes, run: redundant),
    ]

    static func redundant(_ context: DoctorContext) async throws -> CheckOutcome {
        let catalog = try await context.cache.indexes(context)
        var duplicates: [(index: IndexCatalog.Index, keeper: IndexCatalog.Index)] = []
        var prefixes: [(index: IndexCatalog.Index, wider: IndexCatalog.Index)] = []
        for (_, indexes) in Dictionary(grouping: catalog.indexes.filter { $0.isValid && !$0.isPartition }, by: \.tableOID)
        where indexes.count > 1 {
            let sorted = indexes.sorted { $0.oid < $1.oid }
            var flagged = Set<Int64>()
            for candidate in sorted {
                if let keeper = sorted.first(where: {
                    $0.oid != candidate.oid && !flagged.contains($0.oid) && isDuplicate(candidate, of: $0)
                }) {
                    flagged.insert(candidate.oid)
                    duplicates.append((candidate, keeper))
                } else if let wider = sorted.first(where: { $0.oid != candidate.oid && isPrefix(candidate, of: $0) }) {
                    flagged.insert(candidate.oid)
                    prefixes.append((candidate, wider))
                }
            }
        }
        let shown = duplicates.flatMap { [$0.index.oid, $0.keeper.oid] } + prefixes.flatMap { [$0.index.oid, $0.wider.oid] }
        let definitions = try await IndexCatalog.definitions(shown, context)
        let findings = duplicates.map { duplicate($0.index, keeper: $0.keeper, definitions) }
            + prefixes.map { prefix($0.index, wider: $0.wider, definitions) }
        return CheckOutcome(findings: findings.sorted { $0.object < $1.object })
    }

    /// The same index: every property the planner and the constraint machinery look at is equal.
    static func sameShape(_ a: IndexCatalog.Index, _ b: IndexCatalog.Index) -> Bool {
        a.method == b.method && a.expressions == b.expressions && a.predicate == b.predicate
    }

    /// `a` adds nothing over `b`: same shape and keys, and `b` is at least as strong (a unique or
    /// constraint-backed index wins over a plain one; between equals the older one is kept).
    static func isDuplicate(_ a: IndexCatalog.Index, of b: IndexCatalog.Index) -> Bool {
        guard sameShape(a, b), a.columns == b.columns, a.keyCount == b.keyCount,
              a.operatorClasses == b.operatorClasses, a.collations == b.collations, a.options == b.options
        else { return false }
        if a.backsConstraint != b.backsConstraint { return b.backsConstraint }
        if a.isUnique != b.isUnique { return b.isUnique }
        return b.oid < a.oid
    }

    /// `a`'s key columns lead `b`'s (B-tree only, where a prefix serves the same lookups), and `a` enforces
    /// nothing of its own (not unique, no constraint, no INCLUDE columns).
    static func isPrefix(_ a: IndexCatalog.Index, of b: IndexCatalog.Index) -> Bool {
        guard sameShape(a, b), a.method == "btree", !a.isUnique, !a.backsConstraint,
              a.columns.count == a.keyCount, a.keyCount < b.keyCount
        else { return false }
        let n = a.keyCount
        return Array(a.columns) == Array(b.columns.prefix(n))
            && a.operatorClasses == Array(b.operatorClasses.prefix(n))
            && a.collations == Array(b.collations.prefix(n)) && a.options == Array(b.options.prefix(n))
    }

    static func duplicate(_ index: IndexCatalog.Index, keeper: IndexCatalog.Index, _ definitions: [Int64: String])
        -> Finding
    {
        let fix = index.backsConstraint
            ? "ALTER TABLE \(index.table) DROP CONSTRAINT \(constraintName(index));  -- \(keeper.name) enforces the same"
            : "DROP INDEX \(index.isPartitioned ? "" : "CONCURRENTLY ")\(index.name);"
        return .check(
            "duplicate-index", .warning, object: index.name,
            title: "Index \(index.name) duplicates \(keeper.name)",
            evidence: [Measure.text("duplicate of", keeper.name), Measure.text("table", index.table),
                       Measure.bytes("size", index.bytes), Measure.count("index scans", index.scans),
                       Measure.statement("definition", definitions[index.oid] ?? ""),
                       Measure.statement("kept definition", definitions[keeper.oid] ?? "")],
            why: "Two identical indexes double the write cost and the cache used for \(index.table) while the planner only ever needs one.",
            fix: fix)
    }

    static func prefix(_ index: IndexCatalog.Index, wider: IndexCatalog.Index, _ definitions: [Int64: String])
        -> Finding
    {
        .check(
            "redundant-index", .info, object: index.name,
            title: "Index \(index.name) is a leading prefix of \(wider.name)",
            evidence: [Measure.text("covered by", wider.name), Measure.text("table", index.table),
                       Measure.bytes("size", index.bytes), Measure.count("index scans", index.scans),
                       Measure.statement("definition", definitions[index.oid] ?? ""),
                       Measure.statement("wider definition", definitions[wider.oid] ?? "")],
            why: "A B-tree index on (a, b) serves every lookup on (a) too, so the narrower index mostly costs writes and cache.",
            fix: "DROP INDEX \(index.isPartitioned ? "" : "CONCURRENTLY ")\(index.name);  -- after checking that \(wider.name) is not much larger for the hot queries")
    }

    private static func constraintName(_ index: IndexCatalog.Index) -> String {
        let name = index.constraintName ?? ""
        let plain = name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" } && !(name.first?.isNumber ?? true)
        return plain ? name : "\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\""
    }
}
