import Foundation
import Testing
import TunerCore
import TunerTestSupport

@testable import TunerPostgres

/// Index problems planted in a real cluster, found by the doctor with the right object and evidence.
@Suite(.serialized, .suiteCluster)
struct DoctorIndexTests {
    static let shop = """
        CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id),
                             status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 100) g;
        INSERT INTO orders SELECT g, 1 + g % 100, 'new', now() FROM generate_series(1, 1000) g;
        """

    @Test func foreignKeyWithoutIndexIsFoundAndCoveredOnesAreNot() async throws {
        let database = try await DoctorCluster.database(planting: Self.shop + """
            CREATE TABLE items (order_id bigint REFERENCES orders (id), line int, PRIMARY KEY (order_id, line));
            CREATE TABLE shipments (order_id bigint, customer_id bigint, id int PRIMARY KEY,
              FOREIGN KEY (order_id) REFERENCES orders (id), FOREIGN KEY (customer_id) REFERENCES customers (id));
            CREATE INDEX shipments_customer_order ON shipments (customer_id, order_id);
            CREATE TABLE notes (id int PRIMARY KEY, customer_id bigint REFERENCES customers (id));
            CREATE INDEX notes_partial ON notes (customer_id) WHERE id > 10;
            """)
        let report = try await DoctorCluster.check(database)
        let orders = try report.finding("missing-fk-index", object: "public.orders (customer_id)")
        #expect(orders.severity == .warning)
        #expect(try orders.value("references") == "public.customers")
        #expect(try orders.value("constraint") == "orders_customer_id_fkey")
        #expect(try orders.number("table rows") == 1000)
        #expect(orders.fix == "CREATE INDEX CONCURRENTLY ON public.orders (customer_id);")
        // A partial index cannot serve the foreign key's lookups.
        _ = try report.finding("missing-fk-index", object: "public.notes (customer_id)")
        // shipments.order_id leads no index (customer_id does): missing; customer_id is covered.
        _ = try report.finding("missing-fk-index", object: "public.shipments (order_id)")
        let objects = report.findings(withID: "missing-fk-index").map(\.object)
        #expect(!objects.contains("public.shipments (customer_id)"))
        #expect(!objects.contains { $0.hasPrefix("public.items") }, "the primary key (order_id, line) covers items")
        #expect(objects.count == 3)
    }

