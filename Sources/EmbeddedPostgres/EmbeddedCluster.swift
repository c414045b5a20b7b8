import Foundation
import Synchronization
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster: `initdb` into a temporary directory, started with `pg_ctl`,
/// trust authentication on 127.0.0.1 and on a unix socket inside that directory.
///
/// Prefer `withCluster`, which always stops and removes the cluster. A watchdog process also
/// removes it if this process dies without cleaning up (a crash, `kill -9`), so no server is orphaned.
public final class EmbeddedCluster: Sendable {
    public struct Options: Sendable {
        /// Keep the data here instead of a temporary directory (it is not removed on stop).
        public var dataDirectory: String?
        /// The database created at start (with `pg_stat_statements`, and `hypopg` when installed).
        public var database: String
        /// Extra `postgresql.conf` settings, appended after Tuner's own.
        public var settings: [String: String]
        /// The port; `nil` picks a free one.
        public var port: Int?
        /// Leave the cluster running when this process exits (`tuner postgres start`).
        public var outlivesProcess: Bool
        /// The process whose end the watchdog waits for (this process unless a test says otherwise).
        var watchedProcessID: Int32?

        public init(dataDirectory: String? = nil, database: String = "tuner", settings: [String: String] = [:],
                    port: Int? = nil, outlivesProcess: Bool = false) {
            self.dataDirectory = dataDirectory
            self.database = database
            self.settings = settings
            self.port = port
            self.outlivesProcess = outlivesProcess
        }
    }

    /// The directory holding `data/`, the server log and the unix socket.
    public let baseDirectory: String
    public let port: Int
    public let database: String
    /// The superuser (trust authentication, no password).
    public let user = "postgres"
    public let installation: PostgresInstallation
    /// How long `initdb` + start + database creation took.
    public let startupDuration: Duration
    /// True when the cluster lives in a temporary directory that `stop()` removes.
    public let isTemporary: Bool
    let serverUser: String?
    let watchdog: WatchdogProcess?
    /// Held while the cluster stops: the demo's own cleanup and a Ctrl-C handler can both stop it, and two
    /// removals of one directory at once each fail half-way and leave it behind.
    private let stopping = Mutex(false)

    public var dataDirectory: String { "\(baseDirectory)/data" }
    public var socketDirectory: String { baseDirectory }
    public var logFile: String { "\(baseDirectory)/server.log" }

    /// `postgres://postgres@127.0.0.1:PORT/DATABASE` (no password: trust authentication).
    public var url: String { url(database: database) }

    /// The URL of another database in this cluster.
    public func url(database name: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(name)" }

    /// A URL that connects over the unix socket inside the cluster directory.
    public var socketURL: String { "postgres://\(user)@/\(database)?host=\(socketDirectory)&port=\(port)" }

    private init(baseDirectory: String, port: Int, database: String, installation: PostgresInstallation,
                 startupDuration: Duration, isTemporary: Bool, serverUser: String?, watchdog: WatchdogProcess?) {
        self.baseDirectory = baseDirectory
        self.port = port
        self.database = database
        self.installation = installation
        self.startupDuration = startupDuration
        self.isTemporary = isTemporary
        self.serverUser = serverUser
        self.watchdog = watchdog
    }

    /// Starts a cluster, runs `body`, and stops and removes the cluster whatever happens.
    public static func withCluster<T: Sendable>(
        _ options: Options = Options(), _ body: (EmbeddedCluster) async throws -> T
    ) async throws -> T {
        let cluster = try await start(options)
        do {
            let result = try await body(cluster)
            try await cluster.stop()
            return result
        } catch {
            try? await cluster.stop()
            throw error
        }
    }

    /// Starts a cluster; call `stop()` when done (or use `withCluster`).
    public static func start(_ options: Options = Options()) async throws -> EmbeddedCluster {
        try await ProcessRunner.detached { try startBlocking(options) }
    }

    /// Stops the server (fast shutdown) and removes the directory when it was temporary.
    public func stop() async throws {
        try await ProcessRunner.detached { [self] in try stopBlocking() }
    }

    /// Restarts the server (fast shutdown, then start) so that settings that need a restart take effect.
    /// When it does not come back, the settings `ALTER SYSTEM` wrote are set aside (postgresql.auto.conf
    /// is renamed) and the server is started without them; the error says so.
    public func restart() async throws {
        try await ProcessRunner.detached { [self] in try restartBlocking() }
    }

    /// `restart()` on the calling thread (for callers that must not wait for the cooperative pool).
    package func restartBlocking() throws {
        let pgCtl = installation.binary("pg_ctl")
        do {
            try ProcessRunner.output(of: pgCtl, ["-D", dataDirectory, "-l", logFile, "-m", "fast", "-w", "-t", "60", "restart"],
                                     runAs: serverUser)
        } catch {
            let auto = "\(dataDirectory)/postgresql.auto.conf"
            let setAside = "\(baseDirectory)/postgresql.auto.conf.rejected"
            try? FileManager.default.removeItem(atPath: setAside)
            try? FileManager.default.moveItem(atPath: auto, toPath: setAside)
            try ProcessRunner.output(of: pgCtl, ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "start"],
                                     runAs: serverUser)
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            let reason = log.split(separator: "\n").last(where: { $0.contains("FATAL") }).map(String.init) ?? "\(error)"
            throw EmbeddedPostgresError(
                "PostgreSQL did not restart with the new settings (\(reason)); started again without them (kept in \(setAside))")
        }
    }

