import Foundation

/// A pgbouncer.ini for a pool size: transaction pooling, ready to paste.
public struct PgBouncerConfig: Sendable {
    /// Where PgBouncer forwards to; `database` `nil` forwards every database (`* = host=… port=…`).
    public var serverHost: String
    public var serverPort: Int
    public var database: String?
    public var listenAddress: String
    public var listenPort: Int
    public var authType: String
    public var authFile: String
    public let sizing: PoolSizing
    /// Further `[pgbouncer]` lines (logfile, pidfile, unix_socket_dir, admin_users…), written after tuner's.
    public var extraSettings: [(key: String, value: String)]

    public init(sizing: PoolSizing, serverHost: String = "127.0.0.1", serverPort: Int = 5432,
                database: String? = nil, listenAddress: String = "127.0.0.1", listenPort: Int = 6432,
                authType: String = "scram-sha-256", authFile: String = "/etc/pgbouncer/userlist.txt",
                extraSettings: [(key: String, value: String)] = []) {
        self.sizing = sizing
        self.serverHost = serverHost
        self.serverPort = serverPort
        self.database = database
        self.listenAddress = listenAddress
        self.listenPort = listenPort
        self.authType = authType
        self.authFile = authFile
        self.extraSettings = extraSettings
    }

    /// For the server named by connection settings (never its password); unix-socket hosts keep their directory.
    public init(sizing: PoolSizing, server: ConnectionSettings) {
        self.init(sizing: sizing, serverHost: server.host, serverPort: server.port, database: server.database)
    }

    /// The `[pgbouncer]` settings in order, each with the comment that explains it.
    public var settings: [(key: String, value: String, comment: String?)] {
        var lines: [(key: String, value: String, comment: String?)] = [
            ("listen_addr", listenAddress, "use 0.0.0.0 (and a firewall) for remote application servers"),
            ("listen_port", String(listenPort), nil),
            ("auth_type", authType, nil),
            ("auth_file", authFile, "\"user\" \"SCRAM-SHA-256$…\" lines, from pg_authid or pg_shadow"),
            ("pool_mode", "transaction",
             "a server connection per transaction; session state (SET, advisory locks, LISTEN) does not survive"),
            ("default_pool_size", String(sizing.totalConnections),
             "(\(sizing.inputs.databaseCPUs) cores × 2) + \(sizing.inputs.spindles) spindle(s), per database/user pair"),
            ("reserve_pool_size", String(sizing.reservePoolSize), "extra connections for bursts: a fifth of the pool"),
            ("reserve_pool_timeout", "3", "seconds a client waits before the reserve opens"),
            ("max_db_connections", String(sizing.totalConnections + sizing.reservePoolSize),
             "never more server connections than pool + reserve"),
            ("max_client_conn", String(sizing.maxClientConnections),
             "\(sizing.inputs.appInstances) instance(s) × \(sizing.appWorkersPerInstance) workers × 2 for rolling deploys"),
        ]
        lines += extraSettings.map { ($0.key, $0.value, nil) }
        return lines
    }

    /// The ini text.
    public var ini: String {
        var out = "; pgbouncer.ini written by tuner pool\n"
        out += "; \(PoolSizing.caveat)\n\n"
        out += "[databases]\n"
        // A unix-socket directory works as host= too.
        let target = "host=\(serverHost) port=\(serverPort)"
        if let database {
            out += "\(Self.iniKey(database)) = \(target) dbname=\(Self.connectionValue(database))\n"
        } else {
            out += "* = \(target)\n"
        }
        out += "\n[pgbouncer]\n"
        for (key, value, comment) in settings {
            if let comment { out += "; \(comment)\n" }
            out += "\(key) = \(value)\n"
        }
        return out
    }

    /// A libpq-style value, single-quoted when it holds spaces or quotes.
    static func connectionValue(_ text: String) -> String {
        guard text.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) else { return text }
        return "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// Database names with characters ini keys cannot hold are quoted, as PgBouncer allows.
    static func iniKey(_ name: String) -> String {
        name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? name : "\"\(name)\""
    }
}
