import TunerPostgres

extension ShopApplication {
    /// Connects once to `url` and checks that the shop's tables are there; throws a one-line error that
    /// says what to do otherwise (start PostgreSQL, fix the URL, seed with `--seed`).
    public static func checkDatabase(url: String) async throws {
        let settings = try connectionSettings(url)
        let missing = try await DatabaseSession.withSession(settings) { session in
            var missing: [String] = []
            for table in ShopSchema.tableNames {
                let found = try await session.scalar("SELECT to_regclass($1) IS NOT NULL AS found", [table])
                if found?.bool != true { missing.append(table) }
            }
            return missing
        }
        if !missing.isEmpty {
            throw ShopConfigurationError(
                "\(settings.redactedURL) has no \(missing.joined(separator: ", ")) table; run demo-shop with --seed")
        }
    }

    /// Fails at once, with a one-line reason, when `url` cannot be connected to. (The pool would keep
    /// retrying in the background and let its callers wait.)
    static func checkConnection(url: String) async throws {
        _ = try await DatabaseSession.withSession(try connectionSettings(url)) { _ in true }
    }

    static func connectionSettings(_ url: String) throws -> ConnectionSettings {
        do {
            return try ConnectionSettings(url: url)
        } catch {
            throw ShopConfigurationError("database URL: \(error)")
        }
    }
}
