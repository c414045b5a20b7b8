import EmbeddedPostgres
import Foundation
import Testing
import TunerPostgres
import TunerTestSupport

/// A fresh database in the suite's cluster, filled by planted SQL.
struct AdvisorDatabase {
    let cluster: EmbeddedCluster
    let name: String
    let settings: ConnectionSettings

    /// Creates the database (with pg_stat_statements and hypopg), runs `setup`, resets the statistics
    /// so the bulk load does not count as the table's write traffic (flushed first: PostgreSQL 15
    /// batches a backend's statistics, and a late flush would land after the reset).
    static func make(_ setup: String, function: String = #function) async throws -> AdvisorDatabase {
        let cluster = try SuiteCluster.cluster
        let name = "adv_" + function.prefix { $0 != "(" }.lowercased() + "_\(UInt32.random(in: 0...UInt32.max))"
        let url = try await cluster.createDatabase(name)
        try await cluster.psql(setup + "\nSELECT pg_stat_force_next_flush();\nSELECT pg_stat_reset();", database: name)
        return AdvisorDatabase(cluster: cluster, name: name, settings: try ConnectionSettings(url: url))
    }

    func psql(_ sql: String) async throws -> String {
        try await cluster.psql(sql, database: name).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Advice on hand-written queries in a read-only session.
    func advise(_ queries: [String], options: AdvisorOptions = AdvisorOptions()) async throws -> AdvisorReport {
        try await advise(.queries(queries), options: options)
    }

    func advise(_ workload: AdvisorWorkload, options: AdvisorOptions = AdvisorOptions()) async throws -> AdvisorReport {
        try await DatabaseSession.withSession(settings) { session in
            try await IndexAdvisor.advise(session, workload: workload, options: options)
        }
    }

    /// The plan of `sql` as text (EXPLAIN, never run).
    func explain(_ sql: String) async throws -> String {
        try await psql("EXPLAIN \(sql)")
    }
}

/// Planted tables whose right index is known.
enum AdvisorFixtures {
    /// 200,000 orders: 5,000 customers (40 orders each), 5 statuses, a timestamp per minute.
    static let orders = """
        CREATE TABLE customers (id int PRIMARY KEY, email text UNIQUE NOT NULL, region text NOT NULL);
        INSERT INTO customers SELECT g, 'user' || g || '@example.com', 'region-' || (g % 20)
            FROM generate_series(1, 5000) g;
        CREATE TABLE orders (
            id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
            created_at timestamptz NOT NULL, total numeric(10, 2) NOT NULL, a int NOT NULL, b int NOT NULL);
        INSERT INTO orders
            SELECT g, 1 + g % 5000, (ARRAY['new', 'paid', 'sent', 'done', 'void'])[1 + g % 5],
                   timestamptz '2026-01-01' + g * interval '1 minute', (g % 1000) / 10.0, g % 500, g % 499
            FROM generate_series(1, 200000) g;
        CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, label text COLLATE "und-x-icu" NOT NULL);
        INSERT INTO products SELECT g, 'product-' || lpad(g::text, 6, '0'), 'label-' || lpad(g::text, 6, '0')
            FROM generate_series(1, 200000) g;
        CREATE TABLE settings (key text NOT NULL, value text NOT NULL);
        INSERT INTO settings SELECT 'key-' || g, 'value' FROM generate_series(1, 40) g;
        ANALYZE;
        """
}

extension AdvisorReport {
    /// Each suggestion as `table(col, col)` for exact comparisons.
    var shapes: [String] {
        suggestions.map { "\($0.table.name)(\($0.columns.map(\.sql).joined(separator: ", ")))" }
    }
}
