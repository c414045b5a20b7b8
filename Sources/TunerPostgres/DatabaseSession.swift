import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization
import TunerCore

/// One connection to the database under examination, set up the way DESIGN.md asks:
/// `application_name = tuner`, every transaction read-only unless writes were asked for,
/// `statement_timeout` and `lock_timeout` set so that Tuner never hangs or blocks a production server.
public final class DatabaseSession: Sendable {
    public struct Options: Sendable {
        /// Allow writes (`--apply`); otherwise `default_transaction_read_only = on`.
        public var allowsWrites: Bool
        public var statementTimeout: Duration
        public var lockTimeout: Duration
        public var connectTimeout: Duration
        public var applicationName: String

        public init(allowsWrites: Bool = false, statementTimeout: Duration = .seconds(30),
                    lockTimeout: Duration = .seconds(2), connectTimeout: Duration = .seconds(10),
                    applicationName: String = "tuner") {
            self.allowsWrites = allowsWrites
            self.statementTimeout = statementTimeout
            self.lockTimeout = lockTimeout
            self.connectTimeout = connectTimeout
            self.applicationName = applicationName
        }

        /// Read-only, 30 s statement timeout, 2 s lock timeout.
        public static var readOnly: Options { Options() }
        /// Writes allowed (for `--apply`); index builds may take long, so no statement timeout.
        public static var applying: Options { Options(allowsWrites: true, statementTimeout: .zero) }
    }

    public let settings: ConnectionSettings
    public let options: Options
    let logger: Logger
    private let current: Mutex<PostgresConnection>
    private let reconnectCount = Mutex(0)

    private init(settings: ConnectionSettings, options: Options, connection: PostgresConnection, logger: Logger) {
        self.settings = settings
        self.options = options
        self.current = Mutex(connection)
        self.logger = logger
    }

    /// How often the session had to connect again after its connection was lost (a server restart).
    public var reconnects: Int { reconnectCount.withLock { $0 } }

    /// Opens a session, runs `body`, and closes the session whatever happens.
    public static func withSession<T: Sendable>(
        _ settings: ConnectionSettings, options: Options = .readOnly,
        _ body: (DatabaseSession) async throws -> T
    ) async throws -> T {
        let session = try await connect(settings, options: options)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// Opens a session; the caller must `close()` it.
    public static func connect(_ settings: ConnectionSettings, options: Options = .readOnly) async throws(DatabaseError)
        -> DatabaseSession
    {
        var logger = Logger(label: "tuner.postgres")
        logger.logLevel = .critical
        let connection = try await openConnection(settings, options: options, logger: logger)
        return DatabaseSession(settings: settings, options: options, connection: connection, logger: logger)
    }

    /// One connection, set up as the options say; never waits longer than the connect timeout and 5 s more
    /// (a server that accepts but never answers the startup would otherwise hold Tuner forever).
    private static func openConnection(_ settings: ConnectionSettings, options: Options, logger: Logger)
        async throws(DatabaseError) -> PostgresConnection
    {
        var configuration: PostgresConnection.Configuration
        if settings.isUnixSocket {
            configuration = .init(unixSocketPath: settings.socketPath, username: settings.user,
                                  password: settings.password, database: settings.database)
        } else {
            configuration = .init(host: settings.host, port: settings.port, username: settings.user,
                                  password: settings.password, database: settings.database,
                                  tls: try DatabaseTLS.connectionTLS(for: settings))
        }
        configuration.options.connectTimeout = .milliseconds(options.connectTimeout.milliseconds)
        var startup = "-c statement_timeout=\(options.statementTimeout.milliseconds)"
            + " -c lock_timeout=\(options.lockTimeout.milliseconds)"
        if !options.allowsWrites { startup += " -c default_transaction_read_only=on" }
        configuration.options.additionalStartupParameters = [
            ("application_name", options.applicationName), ("options", startup),
        ]
        let frozen = configuration
        let limit = options.connectTimeout + .seconds(5)
        do {
            return try await Deadline.run(within: limit) {
                try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: frozen, id: 1, logger: logger)
            }
        } catch is Deadline.Expired {
            throw DatabaseError(connecting: settings, DeadlineMessage("no answer within \(limit.shortDescription)"))
        } catch {
            throw DatabaseError(connecting: settings, error)
        }
    }

