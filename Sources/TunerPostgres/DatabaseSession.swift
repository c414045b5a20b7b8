import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

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
    let connection: PostgresConnection
    let logger: Logger

    private init(settings: ConnectionSettings, options: Options, connection: PostgresConnection, logger: Logger) {
        self.settings = settings
        self.options = options
        self.connection = connection
        self.logger = logger
    }

    /// Opens a session, runs `body`, and closes the session whatever happens.
    public static func withSession<T: Sendable>(
        _ settings: ConnectionSettings, options: Options = .readOnly,
        _ body: (DatabaseSession) async throws -> T
    ) async throws -> T {
        let session = try await connect(settings, options: options)
        do {
            let result = try await body(session)
            try? await session.connection.close()
            return result
        } catch {
            try? await session.connection.close()
            throw error
        }
    }

    /// Opens a session; the caller must `close()` it.
    public static func connect(_ settings: ConnectionSettings, options: Options = .readOnly) async throws(DatabaseError)
        -> DatabaseSession
    {
        var logger = Logger(label: "tuner.postgres")
        logger.logLevel = .critical
        var configuration: PostgresConnection.Configuration
        if settings.isUnixSocket {
            configuration = .init(unixSocketPath: settings.socketPath, username: settings.user,
                                  password: settings.password, database: settings.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch settings.sslMode {
            case .disable, .allow: tls = .disable
            case .prefer, .require, .verifyCA, .verifyFull:
                var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
                if settings.sslMode == .prefer || settings.sslMode == .require {
                    tlsConfiguration.certificateVerification = .none
                }
                do {
                    let context = try NIOSSLContext(configuration: tlsConfiguration)
                    tls = settings.sslMode == .prefer ? .prefer(context) : .require(context)
                } catch {
                    throw DatabaseError("cannot set up TLS for \(settings.redactedURL): \(error)")
                }
            }
            configuration = .init(host: settings.host, port: settings.port, username: settings.user,
                                  password: settings.password, database: settings.database, tls: tls)
        }
        configuration.options.connectTimeout = .milliseconds(options.connectTimeout.milliseconds)
        var startup = "-c statement_timeout=\(options.statementTimeout.milliseconds)"
            + " -c lock_timeout=\(options.lockTimeout.milliseconds)"
        if !options.allowsWrites { startup += " -c default_transaction_read_only=on" }
        configuration.options.additionalStartupParameters = [
            ("application_name", options.applicationName), ("options", startup),
        ]
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1, logger: logger)
            return DatabaseSession(settings: settings, options: options, connection: connection, logger: logger)
        } catch {
            throw DatabaseError(connecting: settings, error)
        }
    }

    /// Closes the connection.
    public func close() async {
        try? await connection.close()
    }

    /// Runs a query and returns its rows with typed access by column name.
    ///
    /// Columns of exotic types (interval, xid, regclass, arrays) should be cast to text or numbers in SQL.
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
        do {
            var result: [DatabaseRow] = []
            for try await row in try await connection.query(query, logger: logger) {
                result.append(DatabaseRow(row))
            }
            return result
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
