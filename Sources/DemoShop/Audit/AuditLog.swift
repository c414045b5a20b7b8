import Foundation
import Logging
import PostgresNIO

/// One row of `audit_log`.
struct AuditEntry: Sendable {
    var at: Date
    var action: String
    var entity: String
    var entityID: Int
    /// A JSON object.
    var detail: String
}

/// Where the shop's write path records what it did.
protocol AuditLog: Sendable {
    /// Records `entry`; `connection` is the request's own connection, still leased.
    func record(_ entry: AuditEntry, on connection: PostgresConnection) async throws
}

/// The naive audit log: one INSERT per request, on the request's connection, before it answers.
struct DirectAuditLog: AuditLog {
    let logger: Logger

    func record(_ entry: AuditEntry, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO audit_log (at, action, entity, entity_id, detail)
            VALUES (\(entry.at), \(entry.action), \(entry.entity), \(entry.entityID), \(entry.detail)::jsonb)
            """,
            logger: logger)
    }
}

extension AuditEntry {
    /// Writes `entries` with one INSERT (arrays unnested server-side), however many there are.
    static func insert(_ entries: [AuditEntry], on connection: PostgresConnection, logger: Logger) async throws {
        let at = entries.map(\.at)
        let actions = entries.map(\.action)
        let kinds = entries.map(\.entity)
        let ids = entries.map(\.entityID)
        let details = entries.map(\.detail)
        try await connection.query(
            """
            INSERT INTO audit_log (at, action, entity, entity_id, detail)
            SELECT a, b, c, d, e::jsonb
            FROM unnest(\(at)::timestamptz[], \(actions)::text[], \(kinds)::text[], \(ids)::int8[], \(details)::text[])
                AS rows(a, b, c, d, e)
            """,
            logger: logger)
    }
}
