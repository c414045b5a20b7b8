import Foundation
import PostgresNIO
import TunerCore

/// What the machine running PostgreSQL has, when known: the memory model and the planner-cost checks use it.
public struct DoctorEnvironment: Sendable {
    /// The machine's memory; `nil` when unknown (a remote server and no `--memory`).
    public var memory: ByteSize?
    /// True when the server runs on this machine, so that its data directory's disk can be examined.
    public var isServerLocal: Bool

    public init(memory: ByteSize? = nil, isServerLocal: Bool = false) {
        self.memory = memory
        self.isServerLocal = isServerLocal
    }
}

/// Everything a check may read: the session, the thresholds, and the facts gathered once before the checks.
struct DoctorContext: Sendable {
    let session: DatabaseSession
    let thresholds: DoctorThresholds
    let settings: ServerSettings
    /// `server_version_num`: 150008 for 15.8.
    let serverVersionNumber: Int
    let database: String
    let user: String
    let privileges: Privileges
    /// When the statistics behind usage counters started (last reset, else server start); `nil` if unknown.
    let statisticsAgeSeconds: Double?
    let statisticsReset: Date?
    /// Machine memory (given, or read from this machine when the server is local).
    let memory: ByteSize?
    /// Whether the data directory's disk spins; `nil` when unknown.
    let isStorageRotational: Bool?
    /// Probe results shared between checks (the index catalog).
    let cache = DoctorCache()

    /// What this role may see beyond its own objects.
    struct Privileges: Sendable {
        var isSuperuser = false
        /// `pg_read_all_stats` (part of `pg_monitor`): other sessions' queries, all of pg_stat_statements.
        var readsAllStats = false
        /// `pg_read_all_settings` (part of `pg_monitor`): superuser-only settings.
        var readsAllSettings = false

        var grantHint: String {
            "connect as a role with pg_monitor (GRANT pg_monitor TO <role>)"
        }
    }

    /// True when the usage counters are too young for "never used" to mean anything.
    var statisticsAreYoung: Bool {
        guard let age = statisticsAgeSeconds else { return false }
        return age < thresholds[DoctorThresholds.statsMinimumAge]
    }

    /// Runs a doctor statement (marked, so that the query checks can ignore it).
    func rows(_ sql: String, _ bindings: [any PostgresEncodable & Sendable] = []) async throws(DatabaseError)
        -> [DatabaseRow]
    {
        try await session.rows("\(DoctorSQL.marker) \(sql)", bindings)
    }

    /// Runs a doctor statement and decodes its rows as `T` (see `DatabaseSession.decoded`).
    func decoded<T: Decodable>(_ type: T.Type, _ sql: String, _ bindings: [any PostgresEncodable & Sendable] = [])
        async throws(DatabaseError) -> [T]
    {
        try await session.decoded(type, sql, bindings)
    }

    /// Reads the facts every check shares.
    static func load(session: DatabaseSession, thresholds: DoctorThresholds, environment: DoctorEnvironment)
        async throws(DatabaseError) -> DoctorContext
    {
        let settings = try await ServerSettings.load(from: session)
        let row = try await session.rows(
            """
            \(DoctorSQL.marker) SELECT current_database() AS database, current_user AS username,
              current_setting('server_version_num')::int AS version_number,
              r.rolsuper AS superuser,
              pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
              pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') AS read_all_settings,
              d.stats_reset,
              extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time()))::float8 AS stats_age
            FROM pg_roles r, pg_stat_database d
            WHERE r.rolname = current_user AND d.datname = current_database()
            """
        ).first
        var privileges = Privileges()
        privileges.isSuperuser = row?.bool("superuser") ?? false
        privileges.readsAllStats = privileges.isSuperuser || (row?.bool("read_all_stats") ?? false)
        privileges.readsAllSettings = privileges.isSuperuser || (row?.bool("read_all_settings") ?? false)
        var memory = environment.memory
        var rotational: Bool?
        if environment.isServerLocal {
            if memory == nil { memory = MachineDetection().detectMemory()?.size }
            if let directory = settings["data_directory"]?.value {
                rotational = MachineFacts.isRotational(path: directory)
            }
        }
        return DoctorContext(
            session: session, thresholds: thresholds, settings: settings,
            serverVersionNumber: Int(row?.int("version_number") ?? 0),
            database: row?.string("database") ?? session.settings.database,
            user: row?.string("username") ?? session.settings.user,
            privileges: privileges,
            statisticsAgeSeconds: row?.double("stats_age"),
            statisticsReset: row?.date("stats_reset"),
            memory: memory, isStorageRotational: rotational)
    }
}
