import Foundation
import PostgresNIO
import TunerPostgres

extension PostgresClient.Configuration {
    /// A pool configuration for the database at `url` (`postgres://user@host:port/db`, `?host=/dir` for a
    /// unix socket), identified in `pg_stat_activity` as `applicationName`.
    static func shop(url: String, applicationName: String) throws -> PostgresClient.Configuration {
        let settings = try ShopApplication.connectionSettings(url)
        var configuration: PostgresClient.Configuration
        if settings.isUnixSocket {
            configuration = .init(unixSocketPath: settings.socketPath, username: settings.user,
                                  password: settings.password, database: settings.database)
        } else {
            configuration = .init(host: settings.host, port: settings.port, username: settings.user,
                                  password: settings.password, database: settings.database,
                                  tls: try tls(for: settings))
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// TLS as libpq's `sslmode` and `sslrootcert` say (Tuner's own mapping).
    private static func tls(for settings: ConnectionSettings) throws -> TLS {
        guard let (configuration, isRequired) = try DatabaseTLS.configuration(for: settings) else { return .disable }
        return isRequired ? .require(configuration) : .prefer(configuration)
    }
}
