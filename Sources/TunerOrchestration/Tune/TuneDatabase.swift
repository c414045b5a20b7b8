import Foundation
import TunerCore
import TunerPostgres

/// The database changes a tune makes with `--apply`, each returning the statement that undoes it: indexes built
/// `CONCURRENTLY` (dropped the same way), server settings through `ALTER SYSTEM` and a reload (set back to the value
/// `postgresql.auto.conf` had, or reset when it had none). Settings that need a restart are refused: Tuner does not
/// restart the user's server.
enum TuneDatabase {
    /// Builds the index; a failed build leaves no invalid index behind (`IndexAdvisor.createIndex`).
    static func createIndex(_ statement: String, database: ConnectionSettings) async throws {
        try await DatabaseSession.withSession(database, options: Self.applying) { session in
            try await IndexAdvisor.createIndex(statement, session: session)
        }
    }

    /// The statement that puts `name` back as it is now: ALTER SYSTEM SET to the value postgresql.auto.conf has, or
    /// ALTER SYSTEM RESET when it has none. A setting that needs a restart is refused here, before anything changes.
    static func undoStatement(for name: String, database: ConnectionSettings) async throws -> String {
        guard name.allSatisfy({ $0.isLetter || $0 == "_" || $0 == "." }) else {
            throw WorkflowError("'\(name)' is not a setting's name")
        }
        return try await DatabaseSession.withSession(database) { session in
            guard let row = try await session.rows("SELECT context FROM pg_settings WHERE name = $1", [name]).first else {
                throw WorkflowError("PostgreSQL has no setting \(name)")
            }
            if row.string("context") == "postmaster" {
                throw WorkflowError("\(name) takes effect only at a restart, which a tune does not do: set it by hand")
            }
            // pg_file_settings needs superuser or pg_read_all_settings; unreadable, the undo resets, which is right for a
            // setting ALTER SYSTEM never wrote.
            let previous = try? await session.scalar(
                "SELECT setting FROM pg_file_settings WHERE name = $1 AND sourcefile LIKE '%postgresql.auto.conf' "
                    + "ORDER BY seqno DESC LIMIT 1", [name])?.string
            return previous.map { "ALTER SYSTEM SET \(name) = \(Self.literal($0))" } ?? "ALTER SYSTEM RESET \(name)"
        }
    }

    /// Writes `name = value` with ALTER SYSTEM and reloads (`undoStatement(for:)` first: it checks the name).
    static func setSetting(_ name: String, to value: String, database: ConnectionSettings) async throws {
        try await execute("ALTER SYSTEM SET \(name) = \(Self.literal(value))", database: database)
    }

    /// Runs a change or its undo (`DROP INDEX CONCURRENTLY …`, `ALTER SYSTEM …`), reloading after a setting's.
    static func execute(_ statement: String, database: ConnectionSettings) async throws {
        try await DatabaseSession.withSession(database, options: Self.applying) { session in
            try await session.execute(statement)
            if statement.hasPrefix("ALTER SYSTEM") { _ = try await session.scalar("SELECT pg_reload_conf() AS ok") }
        }
    }

    /// The setting's value as the server shows it now.
    static func currentSetting(_ name: String, database: ConnectionSettings) async throws -> String? {
        try await DatabaseSession.withSession(database) { session in
            try await session.scalar("SELECT current_setting($1) AS value", [name])?.string
        }
    }

    /// A string literal, quoted as `tuner db config` quotes its ALTER SYSTEM values.
    static func literal(_ value: String) -> String {
        ConfigurationRecommendation.sqlLiteral(value)
    }

    /// Writes allowed, no statement timeout (an index build takes what it takes), a minute to get a lock.
    static var applying: DatabaseSession.Options {
        var options = DatabaseSession.Options.applying
        options.lockTimeout = .seconds(60)
        options.applicationName = "tuner tune"
        return options
    }
}
