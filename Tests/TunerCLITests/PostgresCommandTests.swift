import Foundation
import Testing
import TunerTestSupport

@testable import EmbeddedPostgres

/// `tuner postgres start/status/stop` as a user runs them.
@Suite(.serialized) struct PostgresCommandTests {
    /// A cluster started with `--data-dir` is found again by that directory, whatever the per-user record says.
    @Test func stopAndStatusTakeTheDataDirectoryStartWasGiven() async throws {
        let directory = LoadBinaryRunner.temporaryPath("kept-cluster")
        // Each command gets its own TMPDIR, so the per-user record of `start` is not where `stop` looks.
        let startRecords = LoadBinaryRunner.temporaryPath("records-start")
        let laterRecords = LoadBinaryRunner.temporaryPath("records-later")
        for path in [startRecords, laterRecords] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        defer {
            _ = try? LoadBinaryRunner.run(["postgres", "stop", "--data-dir", directory], environment: ["TMPDIR": laterRecords])
            for path in [directory, startRecords, laterRecords] { try? FileManager.default.removeItem(atPath: path) }
        }
        let start = try Self.startDetached(directory, records: startRecords)
        #expect(start.status == 0, "\(start.output)")
        #expect(start.output.contains("@127.0.0.1:"))
        #expect(FileManager.default.fileExists(atPath: "\(directory)/data/postmaster.pid"))

        let running = try await LoadBinaryRunner.run(["postgres", "status", "--data-dir", directory], environment: ["TMPDIR": laterRecords])
        #expect(running.status == 0, "\(running.stdout)\(running.stderr)")
        #expect(running.stdout.contains("running: postgres://"))

        let stop = try await LoadBinaryRunner.run(["postgres", "stop", "--data-dir", directory], timeout: .seconds(60),
                                            environment: ["TMPDIR": laterRecords])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(stop.stderr.contains("data kept in"))
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/data/postmaster.pid"), "the server stopped")
        #expect(FileManager.default.fileExists(atPath: "\(directory)/data/PG_VERSION"), "the data is kept")

        let stopped = try await LoadBinaryRunner.run(["postgres", "status", "--data-dir", directory], environment: ["TMPDIR": laterRecords])
        #expect(stopped.status == 3)
        #expect(stopped.stdout.contains("not running"))

        let unknown = try await LoadBinaryRunner.run(["postgres", "stop", "--data-dir", laterRecords], environment: ["TMPDIR": laterRecords])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no cluster was started with 'tuner postgres start --data-dir"))
    }

    /// `tuner postgres start` leaves a daemon behind, which Foundation's `Process` can mistake for the
    /// child still running: spawned and waited for directly, output (stdout and stderr) into a file.
    static func startDetached(_ directory: String, records: String) throws -> (status: Int32, output: String) {
        let capture = LoadBinaryRunner.temporaryPath("start-output")
        defer { unlink(capture) }
        let fd = open(capture, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        defer { close(fd) }
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = records
        let binary = LoadBinaryRunner.binary.path
        let pid = try ProcessRunner.spawn(binary, argv: [binary, "postgres", "start", "--data-dir", directory],
                                          environment: environment, stdout: fd)
        let status = ProcessRunner.wait(for: pid)
        return (status, (try? String(contentsOfFile: capture, encoding: .utf8)) ?? "")
    }
}
