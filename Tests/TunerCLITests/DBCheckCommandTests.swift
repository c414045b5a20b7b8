import EmbeddedPostgres
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import TunerTestSupport
#endif

/// `tuner db check` end to end: the built binary against a real cluster, its output and exit codes.
@Suite(.serialized) struct DBCheckCommandTests {
    static let planted = """
        CREATE TABLE customers (id bigint PRIMARY KEY);
        CREATE TABLE orders (id serial PRIMARY KEY, customer_id bigint REFERENCES customers (id));
        INSERT INTO customers VALUES (1);
        INSERT INTO orders (customer_id) VALUES (1);
        SELECT setval('orders_id_seq', 2100000000);
        """

    @Test func formatsAndFailOnLevels() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("shop")
            try await cluster.psql(Self.planted, database: "shop")

            let json = try await DBCheckCLI.run(["db", "check", "--db", url, "--format", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let findings = try #require(document?["findings"] as? [[String: Any]])
            let fk = try #require(findings.first { $0["id"] as? String == "missing-fk-index" })
            #expect(fk["object"] as? String == "public.orders (customer_id)")
            #expect(fk["severity"] as? String == "warning")
            #expect((fk["fix"] as? String)?.hasPrefix("CREATE INDEX CONCURRENTLY") == true)
            #expect(findings.contains { $0["id"] as? String == "sequence-near-max" && $0["severity"] as? String == "critical" })
            #expect(document?["skipped"] is [[String: Any]])
            #expect(json.stderr.contains("examining postgres://postgres@127.0.0.1:\(cluster.port)/shop"))

            let text = try await DBCheckCLI.run(["db", "check", "--db", url])
            #expect(text.status == 0)
            let critical = try #require(text.stdout.range(of: "CRITICAL (1)"))
            let warning = try #require(text.stdout.range(of: "WARNING ("))
            #expect(critical.lowerBound < warning.lowerBound, "grouped by severity, most severe first")
            #expect(text.stdout.contains("missing-fk-index  public.orders (customer_id)"))
            #expect(text.stdout.contains("fix: CREATE INDEX CONCURRENTLY ON public.orders (customer_id);"))
            #expect(!text.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")

            let markdown = try await DBCheckCLI.run(["db", "check", "--db", url, "--format", "markdown"])
            #expect(markdown.stdout.contains("### Critical (1)"))
            #expect(markdown.stdout.contains("#### `missing-fk-index` — public.orders (customer\\_id)"))
            #expect(markdown.stdout.contains("```sql\nCREATE INDEX CONCURRENTLY ON public.orders (customer_id);\n```"))

            #expect(try await DBCheckCLI.run(["db", "check", "--db", url, "--fail-on", "critical"]).status == 99)
            #expect(try await DBCheckCLI.run(["db", "check", "--db", url, "--fail-on", "warning"]).status == 99)
            try await cluster.psql("SELECT setval('orders_id_seq', 5); CREATE INDEX ON orders (customer_id);",
                                   database: "shop")
            let fixed = try await DBCheckCLI.run(["db", "check", "--db", url, "--fail-on", "critical", "--format", "json"])
            #expect(fixed.status == 0, "no critical finding left: \(fixed.stdout.prefix(2000))")
            #expect(!fixed.stdout.contains("\"missing-fk-index\""))
        }
    }

