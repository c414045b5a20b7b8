/// Reads settings from a live server: pg_settings when the role may, `current_setting` one by one otherwise.
struct LiveSettingsReader {
    struct Value: Sendable, Equatable {
        var shown: String
        var unit: String?
        var source: String?
        var context: String?
        var pendingRestart: Bool
    }

    enum Outcome: Sendable, Equatable {
        case value(Value)
        case notReadable
        /// The server does not know the setting.
        case unknown
    }

    struct Result: Sendable {
        var values: [String: Outcome]
        var pgSettingsReadable: Bool
    }

    let session: DatabaseSession

    /// Settings that change only at a restart, for when pg_settings' `context` cannot be read.
    static func restartSettings(major: Int) -> Set<String> {
        var names: Set<String> = [
            "max_connections", "shared_buffers", "huge_pages", "wal_buffers", "max_worker_processes",
            "wal_level", "max_wal_senders", "io_method",
        ]
        // PostgreSQL 18 made autovacuum_max_workers reloadable (up to autovacuum_worker_slots).
        if major < 18 { names.insert("autovacuum_max_workers") }
        return names
    }

    func read(_ names: [String]) async throws(DatabaseError) -> Result {
        var values: [String: Outcome] = [:]
        var pgSettingsReadable = true
        do throws(DatabaseError) {
            let rows = try await session.rows("""
                SELECT name, current_setting(name) AS shown, unit, source, context, pending_restart
                FROM pg_settings WHERE name = ANY($1)
                """, [names])
            for row in rows {
                guard let name = row.string("name"), let shown = row.string("shown") else { continue }
                values[name] = .value(Value(shown: shown, unit: row.string("unit"), source: row.string("source"),
                                            context: row.string("context"),
                                            pendingRestart: row.bool("pending_restart") ?? false))
            }
        } catch where error.isPermissionDenied {
            pgSettingsReadable = false
        }
        // Rows pg_settings did not show: unknown to the server, or hidden from this role.
        for name in names where values[name] == nil {
            values[name] = try await probe(name)
        }
        return Result(values: values, pgSettingsReadable: pgSettingsReadable)
    }

    /// `current_setting(name, true)`: NULL for an unknown setting, a privilege error for a hidden one.
    private func probe(_ name: String) async throws(DatabaseError) -> Outcome {
        do throws(DatabaseError) {
            guard let shown = try await session.scalar("SELECT current_setting($1, true) AS shown", [name])?.string
            else { return .unknown }
            return .value(Value(shown: shown, pendingRestart: false))
        } catch where error.isPermissionDenied {
            return .notReadable
        }
    }
}
