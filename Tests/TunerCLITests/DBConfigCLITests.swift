import EmbeddedPostgres
import Foundation
import Testing
import TunerTestSupport

/// `tuner db config` and `tuner pool` run as the built binary: output, exit codes, bad input.
@Suite(.serialized) struct DBConfigCLITests {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func tuner(_ arguments: String...) throws -> Outcome { try run(arguments) }

    /// Runs the binary without any database environment, so that only --db names a server.
    static func run(_ arguments: [String]) throws -> Outcome {
        let outcome = try LoadBinaryRunner.run(arguments, timeout: .seconds(120), withoutDatabaseEnvironment: true)
        return Outcome(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }

    @Test func confWithGivenHardware() throws {
        let result = try Self.tuner("db", "config", "--memory", "16GB", "--cpus", "4", "--pg-version", "17")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("shared_buffers = 4GB"))
        #expect(result.stdout.contains("work_mem = 20560kB"))
        #expect(!result.stdout.contains("io_method"))
        #expect(result.stderr.isEmpty)
    }

    @Test func jsonIsExactlyInputsSettingsWarnings() throws {
        let result = try Self.tuner("db", "config", "--memory", "8GB", "--cpus", "2", "--db-type", "dw",
                                    "--storage", "nvme", "--data-size", "more-than-3x-ram", "--format", "json")
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["inputs", "settings", "warnings"])
        let settings = try #require(object["settings"] as? [String: Any])
        #expect(settings.values.allSatisfy { $0 is String })
        #expect(settings["random_page_cost"] as? String == "4")
        #expect(settings["max_worker_processes"] == nil)
        #expect((object["warnings"] as? [String])?.contains { $0.contains("NVMe drives") } == true)
    }

    @Test func sqlFormat() throws {
        let result = try Self.tuner("db", "config", "--memory", "4GB", "--format", "sql")
        #expect(result.status == 0)
        #expect(result.stdout.contains("ALTER SYSTEM SET shared_buffers = '1GB';"))
    }

    @Test func detectsWhatIsNotGivenAndSaysSo() throws {
        let result = try Self.tuner("db", "config")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("detected on this machine: memory"))
        #expect(result.stdout.contains("(detected: "))
    }

    @Test(arguments: [
        (["--memory", "12XB"], "invalid size unit"),
        (["--memory", "0"], "greater than zero"),
        (["--memory", "16"], "give a unit"),
        (["--memory", "abc"], "invalid size"),
        (["--memory", "4GB", "--pg-version", "9"], "accepted: 10 to 18"),
        (["--memory", "4GB", "--pg-version", "19"], "accepted: 10 to 18"),
        (["--memory", "4GB", "--storage", "floppy"], "accepted: hdd, ssd, san, nvme"),
        (["--memory", "4GB", "--db-type", "game"], "accepted: web, oltp, dw, desktop, mixed"),
        (["--memory", "4GB", "--os", "beos"], "accepted: linux, windows, mac"),
        (["--memory", "4GB", "--data-size", "huge"], "accepted: less-than-ram, ram-to-3x, more-than-3x-ram"),
        (["--memory", "4GB", "--connections", "5"], "accepted: 20 to 999999"),
        (["--memory", "4GB", "--cpus", "0"], "accepted: 1 to 999999"),
        (["--memory", "4GB", "--format", "yaml"], "accepted: conf, sql, json"),
        (["--memory", "4GB", "--db", "mysql://x"], "not a PostgreSQL URL"),
    ])
    func badInputIsOneLineAndExit64(arguments: [String], expected: String) throws {
        try Self.expectUsageError(["db", "config"] + arguments, mentioning: expected)
    }

    /// Bad input: exit 64, one line on stderr that mentions `expected`, nothing on stdout.
    static func expectUsageError(_ arguments: [String], mentioning expected: String) throws {
        let process = try run(arguments)
        #expect(process.status == 64, "\(arguments): \(process.stderr)")
        #expect(process.stderr.contains(expected), "\(arguments): \(process.stderr)")
        #expect(process.stderr.split(separator: "\n").count == 1, "\(process.stderr)")
        #expect(process.stdout.isEmpty)
    }

    @Test func unreachableServerIsARuntimeError() throws {
        let result = try Self.tuner("db", "config", "--memory", "4GB", "--db", "postgres://nobody@127.0.0.1:1/x")
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot connect"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func diffAndApplyAgainstALiveServer() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = cluster.url + "?sslmode=disable"
            let diff = try Self.tuner("db", "config", "--memory", "8GB", "--cpus", "4", "--db", url)
            #expect(diff.status == 0, "\(diff.stderr)")
            #expect(diff.stderr.contains("using the server's PostgreSQL version 15"))
            #expect(diff.stdout.contains("shared_buffers"))
            #expect(diff.stdout.contains("128MB"))
            #expect(diff.stderr.contains("--apply"))
            let beforeApply = try await cluster.psql("SHOW random_page_cost")
            #expect(beforeApply.trimmingCharacters(in: .whitespacesAndNewlines) == "4")

            let json = try Self.tuner("db", "config", "--memory", "8GB", "--cpus", "4", "--db", url,
                                      "--apply", "--format", "json")
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let applied = try #require(object["applied"] as? [String: Any])
            #expect((applied["in_effect"] as? [String])?.contains("random_page_cost") == true)
            #expect((applied["waiting_for_restart"] as? [String])?.contains("shared_buffers") == true)
            let after = try await cluster.psql("SHOW random_page_cost")
            #expect(after.trimmingCharacters(in: .whitespacesAndNewlines) == "1.1")

            let sql = try Self.tuner("db", "config", "--memory", "8GB", "--cpus", "4", "--db", url, "--format", "sql")
            #expect(sql.status == 0)
            #expect(sql.stdout.contains("ALTER SYSTEM SET shared_buffers = '2GB'; -- was 128MB, needs a restart"))
            #expect(!sql.stdout.contains("random_page_cost"))
        }
    }
}
