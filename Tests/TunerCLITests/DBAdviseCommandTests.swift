import EmbeddedPostgres
import Foundation
import Testing
import TunerCore
import TunerTestSupport

/// `tuner db advise` run as a user would: the built binary against a real cluster.
@Suite(.serialized) struct DBAdviseCommandTests {
    static let setup = """
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, created_at timestamptz NOT NULL);
        INSERT INTO orders SELECT g, 1 + g % 5000, timestamptz '2026-01-01' + g * interval '1 minute'
            FROM generate_series(1, 200000) g;
        ANALYZE orders;
        """
    static let lookup = "SELECT * FROM orders WHERE customer_id = $1"

    @Test func printsTheStatementAsTextJSONAndMarkdown() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("advise_formats")
            try await cluster.psql(Self.setup, database: "advise_formats")

            let text = try await AdviseCLI.run(["db", "advise", "--db", url, "--query", Self.lookup])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id);"))
            #expect(text.stderr.contains("planning 1 statement\n"))

            let json = try await AdviseCLI.run(["db", "advise", "--db", url, "--query", Self.lookup, "--format", "json"])
            #expect(json.status == 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let suggestions = try #require(object["suggestions"] as? [[String: Any]])
            #expect(suggestions.count == 1)
            #expect(suggestions.first?["name"] as? String == "orders_customer_id_idx")
            #expect(object["method"] as? String == "hypothetical")

            let markdown = try await AdviseCLI.run(["db", "advise", "--db", url, "--query", Self.lookup, "--format", "markdown"])
            #expect(markdown.stdout.hasPrefix("## Index advice"))
            #expect(markdown.stdout.contains("```sql\nCREATE INDEX CONCURRENTLY orders_customer_id_idx"))

            // Advice is read-only: nothing was created.
            let indexes = try await cluster.psql("SELECT count(*) FROM pg_indexes WHERE tablename = 'orders'",
                                                 database: "advise_formats")
            #expect(indexes.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        }
    }

    @Test func applyCreatesTheIndexAndReportsIt() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("advise_apply")
            try await cluster.psql(Self.setup, database: "advise_apply")
            let result = try await AdviseCLI.run(["db", "advise", "--db", url, "--query", Self.lookup, "--apply"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("creating orders_customer_id_idx on orders (1/1)"))
            #expect(result.stdout.contains("created orders_customer_id_idx in"))
            let plan = try await cluster.psql("EXPLAIN SELECT * FROM orders WHERE customer_id = 42", database: "advise_apply")
            #expect(plan.contains("orders_customer_id_idx"))
        }
    }

    @Test func adviseOnTheQueriesOfARunResult() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("advise_result")
            try await cluster.psql(Self.setup, database: "advise_result")
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("advise-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try ResultFile.write(Self.runResult(queries: [
                QueryStats(queryID: "1", query: Self.lookup, calls: 6000, totalMilliseconds: 90_000,
                           meanMilliseconds: 15, rows: 240_000),
                QueryStats(queryID: "2", query: "SELECT now()", calls: 2, totalMilliseconds: 1, meanMilliseconds: 0.5, rows: 2),
            ]), to: path)
            let result = try await AdviseCLI.run(["db", "advise", "--db", url, "--result", path, "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let suggestion = try #require((object["suggestions"] as? [[String: Any]])?.first)
            // 90 s of database time in a 60 s run → 5,400 s per hour, nearly all of it saved.
            let saved = try #require(suggestion["savedMillisecondsPerHour"] as? Double)
            #expect(saved > 4_000_000 && saved < 5_400_000)
            #expect((object["workload"] as? [String: Any])?["statements"] as? Int == 1, "--min-calls 10 drops SELECT now()")
        }
    }

    @Test func badInputIsOneLineWithTheRightExitCode() async throws {
        let savings = try await AdviseCLI.run(["db", "advise", "--db", "postgres://x@127.0.0.1:1/x", "--min-savings", "lots"])
        #expect(savings.status == 64)
        let both = try await AdviseCLI.run(["db", "advise", "--db", "postgres://x@127.0.0.1:1/x", "--query", "SELECT 1", "--result", "r.json"])
        #expect(both.status == 64)
        let unreachable = try await AdviseCLI.run(["db", "advise", "--db", "postgres://nobody@127.0.0.1:1/x", "--query", "SELECT 1"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("cannot connect to 127.0.0.1:1"))
        #expect(unreachable.stderr.split(separator: "\n").count == 1)
        let missing = try await AdviseCLI.run(["db", "advise", "--db", "postgres://x@127.0.0.1:1/x", "--result", "/nonexistent/r.json"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("cannot read /nonexistent/r.json"))
    }

    static func runResult(queries: [QueryStats]) -> LoadResult {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let stats = RequestStats(name: "all", count: 0, errors: [:], statusCodes: [:], bytesReceived: 0,
                                 durationSeconds: 60, latency: .makeLatency())
        return LoadResult(
            tool: "tuner test", startedAt: start, finishedAt: start.addingTimeInterval(60),
            configuration: RunConfiguration(
                target: "http://127.0.0.1:1", model: "closed", stages: [], connections: 1, rate: nil,
                durationSeconds: 60, warmUpSeconds: 0, connectTimeoutSeconds: 1, requestTimeoutSeconds: 1,
                eventLoops: 1, requests: [], thresholds: [:]),
            overall: stats, requests: [stats], series: [], schedule: nil,
            generator: GeneratorStats(cpuPercentMean: 0, cpuPercentMax: 0, cores: 1, maxResidentBytes: nil,
                                      wasBottleneck: false),
            thresholds: [], database: DatabaseRun(queries: queries))
    }
}

/// Runs the built `tuner` binary with no database from the environment.
private enum AdviseCLI {
    static func run(_ arguments: [String]) throws -> LoadBinaryRunner.Outcome {
        try LoadBinaryRunner.run(arguments, timeout: .seconds(180), withoutDatabaseEnvironment: true)
    }

    static func run(_ arguments: [String]) async throws -> LoadBinaryRunner.Outcome {
        try await LoadBinaryRunner.run(arguments, timeout: .seconds(180), withoutDatabaseEnvironment: true)
    }
}
