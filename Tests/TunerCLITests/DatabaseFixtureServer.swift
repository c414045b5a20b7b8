import EmbeddedPostgres
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
import TunerTestSupport
#endif

/// `Fixtures/db_server.py`: a service backed by a real PostgreSQL whose bottleneck is known by construction
/// (its pool, a row lock, or one INSERT per request), in a process group of its own, stopped by `stop()`.
struct DatabaseFixtureServer {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/db_server.py").path
    }

    /// The psql the embedded cluster's installation ships.
    static func psql() throws -> String { try PostgresInstallation.find().binary("psql") }

    let pid: pid_t
    let port: Int
    let logPath: String
    var url: String { "http://127.0.0.1:\(port)" }

    /// The command line `tuner sweep --service` runs for this fixture on `port` (POOL comes from the sweep).
    static func command(port: Int, mode: String, databaseURL: String) throws -> String {
        "MODE=\(mode) DATABASE_URL='\(databaseURL)' exec python3 \(script) \(port) \(try psql())"
    }

    static func start(mode: String, pool: Int, databaseURL: String) async throws -> DatabaseFixtureServer {
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let logPath = LoadBinaryRunner.temporaryPath("db-server.log")
        let fd = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        var environment = ProcessInfo.processInfo.environment
        environment["MODE"] = mode
        environment["POOL"] = String(pool)
        environment["DATABASE_URL"] = databaseURL
        let pid = try ProcessRunner.spawn("/usr/bin/env", argv: ["/usr/bin/env", "python3", script, String(port), try psql()],
                                          environment: environment, stdout: fd, newProcessGroup: true)
        let server = DatabaseFixtureServer(pid: pid, port: port, logPath: logPath)
        for _ in 0..<200 {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: server.url + "/health")!),
               (response as? HTTPURLResponse)?.statusCode == 200 {
                return server
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw FixtureError("db_server.py did not answer: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    func stop() {
        kill(-pid, SIGKILL)
        _ = waitpid(pid, nil, 0)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
