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
                                  tls: try tls(for: settings.sslMode))
        }
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// `disable`/`allow` connect in clear, `prefer`/`require` use TLS without checking the certificate
    /// (as libpq does), `verify-*` check it.
    private static func tls(for mode: ConnectionSettings.SSLMode) throws -> TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable, .allow:
            return .disable
        case .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            tls.certificateVerification = .none
            return .require(tls)
        case .verifyCA, .verifyFull:
            return .require(tls)
        }
    }
}
