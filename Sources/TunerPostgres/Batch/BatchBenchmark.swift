import Foundation
import TunerCore

/// `tuner db batch`: how long a batch INSERT (or UPSERT) into a table takes at each batch size, its rows per second
/// and WAL bytes per row, and the batch size to use.
///
/// Rows are generated to fit the table's columns and constraints and written into a copy of it (`LIKE … INCLUDING
/// ALL`, with the original's foreign keys added so their checks are paid as in the real table) created inside a
/// transaction that is rolled back: the real table is never written, and nothing remains.
public struct BatchBenchmark: Sendable {
    public var table: String
    public var sizes: [Int]
    public var upsert: Bool
    /// A line per measured size, as it finishes.
    public var progress: @Sendable (String) -> Void = { _ in }

    public init(table: String, sizes: [Int] = [1, 10, 100, 1000, 10_000], upsert: Bool = false) {
        self.table = table
        self.sizes = sizes
        self.upsert = upsert
    }

    /// Batches per size: enough rows to time (at least 3 batches, at most 50, about 5,000 rows).
    static func batches(for size: Int) -> Int { max(3, min(50, 5_000 / max(size, 1))) }

    /// Runs the measurements on `session` (which must allow writes).
    public func run(_ session: DatabaseSession) async throws(DatabaseError) -> BatchResult {
        let shape = try await BatchTable.read(table, session: session)
        if upsert && shape.primaryKey.isEmpty {
            throw DatabaseError("\(shape.name) has no primary key: --upsert needs one (ON CONFLICT on it)")
        }
        var pools: [[[String]]] = []
        for key in shape.foreignKeys {
            let columns = key.referencedColumns.enumerated().map { "\(SQLIdentifier.quote($0.element))::text AS c\($0.offset)" }
            let rows = try await session.rows("SELECT \(columns.joined(separator: ", ")) FROM \(key.referenced.sql) LIMIT 1000")
            pools.append(rows.map { row in key.referencedColumns.indices.map { row.string("c\($0)") ?? "" } })
        }
        let generator = try BatchRowGenerator(table: shape, pools: pools)
        let copy = TableName(schema: shape.name.schema, name: "tuner_batch_\(String(UInt32.random(in: 0...UInt32.max), radix: 16))")
        let columnList = generator.columns.map { SQLIdentifier.quote($0.name) }.joined(separator: ", ")
        let overriding = generator.columns.contains { $0.identity == "a" } ? " OVERRIDING SYSTEM VALUE" : ""
        let conflict = shape.primaryKey.map(SQLIdentifier.quote).joined(separator: ", ")
        let updates = generator.columns.filter { !shape.primaryKey.contains($0.name) }
            .map { "\(SQLIdentifier.quote($0.name)) = EXCLUDED.\(SQLIdentifier.quote($0.name))" }
        let onConflict = updates.isEmpty ? " ON CONFLICT (\(conflict)) DO NOTHING"
            : " ON CONFLICT (\(conflict)) DO UPDATE SET \(updates.joined(separator: ", "))"

        try await session.execute("BEGIN")
        do {
            try await session.execute("CREATE TABLE \(copy.sql) (LIKE \(shape.name.sql) INCLUDING ALL)")
            for key in shape.foreignKeys {
                try await session.execute(
                    "ALTER TABLE \(copy.sql) ADD FOREIGN KEY (\(key.columns.map(SQLIdentifier.quote).joined(separator: ", "))) "
                        + "REFERENCES \(key.referenced.sql) (\(key.referencedColumns.map(SQLIdentifier.quote).joined(separator: ", ")))")
            }
            var measured: [BatchResult.Size] = []
            var row = 0
            for size in sizes {
                var milliseconds: [Double] = []
                var walBytes = 0.0
                for _ in 0..<Self.batches(for: size) {
                    let values = (row..<row + size).map(generator.tuple(row:)).joined(separator: ", ")
                    row += size
                    let insert = "INSERT INTO \(copy.sql) (\(columnList))\(overriding) VALUES \(values)"
                    if upsert { try await session.execute(insert) }  // the rows the upsert then conflicts with
                    let walBefore = try await Self.walPosition(session)
                    let started = ContinuousClock.now
                    try await session.execute(upsert ? insert + onConflict : insert)
                    milliseconds.append((ContinuousClock.now - started).seconds * 1000)
                    walBytes += try await Self.walPosition(session) - walBefore
                }
                let result = BatchResult.Size(size: size, milliseconds: milliseconds, walBytes: walBytes)
                measured.append(result)
                progress(result.line)
            }
            try await session.execute("ROLLBACK")
            return BatchResult(table: shape.name.description, upsert: upsert, sizes: measured)
        } catch {
            try? await session.execute("ROLLBACK")
            if error.sqlState == "23514" {
                throw DatabaseError("rows for \(shape.name) cannot be generated: a CHECK constraint refused them (\(shape.checks.joined(separator: "; ")))")
            }
            if error.sqlState == "42501" {
                throw DatabaseError("tuner db batch needs to create a table in schema \(shape.name.schema) (inside a transaction it rolls back): \(error.description)")
            }
            throw error
        }
    }

    /// The server's WAL insert position in bytes (other sessions' writes count too; on a busy server, expect noise).
    static func walPosition(_ session: DatabaseSession) async throws(DatabaseError) -> Double {
        try await session.scalar("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::float8 AS b")?.double ?? 0
    }
}
