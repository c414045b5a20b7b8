import PostgresNIO

/// One line for a database failure: the server's message when there is one (PSQLError's own
/// description hides it on purpose), else what went wrong on the connection. Never a password.
package func describeDatabaseError(_ error: any Error) -> String {
    guard let psql = error as? PSQLError else { return "\(error)" }
    if let message = psql.serverInfo?[.message] {
        let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
        return message + state
    }
    if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
    return "\(psql.code)"
}
