import Foundation
import Testing
import TunerCore
import TunerReport
import TunerTestSupport

@testable import TunerPostgres

/// `tuner db batch` against a real cluster: a table with a foreign key, unique keys, an enum, a bounded varchar
/// and a serial key is measured at every size, its real table and sequence untouched, nothing left behind.
@Suite(.serialized, .suiteCluster)
struct BatchBenchmarkTests {
    static let schema = """
        CREATE TYPE order_status AS ENUM ('new', 'paid');
        CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
        INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 20) g;
        CREATE TABLE orders (
            id bigserial PRIMARY KEY,
            customer_id int NOT NULL REFERENCES customers (id),
            reference varchar(12) NOT NULL UNIQUE,
            status order_status NOT NULL,
            total numeric(10, 2) NOT NULL,
            placed_at timestamptz NOT NULL DEFAULT now(),
            token uuid UNIQUE,
            details jsonb,
            paid boolean NOT NULL DEFAULT false
        );
        CREATE INDEX ON orders (customer_id);
        INSERT INTO orders (customer_id, reference, status, total) VALUES (1, 'existing', 'new', 9.99);
        """

    static func session(_ database: String) throws -> ConnectionSettings {
        let cluster = try DoctorCluster.cluster
        return ConnectionSettings(host: "127.0.0.1", port: cluster.port, user: "postgres", database: database, sslMode: .disable)
    }

    static func state(_ database: String) async throws -> String {
        try await DoctorCluster.cluster.psql(
            "SELECT (SELECT count(*) FROM orders) || '/' || (SELECT last_value FROM orders_id_seq) || '/' || "
                + "(SELECT count(*) FROM pg_class WHERE relname LIKE 'tuner_batch_%')", database: database)
    }

    @Test(arguments: [false, true])
    func everySizeIsMeasuredAndNothingRemains(upsert: Bool) async throws {
        let database = try await DoctorCluster.database(planting: Self.schema)
        let before = try await Self.state(database)
        let result = try await DatabaseSession.withSession(try Self.session(database), options: .init(allowsWrites: true)) { session in
            try await BatchBenchmark(table: "orders", sizes: [1, 10, 100], upsert: upsert).run(session)
        }
        #expect(result.sizes.map(\.size) == [1, 10, 100])
        #expect(result.sizes.map(\.rows) == [50, 500, 5000])
        for size in result.sizes {
            #expect(size.rowsPerSecond > 0 && size.millisecondsPerBatchMedian > 0)
            // Every row writes its heap tuple and four index entries: well over 100 bytes of WAL each.
            #expect(size.walBytesPerRow > 100, "\(size.walBytesPerRow) WAL bytes per row at \(size.size)")
        }
        // Round trips dominate single-row statements: batching is much faster per row.
        #expect(result.sizes[2].rowsPerSecond > result.sizes[0].rowsPerSecond * 3, "\(result.sizes.map(\.rowsPerSecond))")
        #expect(result.knee != nil)
        #expect(try await Self.state(database) == before, "the real table, its sequence and the catalog are as they were")
        #expect(BatchText.render(result).contains("maxBatchSize = "))
    }

    @Test func aTableWhoseRowsCannotBeMadeIsOneLine() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE strict (id int PRIMARY KEY, amount int NOT NULL CHECK (amount < 0));
            CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id));
            CREATE TABLE plain (name text);
            """)
        let settings = try Self.session(database)
        func failure(_ table: String, upsert: Bool = false) async -> String? {
            do {
                _ = try await DatabaseSession.withSession(settings, options: .init(allowsWrites: true)) { session in
                    try await BatchBenchmark(table: table, sizes: [1], upsert: upsert).run(session)
                }
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(await failure("strict")?.contains("a CHECK constraint refused them (CHECK ((amount < 0)))") == true)
        #expect(await failure("child")?.contains("parent_id references parent, which has no rows") == true)
        #expect(await failure("plain", upsert: true)?.contains("has no primary key: --upsert needs one") == true)
        #expect(await failure("nowhere")?.contains("no table nowhere") == true)
        #expect(try await DoctorCluster.cluster.psql("SELECT count(*) FROM pg_class WHERE relname LIKE 'tuner_batch_%'", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
