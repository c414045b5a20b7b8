import Foundation
import Logging
import PostgresNIO
import Testing

@testable import EmbeddedPostgres

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct EmbeddedClusterTests {
    @Test func startsConnectsAndLeavesNothingBehind() async throws {
        var base = ""
        var port = 0
        let version = try await EmbeddedCluster.withCluster { cluster in
            base = cluster.baseDirectory
            port = cluster.port
            print("embedded cluster started in \(cluster.startupDuration) (initdb + start + database + extensions)")
            #expect(FileManager.default.fileExists(atPath: "\(cluster.dataDirectory)/postmaster.pid"))
            let extensions = try await cluster.psql("SELECT extname FROM pg_extension ORDER BY 1")
            #expect(extensions.contains("pg_stat_statements"))
            let preload = try await cluster.psql("SHOW shared_preload_libraries")
            #expect(preload.contains("pg_stat_statements"))
            #expect(try await cluster.psql("SHOW track_io_timing").contains("on"))
            return try await Self.serverVersion(host: "127.0.0.1", port: cluster.port, database: cluster.database)
        }
        #expect(version.hasPrefix("PostgreSQL"))
        #expect(!FileManager.default.fileExists(atPath: base))
        #expect(!Self.acceptsConnections(port: port))
    }

    @Test func serverRunsUnprivilegedWhenRoot() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let pidFile = try String(contentsOfFile: "\(cluster.dataDirectory)/postmaster.pid", encoding: .utf8)
            let pid = try #require(pidFile.split(separator: "\n").first.flatMap { Int32($0) })
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let uidLine = try #require(status.split(separator: "\n").first { $0.hasPrefix("Uid:") })
            let uid = try #require(uidLine.split(separator: "\t").dropFirst().first.flatMap { UInt32($0) })
            #expect(uid != 0, "the server must never run as root")
            #expect(uid == geteuid() || geteuid() == 0)
        }
    }

    @Test func createsFreshDatabasesWithExtensions() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("fresh_one")
            #expect(url.hasSuffix("/fresh_one"))
            let ext = try await cluster.psql("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'",
                                             database: "fresh_one")
            #expect(ext.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        }
    }

    @Test func removesTheClusterWhenTheBodyThrows() async throws {
        struct Planted: Error {}
        var base = ""
        await #expect(throws: Planted.self) {
            try await EmbeddedCluster.withCluster { cluster in
                base = cluster.baseDirectory
                throw Planted()
            }
        }
        #expect(!base.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: base))
    }

    @Test func watchdogRemovesTheClusterWhenItsOwnerDies() async throws {
        let owner = Process()
        owner.executableURL = URL(fileURLWithPath: "/bin/sleep")
        owner.arguments = ["600"]
        try owner.run()
        var options = EmbeddedCluster.Options()
        options.watchedProcessID = owner.processIdentifier
        let cluster = try await EmbeddedCluster.start(options)
        CleanupRegistry.shared.unregister(cluster)
        #expect(Self.acceptsConnections(port: cluster.port))
        kill(owner.processIdentifier, SIGKILL)
        owner.waitUntilExit()
        var gone = false
        for _ in 0..<40 where !gone {
            try await Task.sleep(for: .milliseconds(250))
            gone = !FileManager.default.fileExists(atPath: cluster.baseDirectory)
                && !Self.acceptsConnections(port: cluster.port)
        }
        #expect(gone, "the watchdog should stop the server and remove \(cluster.baseDirectory)")
    }

    @Test func keptDataDirectorySurvivesStop() async throws {
        let dir = "/tmp/tuner-kept-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try await EmbeddedCluster.withCluster(.init(dataDirectory: dir)) { cluster in
            try await cluster.psql("CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)")
        }
        #expect(FileManager.default.fileExists(atPath: "\(dir)/data/PG_VERSION"))
        let value = try await EmbeddedCluster.withCluster(.init(dataDirectory: dir)) { cluster in
            try await cluster.psql("SELECT id FROM kept")
        }
        #expect(value.trimmingCharacters(in: .whitespacesAndNewlines) == "42")
    }

    @Test func missingBinariesNameThePackage() {
        #expect {
            try PostgresInstallation.find(environment: ["TUNER_PG_BIN": "/nonexistent"])
        } throws: { error in
            "\(error)".contains("TUNER_PG_BIN")
        }
    }

    static func serverVersion(host: String, port: Int, database: String) async throws -> String {
        let configuration = PostgresConnection.Configuration(
            host: host, port: port, username: "postgres", password: nil, database: database, tls: .disable)
        let connection = try await PostgresConnection.connect(
            configuration: configuration, id: 1, logger: Logger(label: "test"))
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query("SELECT version()", logger: Logger(label: "test"))
        for try await version in rows.decode(String.self) { return version }
        return ""
    }

    static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
