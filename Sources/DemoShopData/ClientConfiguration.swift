import Foundation
import PostgresNIO
import TunerPostgres

extension PostgresClient.Configuration {
    /// A pool configuration for the database at `url` (`postgres://user@host:port/db`, `?host=/dir` for a
    /// unix socket), identified in `pg_stat_activity` as `applicationName`.
    package static func shop(url: String, applicationName: String) throws -> PostgresClient.Configuration {
        let settings = try ShopConnection.settings(url)
        var configuration: PostgresClient.Configuration
        if settings.isUnixSocket {
            configuration = .init(unixSocketPath: settings.socketPath, username: settings.user,
                                  password: settings.password, database: settings.database)
        } else {
            configuration = .init(host: settings.host, port: settings.port, username: settings.user,
                                  password: settings.password, database: settings.database,
                                  tls: try DatabaseTLS.poolTLS(for: settings))
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
