import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import TunerCore

/// Creates the shop's schema and loads deterministic data with COPY.
public enum ShopSeeder {
    /// Drops the shop's tables in the database at `url`, recreates them and loads `scale`'s data;
    /// `progress` is called from time to time (from several tasks, so it must be thread-safe).
    @discardableResult
    public static func seed(
        url: String, scale: SeedScale, progress: @escaping @Sendable (SeedProgress) -> Void = { _ in }
    ) async throws -> SeedSummary {
        do {
            try await ShopConnection.check(url: url)
        } catch {
            throw ShopSeedError("seeding failed: \(error)")
        }
        var configuration = try PostgresClient.Configuration.shop(url: url, applicationName: "demo-shop-seeder")
        configuration.options.maximumConnections = 3
        let client = PostgresClient(configuration: configuration)
        let now = Int(Date().timeIntervalSince1970)
        let seeder = Seeder(client: client, data: SeedData(scale: scale, anchor: SeedData.anchor(forNow: now)),
                            progress: progress)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                return try await seeder.run()
            } catch {
                throw ShopSeedError("seeding failed: \(describeDatabaseError(error))")
            }
        }
    }
}

/// A seeding failure, with the server's message.
public struct ShopSeedError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// One seeding run.
private struct Seeder: Sendable {
    let client: PostgresClient
    let data: SeedData
    let progress: @Sendable (SeedProgress) -> Void
    let logger = Logger(label: "demo-shop.seeder")
    let started = ContinuousClock.now

    var elapsed: Duration { ContinuousClock.now - started }

    func run() async throws -> SeedSummary {
        let scale = data.scale
        report(.schema)
        try await execute([ShopSchema.dropSQL] + statements(ShopSchema.tablesSQL))
        // Each table goes over its own connection: PostgreSQL parses one COPY per backend, so two
        // streams keep both cores busy while this process generates the next rows.
        let rows = NIOLockedValueBox([String: Int]())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let customers = try await load("customers", expected: scale.customers) { id, out in
                    guard id <= scale.customers else { return nil }
                    data.writeCustomer(id, to: &out)
                    return 1
                }
                let products = try await load("products", expected: scale.products) { id, out in
                    guard id <= scale.products else { return nil }
                    data.writeProduct(id, to: &out)
                    return 1
                }
                let reviews = try await load("reviews", expected: scale.reviews) { id, out in
                    guard id <= scale.reviews else { return nil }
                    data.writeReview(id, to: &out)
                    return 1
                }
                rows.withLockedValue { $0.merge(["customers": customers, "products": products, "reviews": reviews]) { $1 } }
            }
            group.addTask {
                let orders = try await load("orders", expected: scale.orders) { id, out in
                    guard id <= scale.orders else { return nil }
                    data.writeOrder(id, to: &out)
                    return 1
                }
                rows.withLockedValue { $0["orders"] = orders }
            }
            group.addTask {
                var nextLineID = 1
                let items = try await load("order_items", expected: scale.expectedOrderItems) { order, out in
                    guard order <= scale.orders else { return nil }
                    let written = data.writeOrderItems(ofOrder: order, firstLineID: nextLineID, to: &out)
                    nextLineID += written
                    return written
                }
                rows.withLockedValue { $0["order_items"] = items }
            }
            try await group.waitForAll()
        }
        report(.constraints)
        try await addConstraints()
        try await execute(statements(ShopSchema.resetSequencesSQL))
        report(.analyze)
        try await execute(["VACUUM (ANALYZE) " + ShopSchema.tableNames.joined(separator: ", ")])
        var summary = SeedSummary(scale: scale, rows: rows.withLockedValue { $0 }, duration: elapsed)
        summary.rows["audit_log"] = 0
        report(.done)
        return summary
    }

    /// Streams rows into `table`: `write(n, buffer)` writes the rows of the n-th entity (1, 2, …) and
    /// returns how many it wrote, or nil when there are no more.
    private func load(
        _ table: String, expected: Int, write: (Int, inout CopyTextBuffer) -> Int?
    ) async throws -> Int {
        var written = 0
        try await client.withConnection { connection in
            try await connection.query("SET synchronous_commit = off", logger: logger)
            try await connection.copyFrom(table: table, logger: logger) { writer in
                var out = CopyTextBuffer()
                var entity = 1
                var lastReport = 0
                while let count = write(entity, &out) {
                    written += count
                    entity += 1
                    if out.byteCount >= 1 << 18 {
                        try await writer.write(out.take())
                        if written - lastReport >= 50_000 {
                            lastReport = written
                            report(.loading, table: table, rows: written, expected: expected)
                        }
                    }
                }
                if out.byteCount > 0 { try await writer.write(out.take()) }
            }
        }
        report(.loading, table: table, rows: written, expected: written)
        return written
    }

    /// Primary keys in parallel (each builds an index), then the foreign keys that need them.
    private func addConstraints() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for statement in statements(ShopSchema.primaryKeysSQL) {
                group.addTask { try await execute([statement]) }
            }
            try await group.waitForAll()
        }
        try await execute(statements(ShopSchema.foreignKeysSQL))
    }

    private func execute(_ sql: [String]) async throws {
        try await client.withConnection { connection in
            try await connection.query("SET maintenance_work_mem = '256MB'", logger: logger)
            for statement in sql {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    private func report(_ phase: SeedProgress.Phase, table: String? = nil, rows: Int = 0, expected: Int = 0) {
        progress(SeedProgress(phase: phase, table: table, rowsWritten: rows, rowsExpected: expected,
                              elapsed: elapsed))
    }
}

/// Splits a script of `;`-terminated statements (none of ours has a `;` inside a literal).
func statements(_ script: String) -> [String] {
    script.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
}
