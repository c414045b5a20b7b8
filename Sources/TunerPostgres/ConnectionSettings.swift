import Foundation

/// Where and how to connect: from `--db`, then `DATABASE_URL`, then the libpq `PG*` variables.
///
/// The password is kept for the connection only: `description` and `redactedURL` never show it.
public struct ConnectionSettings: Sendable, CustomStringConvertible {
    /// Host name, IP address, or a directory holding the server's unix socket (starts with `/`).
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// The CA certificate(s) the server's certificate must chain to (`sslrootcert`, as libpq): a PEM file, or
    /// `system` for the system's trust store. `nil`: `~/.postgresql/root.crt` when it exists, else the system's.
    public var sslRootCert: String?

    public enum SSLMode: String, Sendable {
        case disable, allow, prefer, require, verifyCA = "verify-ca", verifyFull = "verify-full"
    }

    public init(host: String = "127.0.0.1", port: Int = 5432, user: String, password: String? = nil,
                database: String, sslMode: SSLMode = .prefer, sslRootCert: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
    }

    /// How the server's certificate is checked, as libpq does: `verify-full` checks the chain and the host
    /// name, `verify-ca` the chain only, and `require` the chain only when a root certificate was given
    /// (libpq's rule); `prefer` and `require` without one encrypt without checking.
    public var certificateCheck: CertificateCheck {
        switch sslMode {
        case .disable, .allow: .none
        case .prefer: .encryptOnly
        case .require: sslRootCert == nil ? .encryptOnly : .chain
        case .verifyCA: .chain
        case .verifyFull: .chainAndHostName
        }
    }

    public enum CertificateCheck: Sendable, Equatable {
        case none, encryptOnly, chain, chainAndHostName
    }

    /// True when `host` names a unix-socket directory.
    public var isUnixSocket: Bool { host.hasPrefix("/") }
    /// True when the server runs on this machine (a unix socket or a loopback address), so that its memory
    /// and cores are this machine's.
    public var isLocal: Bool { isUnixSocket || ["127.0.0.1", "localhost", "::1"].contains(host) }

    /// The socket file for a unix-socket host: `DIR/.s.PGSQL.PORT`.
    public var socketPath: String { "\(host)/.s.PGSQL.\(port)" }

    /// `postgres://user@host:port/db` without the password.
    public var redactedURL: String {
        let hostPart = isUnixSocket ? "" : "\(host.contains(":") ? "[\(host)]" : host):\(port)"
        var url = "postgres://\(percentEncode(user))@\(hostPart)/\(percentEncode(database))"
        var query: [String] = []
        if isUnixSocket { query.append("host=\(host)"); query.append("port=\(port)") }
        if sslMode != .prefer { query.append("sslmode=\(sslMode.rawValue)") }
        if let sslRootCert { query.append("sslrootcert=\(sslRootCert)") }
        if !query.isEmpty { url += "?" + query.joined(separator: "&") }
        return url
    }

    public var description: String { redactedURL }

    /// Parses `postgres://` / `postgresql://` URLs (percent-encoded parts, `?host=/dir` for sockets,
    /// `?sslmode=`, `?sslrootcert=`, `?user=`, `?password=`, `?port=`, `?dbname=`).
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConnectionSettingsError)
    {
        guard let schemeEnd = text.range(of: "://"),
              ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound].lowercased())
        else {
            throw ConnectionSettingsError("not a PostgreSQL URL; expected postgres://user@host:5432/dbname")
        }
        var rest = String(text[schemeEnd.upperBound...])
        var queryItems: [(String, String)] = []
        if let q = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: q)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                queryItems.append((parts[0], parts.count > 1 ? percentDecode(parts[1]) : ""))
            }
            rest = String(rest[..<q])
        }
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = percentDecode(String(rest[rest.index(after: slash)...]))
            rest = String(rest[..<slash])
        }
        var userInfo: String?
        if let at = rest.lastIndex(of: "@") {
            userInfo = String(rest[..<at])
            rest = String(rest[rest.index(after: at)...])
        }
        var host = rest
        var port: Int?
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()) else { throw ConnectionSettingsError("invalid port in URL") }
                port = p
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else {
                throw ConnectionSettingsError("invalid port in URL")
            }
            port = p
            host = String(host[..<colon])
        }
        var user: String?
        var password: String?
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                user = percentDecode(String(userInfo[..<colon]))
                password = percentDecode(String(userInfo[userInfo.index(after: colon)...]))
            } else {
                user = percentDecode(userInfo)
            }
        }
        var sslMode = environment["PGSSLMODE"].flatMap(SSLMode.init(rawValue:)) ?? .prefer
        var sslRootCert = environment["PGSSLROOTCERT"]
        var database = path
        for (key, value) in queryItems {
            switch key {
            case "host": host = value
            case "port":
                guard let p = Int(value) else { throw ConnectionSettingsError("invalid port '\(value)' in URL") }
                port = p
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw ConnectionSettingsError(
                        "unknown sslmode '\(value)'; accepted: disable, allow, prefer, require, verify-ca, verify-full")
                }
                sslMode = mode
            case "sslrootcert": sslRootCert = value.isEmpty ? nil : value
            case "application_name", "connect_timeout", "options": break
            default: throw ConnectionSettingsError("unsupported URL parameter '\(key)'")
            }
        }
        let resolvedUser = user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        self.init(
            host: host.isEmpty ? (environment["PGHOST"] ?? "127.0.0.1") : host,
            port: port ?? environment["PGPORT"].flatMap(Int.init) ?? 5432,
            user: resolvedUser,
            password: password ?? environment["PGPASSWORD"],
            database: database.isEmpty ? (environment["PGDATABASE"] ?? resolvedUser) : database,
            sslMode: sslMode, sslRootCert: sslRootCert)
        guard (1...65535).contains(self.port) else { throw ConnectionSettingsError("port \(self.port) out of range") }
    }

    /// `--db`, else `DATABASE_URL`, else `PGHOST`/`PGPORT`/`PGUSER`/`PGPASSWORD`/`PGDATABASE`/`PGSSLMODE`/
    /// `PGSSLROOTCERT`.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConnectionSettingsError) -> ConnectionSettings
    {
        if let option, !option.isEmpty { return try ConnectionSettings(url: option, environment: environment) }
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            return try ConnectionSettings(url: url, environment: environment)
        }
        guard environment["PGHOST"] != nil || environment["PGDATABASE"] != nil || environment["PGPORT"] != nil else {
            throw ConnectionSettingsError(
                "no database given: pass --db postgres://user@host:5432/dbname, or set DATABASE_URL or PGHOST/PGDATABASE")
        }
        let user = environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        var settings = ConnectionSettings(
            host: environment["PGHOST"] ?? "127.0.0.1",
            port: environment["PGPORT"].flatMap(Int.init) ?? 5432,
            user: user, password: environment["PGPASSWORD"],
            database: environment["PGDATABASE"] ?? user)
        if let mode = environment["PGSSLMODE"] {
            guard let parsed = SSLMode(rawValue: mode) else {
                throw ConnectionSettingsError("unknown PGSSLMODE '\(mode)'")
            }
            settings.sslMode = parsed
        }
        settings.sslRootCert = environment["PGSSLROOTCERT"]
        return settings
    }
}

/// A connection string or environment could not be used; never contains the password.
public struct ConnectionSettingsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

private func percentDecode(_ s: String) -> String { s.removingPercentEncoding ?? s }

private func percentEncode(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed.subtracting(CharacterSet(charactersIn: ":@/"))) ?? s
}
