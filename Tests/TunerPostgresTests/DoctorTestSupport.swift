import EmbeddedPostgres
import Foundation
import Logging
import PostgresNIO
import Testing
import TunerCore
import TunerTestSupport

@testable import TunerPostgres

/// The suite's cluster and the helpers every doctor test uses.
enum DoctorCluster {
    static var cluster: EmbeddedCluster {
        get throws { try SuiteCluster.cluster }
    }

    /// A fresh database (with pg_stat_statements) holding `sql`; returns its name.
    static func database(planting sql: String = "") async throws -> String {
        let cluster = try cluster
        let name = "doctor_\(UUID().uuidString.prefix(8).lowercased())"
        try await cluster.createDatabase(name)
        if !sql.isEmpty { try await cluster.psql(sql, database: name) }
        return name
    }

    /// Runs the doctor on `database` as `user` (the superuser unless told).
    static func check(_ database: String, user: String = "postgres", thresholds: [String: String] = [:])
        async throws -> DoctorReport
    {
        let cluster = try cluster
        var limits = DoctorThresholds()
        for (name, value) in thresholds { try limits.set(name, to: value) }
        let settings = ConnectionSettings(host: "127.0.0.1", port: cluster.port, user: user, database: database,
                                          sslMode: .disable)
        return try await DatabaseSession.withSession(settings) { session in
            await Doctor.run(session: session, thresholds: limits)
        }
    }

    /// A second connection, held by the test while the doctor runs (idle transactions, sleeps, locks).
    static func connect(_ database: String) async throws -> PostgresConnection {
        let cluster = try cluster
        let configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: cluster.port, username: "postgres", password: nil, database: database,
            tls: .disable)
        return try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
    }

    static let logger = Logger(label: "doctor-tests")

    /// Runs one statement on a held connection and drains its rows.
    static func run(_ sql: String, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await _ in rows {}
    }

    /// The backend pid of a held connection.
    static func pid(of connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query("SELECT pg_backend_pid()", logger: logger)
        for try await pid in rows.decode(Int32.self) { return Int(pid) }
        throw TestFailure("no pid")
    }

    /// Waits (up to 10 s) until `sql` returns `t` in `database`.
    static func waitUntil(_ sql: String, database: String) async throws {
        let cluster = try cluster
        for _ in 0..<100 {
            if try await cluster.psql(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "t" {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("timed out waiting for: \(sql)")
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

extension DoctorReport {
    /// The single finding with `id` about `object`, or a test failure listing what was found instead.
    func finding(_ id: String, object: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Finding {
        let matches = findings.filter { $0.id == id && $0.object == object }
        let found = findings.map { "\($0.id) \($0.object)" }.joined(separator: "; ")
        #expect(matches.count == 1, "expected one \(id) for \(object); found: \(found)", sourceLocation: sourceLocation)
        return try #require(matches.first, sourceLocation: sourceLocation)
    }

    /// The ids of all findings.
    var ids: Set<String> { Set(findings.map(\.id)) }
}

extension Finding {
    /// The printed value of evidence `name` (a test failure when it is missing).
    func value(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(evidence(named: name), "no evidence '\(name)' in \(id)", sourceLocation: sourceLocation).value
    }

    /// The number behind evidence `name`.
    func number(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        try #require(evidence(named: name)?.number, "no numeric evidence '\(name)' in \(id)",
                     sourceLocation: sourceLocation)
    }
}