    /// Runs SQL through `psql` as the superuser (statements one by one, stopping at the first error).
    @discardableResult
    public func psql(_ sql: String, database name: String? = nil) async throws -> String {
        try await ProcessRunner.detached { [self] in try psqlBlocking(sql, database: name ?? database) }
    }

    /// Creates a fresh database with `pg_stat_statements` (and `hypopg` when installed); returns its URL.
    @discardableResult
    public func createDatabase(_ name: String) async throws -> String {
        try await psql("CREATE DATABASE \(quoteIdentifier(name))", database: "postgres")
        try await ProcessRunner.detached { [self] in try installExtensions(in: name) }
        return url(database: name)
    }

    /// True when the `hypopg` extension can be created in this cluster.
    public var hasHypoPG: Bool {
        get async {
            let out = try? await psql("SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'",
                                      database: "postgres")
            return out?.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        }
    }

    // MARK: - blocking implementation

    static func startBlocking(_ options: Options) throws -> EmbeddedCluster {
        let clock = ContinuousClock()
        let began = clock.now
        let installation = try PostgresInstallation.find()
        let serverUser = try ServerUser.forCurrentProcess()
        let isTemporary = options.dataDirectory == nil
        let base: String
        if let kept = options.dataDirectory {
            base = URL(fileURLWithPath: kept).standardizedFileURL.path
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        } else {
            base = try makeTemporaryDirectory()
        }
        if let serverUser { try ServerUser.handOver(base, to: serverUser) }
        do {
            let data = "\(base)/data"
            if !FileManager.default.fileExists(atPath: "\(data)/PG_VERSION") {
                try ProcessRunner.output(
                    of: installation.binary("initdb"),
                    ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                    runAs: serverUser)
            }
            // The port stays reserved until the server listens on it (no other process can take it meanwhile).
            var reservation = try options.port == nil ? FreePort.reserve() : nil
            var port = options.port ?? reservation?.port ?? 0
            var attempt = 0
            while true {
                try writeConfiguration(data: data, base: base, port: port, extra: options.settings,
                                       serverUser: serverUser)
                do {
                    try ProcessRunner.output(
                        of: installation.binary("pg_ctl"),
                        ["-D", data, "-l", "\(base)/server.log", "-w", "-t", "60", "start"], runAs: serverUser)
                    reservation?.release()
                    break
                } catch let failure as ProcessRunner.Failure {
                    let log = (try? String(contentsOfFile: "\(base)/server.log", encoding: .utf8)) ?? ""
                    attempt += 1
                    if options.port == nil && attempt < 5 && log.contains("could not bind") {
                        reservation?.release()
                        reservation = try FreePort.reserve()
                        port = reservation?.port ?? port
                        continue
                    }
                    let reason = log.split(separator: "\n").last(where: { $0.contains("FATAL") || $0.contains("ERROR") })
                    throw EmbeddedPostgresError(
                        "PostgreSQL did not start: \(reason.map(String.init) ?? failure.description) (log: \(base)/server.log)")
                }
            }
            let watchdog = options.outlivesProcess
                ? nil
                : try WatchdogProcess.spawn(watching: options.watchedProcessID ?? getpid(),
                                            pgCtl: installation.binary("pg_ctl"), data: data,
                                            base: isTemporary ? base : nil, serverUser: serverUser)
            let cluster = EmbeddedCluster(
                baseDirectory: base, port: port, database: options.database, installation: installation,
                startupDuration: .zero, isTemporary: isTemporary, serverUser: serverUser, watchdog: watchdog)
            let exists = try cluster.psqlBlocking(
                "SELECT count(*) FROM pg_database WHERE datname = '\(options.database.replacingOccurrences(of: "'", with: "''"))'",
                database: "postgres")
            if exists.trimmingCharacters(in: .whitespacesAndNewlines) == "0" {
                try cluster.psqlBlocking("CREATE DATABASE \(quoteIdentifier(options.database))", database: "postgres")
            }
            try cluster.installExtensions(in: options.database)
            let timed = EmbeddedCluster(
                baseDirectory: base, port: port, database: options.database, installation: installation,
                startupDuration: clock.now - began, isTemporary: isTemporary, serverUser: serverUser,
                watchdog: watchdog)
            CleanupRegistry.shared.register(timed)
            return timed
        } catch {
            _ = try? ProcessRunner.output(of: installation.binary("pg_ctl"),
                                          ["-D", "\(base)/data", "-m", "immediate", "-w", "stop"], runAs: serverUser)
            if isTemporary { try? FileManager.default.removeItem(atPath: base) }
            throw error
        }
    }