    @Test func duplicateAndPrefixRedundantIndexes() async throws {
        let database = try await DoctorCluster.database(planting: Self.shop + """
            CREATE INDEX orders_customer ON orders (customer_id);
            CREATE INDEX orders_status_a ON orders (status);
            CREATE INDEX orders_status_b ON orders (status);
            CREATE INDEX orders_status_new ON orders (status) WHERE status = 'new';
            CREATE INDEX orders_created ON orders (created_at);
            CREATE INDEX orders_created_status ON orders (created_at, status);
            CREATE UNIQUE INDEX customers_name_key ON customers (name);
            CREATE INDEX customers_name_plain ON customers (name);
            CREATE INDEX customers_name_hash ON customers USING hash (name);
            """)
        let report = try await DoctorCluster.check(database)
        let duplicate = try report.finding("duplicate-index", object: "public.orders_status_b")
        #expect(try duplicate.value("duplicate of") == "public.orders_status_a")
        #expect(try duplicate.value("table") == "public.orders")
        #expect(try duplicate.number("size") > 0)
        #expect(duplicate.fix == "DROP INDEX CONCURRENTLY public.orders_status_b;")
        let weaker = try report.finding("duplicate-index", object: "public.customers_name_plain")
        #expect(try weaker.value("duplicate of") == "public.customers_name_key", "the unique index is kept")
        let prefix = try report.finding("redundant-index", object: "public.orders_created")
        #expect(try prefix.value("covered by") == "public.orders_created_status")
        let flagged = Set(report.findings.filter { ["duplicate-index", "redundant-index"].contains($0.id) }.map(\.object))
        #expect(flagged == ["public.orders_status_b", "public.customers_name_plain", "public.orders_created"],
                "a partial index, a hash index and the kept ones are not redundant")
    }

    @Test func unusedIndexWithItsSizeAndNotTheUsedOne() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE events (id bigint PRIMARY KEY, kind text, payload text);
            INSERT INTO events SELECT g, 'kind ' || (g % 10), md5(g::text) FROM generate_series(1, 5000) g;
            CREATE INDEX events_kind ON events (kind);
            CREATE INDEX events_payload ON events (payload);
            ANALYZE events;
            """)
        let cluster = try DoctorCluster.cluster
        try await cluster.psql("SET enable_seqscan = off; SELECT count(*) FROM events WHERE kind = 'kind 3';",
                               database: database)
        try await DoctorCluster.waitUntil(
            "SELECT idx_scan > 0 FROM pg_stat_user_indexes WHERE indexrelname = 'events_kind'", database: database)
        let size = try await cluster.psql("SELECT pg_relation_size('events_payload')", database: database)
        let report = try await DoctorCluster.check(database)
        let unused = try report.finding("unused-index", object: "public.events_payload")
        #expect(try unused.number("index scans") == 0)
        #expect(try unused.number("size") == Double(size.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try unused.value("table") == "public.events")
        #expect(unused.severity == .info, "statistics a few seconds old make it informational")
        #expect(unused.fix == "DROP INDEX CONCURRENTLY public.events_payload;")
        let objects = report.findings(withID: "unused-index").map(\.object)
        #expect(!objects.contains("public.events_kind"))
        #expect(!objects.contains("public.events_pkey"), "constraint-backed indexes are never unused")

        let strict = try await DoctorCluster.check(
            database, thresholds: ["stats-min-age": "0s", "unused-index-warning-size": "8kB"])
        #expect(try strict.finding("unused-index", object: "public.events_payload").severity == .warning)
    }

    @Test func invalidIndexAndUnvalidatedConstraint() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE dupes (v int, w int);
            INSERT INTO dupes VALUES (1, 1), (1, 2);
            ALTER TABLE dupes ADD CONSTRAINT dupes_w_positive CHECK (w > 0) NOT VALID;
            """)
        let cluster = try DoctorCluster.cluster
        // Fails on the duplicate rows and leaves the index behind, invalid.
        _ = try? await cluster.psql("CREATE UNIQUE INDEX CONCURRENTLY dupes_v_key ON dupes (v)", database: database)
        let report = try await DoctorCluster.check(database)
        let invalid = try report.finding("invalid-index", object: "public.dupes_v_key")
        #expect(try invalid.value("valid") == "no")
        #expect(try invalid.value("table") == "public.dupes")
        #expect(invalid.fix?.contains("CREATE UNIQUE INDEX CONCURRENTLY dupes_v_key ON public.dupes USING btree (v)") == true)
        let constraint = try report.finding("constraint-not-validated", object: "public.dupes dupes_w_positive")
        #expect(constraint.fix?.hasPrefix("ALTER TABLE public.dupes VALIDATE CONSTRAINT dupes_w_positive;") == true)
        #expect(!report.findings(withID: "unused-index").contains { $0.object == "public.dupes_v_key" },
                "an invalid index is reported as invalid, not as unused")
    }

    @Test func tableReadBySequentialScans() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE logs (id bigint PRIMARY KEY, message text);
            INSERT INTO logs SELECT g, md5(g::text) FROM generate_series(1, 5000) g;
            """)
        let cluster = try DoctorCluster.cluster
        for _ in 0..<3 {
            try await cluster.psql("SELECT count(*) FROM logs WHERE message = 'x'", database: database)
        }
        try await DoctorCluster.waitUntil(
            "SELECT seq_scan >= 3 FROM pg_stat_user_tables WHERE relname = 'logs'", database: database)
        let report = try await DoctorCluster.check(database, thresholds: ["seq-scan-min-rows": "1000"])
        let finding = try report.finding("seq-scan-heavy", object: "public.logs")
        #expect(try finding.number("live rows") == 5000)
        // Parallel workers count their own scans, so the average per scan may be below the table's size.
        #expect(try finding.number("rows read by sequential scans") >= 15000)
        #expect(try finding.number("rows per sequential scan") >= 1000)
        #expect(try finding.number("index scans") == 0)
        let defaults = try await DoctorCluster.check(database)
        #expect(defaults.findings(withID: "seq-scan-heavy").isEmpty, "5,000 rows is below the default 10,000")
    }
}

/// Partitioned tables: their indexes have no scans of their own and cannot be dropped one by one.
@Suite(.serialized, .suiteCluster)
struct DoctorPartitionIndexTests {
    @Test func partitionIndexesAreNotReportedUnusedOrDuplicate() async throws {
        let database = try await DoctorCluster.database(planting: """
            CREATE TABLE measurements (at date NOT NULL, sensor int, value float8) PARTITION BY RANGE (at);
            CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            CREATE TABLE measurements_2027 PARTITION OF measurements FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
            CREATE INDEX measurements_sensor ON measurements (sensor);
            CREATE TABLE plain (id int PRIMARY KEY, sensor int);
            CREATE INDEX plain_sensor ON plain (sensor);
            """)
        let report = try await DoctorCluster.check(database)
        let unused = report.findings(withID: "unused-index").map(\.object)
        #expect(unused == ["public.plain_sensor"])
        #expect(report.findings(withID: "duplicate-index").isEmpty)
    }
}
