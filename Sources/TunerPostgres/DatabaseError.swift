import PostgresNIO

/// A database failure as one line a user can act on; never contains a password.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// SQLSTATE when the server reported the error (`42501` insufficient privilege, …).
    public let sqlState: String?

    public init(_ description: String, sqlState: String? = nil) {
        self.description = description
        self.sqlState = sqlState
    }

    /// True when the server refused for lack of privilege (the caller may skip a check and say why).
    public var isPermissionDenied: Bool { sqlState == "42501" }

    init(connecting settings: ConnectionSettings, _ error: any Error) {
        let target = settings.isUnixSocket ? settings.socketPath : "\(settings.host):\(settings.port)"
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo, let message = info[.message] {
                let state = info[.sqlState]
                switch state {
                case "28P01", "28000":
                    self.init("authentication failed for user '\(settings.user)' at \(target): \(message) — check the password in --db/DATABASE_URL/PGPASSWORD", sqlState: state)
                case "3D000":
                    self.init("database '\(settings.database)' does not exist at \(target)", sqlState: state)
                default:
                    self.init("cannot connect to \(target): \(message)", sqlState: state)
                }
                return
            }
            if psql.code == .authMechanismRequiresPassword {
                self.init("the server at \(target) wants a password for user '\(settings.user)'; put it in --db or PGPASSWORD")
                return
            }
            if let underlying = psql.underlying, let tls = Self.tlsFailure(underlying, settings: settings) {
                self.init("cannot connect to \(target): \(tls)")
                return
            }
            if psql.code == .connectionError || psql.code == .serverClosedConnection, let underlying = psql.underlying {
                self.init("cannot connect to \(target): \(Self.describe(underlying)) — is PostgreSQL running? set --db or DATABASE_URL")
                return
            }
            self.init("cannot connect to \(target): \(psql.code)")
            return
        }
        self.init("cannot connect to \(target): \(Self.describe(error)) — is PostgreSQL running? set --db or DATABASE_URL")
    }

    init(querying sql: String, _ error: any Error) {
        let head = sql.split(whereSeparator: \.isNewline).first.map(String.init)?.prefix(60) ?? ""
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo, let message = info[.message] {
                self.init("query failed (\(head)…): \(message)", sqlState: info[.sqlState])
                return
            }
            self.init("query failed (\(head)…): \(psql.code)")
            return
        }
        self.init("query failed (\(head)…): \(error)")
    }

    /// A failed TLS handshake in one line a user can act on, or `nil` when `error` is something else.
    static func tlsFailure(_ error: any Error, settings: ConnectionSettings) -> String? {
        let text = String(describing: error)
        let roots = settings.sslRootCert.map { "sslrootcert \($0)" } ?? "the system's trust store"
        if text.contains("failedToValidateHostname") {
            return "certificate verify failed: the server's certificate is not for '\(settings.host)'"
                + " (sslmode=verify-full checks the name; verify-ca checks only the chain)"
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "certificate verify failed: the server's certificate does not chain to \(roots)"
                + " — give the CA that signed it with sslrootcert=FILE"
        }
        if text.contains("handshakeFailed") || text.contains("BoringSSL") || text.contains("NIOSSL") {
            let reason = text.range(of: #"OPENSSL_internal:[A-Z_]+"#, options: .regularExpression)
                .map { String(text[$0].dropFirst("OPENSSL_internal:".count)) } ?? "the server ended it"
            return "TLS handshake failed: \(reason)"
        }
        return nil
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("refused") { return "connection refused" }
        if text.contains("timeout") || text.contains("Timeout") { return "connection timed out" }
        if text.contains("No such file") { return "no such socket" }
        return text
    }
}