    @Test func thresholdsAreOverridableAndValidated() async throws {
        let help = try await DBCheckCLI.run(["db", "check", "--help"])
        #expect(help.stdout.contains("idle-in-transaction=30s"))
        #expect(help.stdout.contains("--fail-on"))
        #expect(help.stdout.contains("--threshold"))

        let unknown = try await DBCheckCLI.run(["db", "check", "--db", "postgres://x@127.0.0.1:1/x", "--threshold", "bogus=1"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown threshold 'bogus'"))
        let malformed = try await DBCheckCLI.run(["db", "check", "--db", "postgres://x@127.0.0.1:1/x", "--threshold", "long-running-query=soon"])
        #expect(malformed.status == 64)
        #expect(malformed.stderr.contains("invalid duration"))
        let format = try await DBCheckCLI.run(["db", "check", "--format", "yaml"])
        #expect(format.status == 64)
    }

    /// A usage error found while the subcommand runs (no database given) shows that subcommand's usage.
    @Test(arguments: [["db", "check"], ["db", "advise", "--query", "SELECT 1"]])
    func missingDatabaseShowsTheSubcommandsUsage(arguments: [String]) async throws {
        let run = try await DBCheckCLI.run(arguments)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: no database given"), "\(run.stderr)")
        let name = "tuner " + arguments.prefix { !$0.hasPrefix("-") }.joined(separator: " ")
        #expect(run.stderr.contains("Usage: \(name) "), "\(run.stderr)")
        #expect(run.stderr.contains("See '\(name) --help'"), "\(run.stderr)")
        #expect(!run.stderr.contains("tuner <subcommand>"))
    }

    @Test func connectionRefusedIsOneLine() async throws {
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let refused = try await DBCheckCLI.run(["db", "check", "--db", "postgres://app:s3cret-Pa55@127.0.0.1:\(port)/shop"])
        #expect(refused.status == 1)
        let lines = refused.stderr.split(separator: "\n").filter { !$0.hasPrefix("tuner db check: examining") }
        #expect(lines.count == 1, "\(refused.stderr)")
        #expect(lines.first?.contains("cannot connect to 127.0.0.1:\(port): connection refused") == true)
        #expect(!(refused.stdout + refused.stderr).contains("s3cret-Pa55"))
    }

    @Test func wrongPasswordIsOneLineAndNeverPrinted() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            try await cluster.createDatabase("guarded")
            try await cluster.psql("CREATE ROLE guarded_user LOGIN PASSWORD 'correct-Horse-42'", database: "guarded")
            // The embedded cluster trusts 127.0.0.1; demand SCRAM for this role, ahead of the trust lines.
            let hba = "\(cluster.dataDirectory)/pg_hba.conf"
            let original = try String(contentsOfFile: hba, encoding: .utf8)
            let handle = try #require(FileHandle(forWritingAtPath: hba))
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data(
                ("host all guarded_user 127.0.0.1/32 scram-sha-256\n" + original).utf8))
            try handle.close()
            try await cluster.psql("SELECT pg_reload_conf()", database: "guarded")
            try await Task.sleep(for: .milliseconds(300))

            let base = "127.0.0.1:\(cluster.port)/guarded"
            let wrong = try await DBCheckCLI.run(["db", "check", "--db", "postgres://guarded_user:Wrong-Secret-99@\(base)"])
            #expect(wrong.status == 1)
            let lines = wrong.stderr.split(separator: "\n").filter { !$0.hasPrefix("tuner db check: examining") }
            #expect(lines.count == 1, "\(wrong.stderr)")
            #expect(lines.first?.contains("authentication failed for user 'guarded_user'") == true)
            #expect(!(wrong.stdout + wrong.stderr).contains("Wrong-Secret-99"))

            let missing = try await DBCheckCLI.run(["db", "check", "--db", "postgres://guarded_user@\(base)"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("password"))

            let right = try await DBCheckCLI.run(
                ["db", "check", "--db", "postgres://guarded_user:correct-Horse-42@\(base)", "--format", "json"])
            #expect(right.status == 0, "\(right.stderr)")
            #expect(!(right.stdout + right.stderr).contains("correct-Horse-42"))
            #expect(right.stdout.contains("\"database\" : \"postgres://guarded_user@\(base)\""))
        }
    }
}

/// Runs the built `tuner` binary with no database from the environment.
private enum DBCheckCLI {
    static func run(_ arguments: [String]) throws -> LoadBinaryRunner.Outcome {
        try LoadBinaryRunner.run(arguments, timeout: .seconds(180), withoutDatabaseEnvironment: true)
    }

    static func run(_ arguments: [String]) async throws -> LoadBinaryRunner.Outcome {
        try await LoadBinaryRunner.run(arguments, timeout: .seconds(180), withoutDatabaseEnvironment: true)
    }
}