    /// The session's connection, connected again when it was lost (a restarted server closes it).
    private func liveConnection() async throws(DatabaseError) -> PostgresConnection {
        let connection = current.withLock { $0 }
        guard connection.isClosed else { return connection }
        let fresh = try await Self.openConnection(settings, options: options, logger: logger)
        current.withLock { $0 = fresh }
        reconnectCount.withLock { $0 += 1 }
        return fresh
    }

    /// Closes the connection (giving up after 2 s on a server that does not answer).
    public func close() async {
        let connection = current.withLock { $0 }
        _ = try? await Deadline.run(within: .seconds(2), onTimeout: { _ = connection.close() as EventLoopFuture<Void> }) {
            try await connection.close()
        }
    }

    /// Runs a query and returns its rows with typed access by column name.
    ///
    /// Columns of exotic types (interval, xid, regclass, arrays) should be cast to text or numbers in SQL.
    /// A lost connection is opened again first; no call waits longer than the statement timeout and 5 s
    /// more, after which the connection is closed and the call fails.
    public func rows(_ sql: String, _ bindings: [any PostgresEncodable & Sendable] = []) async throws(DatabaseError)
        -> [DatabaseRow]
    {
        var binds = PostgresBindings()
        do {
            for value in bindings { try binds.append(value, context: .default) }
        } catch {
            throw DatabaseError("cannot encode query parameter: \(error)")
        }
        // The marker lets every pg_stat_statements reader leave Tuner's own queries out of the workload.
        let query = PostgresQuery(unsafeSQL: Self.marker + sql, binds: binds)
        let connection = try await liveConnection()
        let logger = self.logger
        let run: @Sendable () async throws -> [DatabaseRow] = {
            var result: [DatabaseRow] = []
            for try await row in try await connection.query(query, logger: logger) {
                result.append(DatabaseRow(row))
            }
            return result
        }
        do {
            guard options.statementTimeout > .zero else { return try await run() }
            let limit = options.statementTimeout + .seconds(5)
            do {
                return try await Deadline.run(within: limit, onTimeout: { _ = connection.close() as EventLoopFuture<Void> }, run)
            } catch is Deadline.Expired {
                throw DatabaseError(querying: sql, DeadlineMessage(
                    "no answer from the database within \(limit.shortDescription); the connection was closed"))
            }
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(querying: sql, error)
        }
    }

    /// Runs a statement whose rows do not matter (DDL, `SET`, `ALTER SYSTEM`).
    public func execute(_ sql: String) async throws(DatabaseError) {
        _ = try await rows(sql)
    }

    /// The first row's first column as a value, or `nil` when there are no rows.
    public func scalar(_ sql: String, _ bindings: [any PostgresEncodable & Sendable] = []) async throws(DatabaseError)
        -> DatabaseValue?
    {
        try await rows(sql, bindings).first?.values.first
    }

    /// Prefix of every statement Tuner sends, so that `WHERE query NOT LIKE '/* tuner */%'` excludes
    /// Tuner's own statements from pg_stat_statements.
    public static let marker = "/* tuner */ "

    /// The server's major version number (`server_version_num / 10000`).
    public func serverMajorVersion() async throws(DatabaseError) -> Int {
        let value = try await scalar("SELECT current_setting('server_version_num')::int AS v")
        return Int((value?.int ?? 0) / 10000)
    }
}

extension Duration {
    var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }
}

/// The reason a call gave up waiting, as `DatabaseError` describes it.
struct DeadlineMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