    func stopBlocking() throws {
        CleanupRegistry.shared.unregister(self)
        try stopping.withLock { isStopped in
            guard !isStopped else { return }
            defer {
                isStopped = true
                watchdog?.dismiss()
                if isTemporary { Self.remove(baseDirectory) }
            }
            guard FileManager.default.fileExists(atPath: "\(dataDirectory)/postmaster.pid") else { return }
            do {
                try ProcessRunner.output(of: installation.binary("pg_ctl"),
                                         ["-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"], runAs: serverUser)
            } catch {
                try ProcessRunner.output(of: installation.binary("pg_ctl"),
                                         ["-D", dataDirectory, "-m", "immediate", "-w", "stop"], runAs: serverUser)
            }
        }
    }

    /// Stops at once, without waiting for clients (used from signal handlers); waits for a stop under way.
    func stopImmediately() {
        stopping.withLock { isStopped in
            guard !isStopped else { return }
            isStopped = true
            _ = try? ProcessRunner.output(of: installation.binary("pg_ctl"),
                                          ["-D", dataDirectory, "-m", "immediate", "-w", "stop"], runAs: serverUser)
            watchdog?.dismiss()
            if isTemporary { Self.remove(baseDirectory) }
        }
    }

    /// Removes a directory, trying again when something still wrote into it while it was being removed.
    static func remove(_ directory: String) {
        for attempt in 0..<5 {
            guard (try? FileManager.default.removeItem(atPath: directory)) == nil,
                  FileManager.default.fileExists(atPath: directory)
            else { return }
            Thread.sleep(forTimeInterval: 0.05 * Double(attempt + 1))
        }
    }

    @discardableResult
    func psqlBlocking(_ sql: String, database name: String) throws -> String {
        let file = "\(baseDirectory)/tuner-\(UUID().uuidString).sql"
        try sql.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            return try ProcessRunner.output(
                of: installation.binary("psql"),
                ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", String(port),
                 "-U", user, "-d", name, "-f", file])
        } catch let failure as ProcessRunner.Failure {
            throw EmbeddedPostgresError("psql failed: \(failure.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    func installExtensions(in name: String) throws {
        try psqlBlocking("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", database: name)
        let hypo = try psqlBlocking("SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'",
                                    database: name)
        if hypo.trimmingCharacters(in: .whitespacesAndNewlines) == "1" {
            try psqlBlocking("CREATE EXTENSION IF NOT EXISTS hypopg", database: name)
        }
    }

    static func writeConfiguration(data: String, base: String, port: Int, extra: [String: String],
                                   serverUser: String?) throws {
        var settings: [(String, String)] = [
            ("listen_addresses", "'127.0.0.1'"),
            ("port", String(port)),
            ("unix_socket_directories", "'\(base)'"),
            ("shared_preload_libraries", "'pg_stat_statements'"),
            ("pg_stat_statements.track", "all"),
            ("track_io_timing", "on"),
            ("track_functions", "all"),
            ("logging_collector", "off"),
        ]
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { settings.append((key, value)) }
        let text = "# written by tuner; settings here override postgresql.conf\n"
            + settings.map { "\($0.0) = \($0.1)" }.joined(separator: "\n") + "\n"
        let path = "\(data)/tuner.conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let conf = "\(data)/postgresql.conf"
        let current = (try? String(contentsOfFile: conf, encoding: .utf8)) ?? ""
        if !current.contains("include_if_exists = 'tuner.conf'") {
            try (current + "\ninclude_if_exists = 'tuner.conf'\n").write(toFile: conf, atomically: true, encoding: .utf8)
        }
        if let serverUser {
            try ServerUser.handOver(path, to: serverUser)
            try ServerUser.handOver(conf, to: serverUser)
        }
    }

    static func makeTemporaryDirectory() throws -> String {
        let root = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(root)/tuner-pg-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else {
            throw EmbeddedPostgresError("cannot create a temporary directory under \(root)")
        }
        return String(cString: result)
    }
}

func quoteIdentifier(_ name: String) -> String { "\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"" }
